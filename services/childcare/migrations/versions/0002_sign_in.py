"""Sign-in: provider sessions ended by back-channel logout, and logout tokens already received
(the tables of govkit.auth.auth_tables, on this service's registry).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
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
        "auth_ended_session",
        sa.Column("sid", sa.String(length=255), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_auth_ended_session")),
    )
    with op.batch_alter_table("auth_ended_session") as batch:
        batch.create_index(batch.f("ix_auth_ended_session_ended_at"), ["ended_at"])
    op.create_table(
        "auth_seen_logout_token",
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_auth_seen_logout_token")),
    )
    with op.batch_alter_table("auth_seen_logout_token") as batch:
        batch.create_index(batch.f("ix_auth_seen_logout_token_expires_at"), ["expires_at"])


def downgrade() -> None:
    op.drop_table("auth_seen_logout_token")
    op.drop_table("auth_ended_session")
