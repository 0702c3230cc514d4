"""Message log: hash-chained records, the chain head, batch seals, sealing failures, archives.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "messagelog_record",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("x_road_id", _text(255), nullable=False),
        sa.Column("request_id", _text(64), nullable=False),
        sa.Column("side", _text(10), nullable=False),
        sa.Column("direction", _text(10), nullable=False),
        sa.Column("client", _text(300), nullable=False),
        sa.Column("service", _text(400), nullable=False),
        sa.Column("logged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("header", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("prev_hash", _text(64), nullable=False),
        sa.Column("hash", _text(64), nullable=False),
        sa.Column("seal_number", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_messagelog_record")),
        sa.UniqueConstraint("hash", name=op.f("uq_messagelog_record_hash")),
    )
    with op.batch_alter_table("messagelog_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_messagelog_record_x_road_id"), ["x_road_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_messagelog_record_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_messagelog_record_logged_at"), ["logged_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_messagelog_record_seal_number"), ["seal_number"], unique=False
        )

    head = op.create_table(
        "messagelog_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("last_hash", _text(64), nullable=False),
        sa.Column("last_sealed_number", sa.Integer(), nullable=False),
        sa.Column("last_seal_number", sa.Integer(), nullable=False),
        sa.Column("last_archived_number", sa.Integer(), nullable=False),
        sa.Column("last_archive_digest", _text(64), nullable=False),
        sa.Column("last_archive_name", _text(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messagelog_head")),
    )
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "last_number": 0,
                "last_hash": GENESIS,
                "last_sealed_number": 0,
                "last_seal_number": 0,
                "last_archived_number": 0,
                "last_archive_digest": GENESIS,
                "last_archive_name": "",
            }
        ],
    )

    op.create_table(
        "messagelog_seal",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_number", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("root", _text(64), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_messagelog_seal")),
    )

    op.create_table(
        "messagelog_seal_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("first_number", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messagelog_seal_failure")),
    )
    with op.batch_alter_table("messagelog_seal_failure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_messagelog_seal_failure_attempted_at"), ["attempted_at"], unique=False
        )

    op.create_table(
        "messagelog_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(255), nullable=False),
        sa.Column("first_number", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("prev_digest", _text(64), nullable=False),
        sa.Column("digest", _text(64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messagelog_archive")),
        sa.UniqueConstraint("name", name=op.f("uq_messagelog_archive_name")),
    )


def downgrade() -> None:
    op.drop_table("messagelog_archive")
    with op.batch_alter_table("messagelog_seal_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messagelog_seal_failure_attempted_at"))
    op.drop_table("messagelog_seal_failure")
    op.drop_table("messagelog_seal")
    op.drop_table("messagelog_head")
    with op.batch_alter_table("messagelog_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messagelog_record_seal_number"))
        batch_op.drop_index(batch_op.f("ix_messagelog_record_logged_at"))
        batch_op.drop_index(batch_op.f("ix_messagelog_record_request_id"))
        batch_op.drop_index(batch_op.f("ix_messagelog_record_x_road_id"))
    op.drop_table("messagelog_record")
