"""Consents: the citizen's decisions about consent offers, and their audit trail.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("offer", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("provider_service", sa.String(length=300), nullable=False),
        sa.Column("items_json", sa.String(length=1000), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
        sa.UniqueConstraint("subject", "offer", "sequence", name=op.f("uq_consent_subject")),
    )
    with op.batch_alter_table("consent") as batch:
        batch.create_index(batch.f("ix_consent_subject"), ["subject"])
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent.id"], name=op.f("fk_consent_event_consent_id_consent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    with op.batch_alter_table("consent_event") as batch:
        batch.create_index(batch.f("ix_consent_event_consent_id"), ["consent_id"])


def downgrade() -> None:
    op.drop_table("consent_event")
    op.drop_table("consent")
