"""Status-list places taken before sealing (``status_index``): each issue takes its place in a
short transaction of its own, so that concurrent issues never want the same place while they
render and seal, and no write lock is held meanwhile (SQLite has one lock for the whole file).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_index",
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("index", name=op.f("pk_status_index")),
    )
    # Places already used by issued documents are taken.
    op.execute(
        'INSERT INTO status_index ("index", allocated_at) '
        "SELECT status_index, issued_at FROM issued_document"
    )


def downgrade() -> None:
    op.drop_table("status_index")
