"""One journey, at most one request: ``certificate_request.submission``, the random id the
journey takes when it starts, unique (a replayed or double-clicked "Pay and get the copy"
finds the request it already made instead of issuing again).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificate_request") as batch:
        batch.add_column(sa.Column("submission", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f("uq_certificate_request_submission"), ["submission"])


def downgrade() -> None:
    with op.batch_alter_table("certificate_request") as batch:
        batch.drop_constraint(batch.f("uq_certificate_request_submission"), type_="unique")
        batch.drop_column("submission")
