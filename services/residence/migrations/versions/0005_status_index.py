"""Status-list places taken before sealing (``status_index``), so that issuing a copy holds no
write lock while it renders and seals (SQLite has one lock for the whole database).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
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
    # Places already used by issued copies are taken.
    op.execute(
        'INSERT INTO status_index ("index", allocated_at) '
        "SELECT status_index, issued_at FROM issued_certificate"
    )


def downgrade() -> None:
    op.drop_table("status_index")
