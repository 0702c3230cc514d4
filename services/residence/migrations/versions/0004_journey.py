"""The whole register and the certificate journey: the resident's remaining items (dates,
previous address, 本籍/筆頭者, 住民票コード, My Number, foreign-resident items, removal), DV
support measures, letters of authority, certificate requests, the issuance register, register
events for agencies, the back office's clerks and its audit trail.

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
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("register_key", sa.String(length=32), nullable=True),
        sa.Column("target", sa.String(length=40), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event") as batch:
        batch.create_index(batch.f("ix_audit_event_action"), ["action"], unique=False)
        batch.create_index(batch.f("ix_audit_event_register_key"), ["register_key"], unique=False)

    op.create_table(
        "certificate_request",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("requester_sub", sa.String(length=255), nullable=False),
        sa.Column("requester_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=True),
        sa.Column("mandate_id", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("evidence", sa.String(length=2000), nullable=True),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("fee_yen", sa.Integer(), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("refusal", sa.String(length=500), nullable=True),
        sa.Column("signature", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_request")),
    )
    with op.batch_alter_table("certificate_request") as batch:
        batch.create_index(
            batch.f("ix_certificate_request_requester_sub"), ["requester_sub"], unique=False
        )
        batch.create_index(batch.f("ix_certificate_request_status"), ["status"], unique=False)
        batch.create_index(batch.f("ix_certificate_request_subject"), ["subject"], unique=False)

    op.create_table(
        "clerk",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_totp_step", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_clerk")),
    )
    op.create_table(
        "issued_certificate",
        sa.Column("document_id", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("owner_sub", sa.String(length=255), nullable=False),
        sa.Column("owner_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("address_at_issue", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("qr_text", sa.String(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("superseded_by", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_issued_certificate")),
        sa.UniqueConstraint("status_index", name=op.f("uq_issued_certificate_status_index")),
    )
    with op.batch_alter_table("issued_certificate") as batch:
        batch.create_index(
            batch.f("ix_issued_certificate_owner_pseudonym"), ["owner_pseudonym"], unique=False
        )
        batch.create_index(batch.f("ix_issued_certificate_owner_sub"), ["owner_sub"], unique=False)
        batch.create_index(
            batch.f("ix_issued_certificate_request_id"), ["request_id"], unique=False
        )
        batch.create_index(batch.f("ix_issued_certificate_subject"), ["subject"], unique=False)

    op.create_table(
        "mandate",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("principal", sa.String(length=32), nullable=False),
        sa.Column("proxy_name", sa.String(length=200), nullable=False),
        sa.Column("proxy_birthdate", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("allow_my_number", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("signed_text", sa.String(), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=False),
        sa.Column("signer_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate")),
    )
    with op.batch_alter_table("mandate") as batch:
        batch.create_index(batch.f("ix_mandate_principal"), ["principal"], unique=False)

    op.create_table(
        "register_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_event")),
    )
    with op.batch_alter_table("register_event") as batch:
        batch.create_index(
            batch.f("ix_register_event_register_key"), ["register_key"], unique=False
        )

    op.create_table(
        "support_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("adverse_name", sa.String(length=200), nullable=False),
        sa.Column("adverse_birthdate", sa.Date(), nullable=True),
        sa.Column("adverse_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_measure")),
    )
    with op.batch_alter_table("support_measure") as batch:
        batch.create_index(
            batch.f("ix_support_measure_adverse_pseudonym"), ["adverse_pseudonym"], unique=False
        )
        batch.create_index(batch.f("ix_support_measure_subject"), ["subject"], unique=False)

    with op.batch_alter_table("resident") as batch:
        batch.add_column(sa.Column("became_resident_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("address_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("address_notified_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("previous_address", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("honseki", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("hittosha", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("juminhyo_code", sa.String(length=11), nullable=True))
        batch.add_column(sa.Column("my_number", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("nationality", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("foreign_resident_category", sa.String(length=50), nullable=True)
        )
        batch.add_column(sa.Column("residence_status", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("period_of_stay", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("stay_expires_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("residence_card_number", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("removed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("removal_reason", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("moved_to", sa.String(length=300), nullable=True))
        batch.create_unique_constraint(batch.f("uq_resident_juminhyo_code"), ["juminhyo_code"])
        batch.create_unique_constraint(batch.f("uq_resident_my_number"), ["my_number"])


def downgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        batch.drop_constraint(batch.f("uq_resident_my_number"), type_="unique")
        batch.drop_constraint(batch.f("uq_resident_juminhyo_code"), type_="unique")
        for column in (
            "moved_to", "removal_reason", "removed_on", "residence_card_number",
            "stay_expires_on", "period_of_stay", "residence_status",
            "foreign_resident_category", "nationality", "my_number", "juminhyo_code",
            "hittosha", "honseki", "previous_address", "address_notified_on", "address_since",
            "became_resident_on",
        ):  # fmt: skip
            batch.drop_column(column)
    for table in (
        "support_measure", "register_event", "mandate", "issued_certificate", "clerk",
        "certificate_request", "audit_event",
    ):  # fmt: skip
        op.drop_table(table)
