"""A printed copy by post: ``certificate_request.post_to``, the postal code of the registered
address it goes to (the citizen's choice on the details page, until now only shown on the check
page and then dropped).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificate_request") as batch:
        batch.add_column(sa.Column("post_to", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificate_request") as batch:
        batch.drop_column("post_to")
