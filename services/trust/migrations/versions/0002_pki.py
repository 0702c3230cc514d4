"""PKI: authorities and the certificates they issued.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "authority",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("key_file", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_authority")),
    )
    op.create_table(
        "certificate",
        sa.Column("serial", sa.String(length=48), nullable=False),
        sa.Column("authority", sa.String(length=32), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["authority"], ["authority.name"], name=op.f("fk_certificate_authority_authority")
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_certificate")),
    )
    with op.batch_alter_table("certificate") as batch:
        batch.create_index(batch.f("ix_certificate_authority"), ["authority"])
        batch.create_index(batch.f("ix_certificate_profile"), ["profile"])
        batch.create_index(batch.f("ix_certificate_holder"), ["holder"])
        batch.create_index(batch.f("ix_certificate_kid"), ["kid"])


def downgrade() -> None:
    op.drop_table("certificate")
    op.drop_table("authority")
