"""Operational monitoring records (one per request per security server).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "opmon_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side", _text(10), nullable=False),
        sa.Column("x_road_id", _text(255), nullable=True),
        sa.Column("request_id", _text(64), nullable=True),
        sa.Column("user_id", _text(255), nullable=True),
        sa.Column("issue", _text(255), nullable=True),
        sa.Column("client", _text(300), nullable=True),
        sa.Column("service", _text(400), nullable=True),
        sa.Column("rest_method", _text(10), nullable=True),
        sa.Column("rest_path", _text(500), nullable=True),
        sa.Column("peer_address", _text(300), nullable=True),
        sa.Column("request_in_ts", sa.BigInteger(), nullable=False),
        sa.Column("request_out_ts", sa.BigInteger(), nullable=True),
        sa.Column("response_in_ts", sa.BigInteger(), nullable=True),
        sa.Column("response_out_ts", sa.BigInteger(), nullable=True),
        sa.Column("request_size", sa.Integer(), nullable=True),
        sa.Column("response_size", sa.Integer(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("fault_code", _text(200), nullable=True),
        sa.Column("fault_string", _text(1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_opmon_record_x_road_id", "opmon_record", ["x_road_id"])
    op.create_index("ix_opmon_record_client", "opmon_record", ["client"])
    op.create_index("ix_opmon_record_request_in_ts", "opmon_record", ["request_in_ts"])


def downgrade() -> None:
    op.drop_table("opmon_record")
