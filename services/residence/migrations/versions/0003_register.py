"""The resident register and its data-usage log: ``resident`` (Sakuragi City's residents, each
with their exchange pseudonym) and ``data_usage_event`` (every exchange call about a resident,
hash-chained per resident).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident",
        sa.Column("register_key", sa.String(length=32), nullable=False),
        sa.Column("household", sa.String(length=32), nullable=False),
        sa.Column("relationship", sa.String(length=20), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name_kana", sa.String(length=100), nullable=False),
        sa.Column("given_name_kana", sa.String(length=100), nullable=False),
        sa.Column("name_roman", sa.String(length=200), nullable=False),
        sa.Column("birthdate", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("postal_code", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("exchange_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("register_key", name=op.f("pk_resident")),
    )
    with op.batch_alter_table("resident") as batch:
        batch.create_index(batch.f("ix_resident_household"), ["household"])
        batch.create_index(
            batch.f("ix_resident_exchange_pseudonym"), ["exchange_pseudonym"], unique=True
        )
    op.create_table(
        "data_usage_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=False),
        sa.Column("service", sa.String(length=255), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=True),
        sa.Column("legal_basis", sa.String(length=500), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("refusal", sa.String(length=40), nullable=True),
        sa.Column("x_road_id", sa.String(length=255), nullable=True),
        sa.Column("issue", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_usage_event")),
        sa.UniqueConstraint("subject", "seq", name=op.f("uq_data_usage_event_subject")),
    )


def downgrade() -> None:
    op.drop_table("data_usage_event")
    op.drop_table("resident")
