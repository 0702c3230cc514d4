"""The trust service's tables, on its own SQLModel registry.

Private keys are never stored here: they live in files under the data folder (0600).
"""

from datetime import datetime

from sqlmodel import Field, SQLModel

from govkit.db import new_registry


class TrustModel(SQLModel, registry=new_registry()):
    """Base class of every trust table."""


class AuthorityRecord(TrustModel, table=True):
    """A CA (root, seal, security server, JPKI simulation) and where its key file is."""

    __tablename__ = "authority"

    name: str = Field(primary_key=True, max_length=32)
    certificate_der: bytes
    key_file: str = Field(max_length=255)
    created_at: datetime


class CertificateRecord(TrustModel, table=True):
    """A certificate the kit's CAs issued, with its revocation and withdrawal history."""

    __tablename__ = "certificate"

    serial: str = Field(primary_key=True, max_length=48)  # hex
    authority: str = Field(foreign_key="authority.name", index=True, max_length=32)
    profile: str = Field(index=True, max_length=32)
    subject: str = Field(max_length=512)
    #: Who holds the key: an exchange member code (GOV/LG-139998), a card id, "trust".
    holder: str = Field(index=True, max_length=128)
    kid: str = Field(index=True, max_length=16)
    certificate_der: bytes
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    #: When a newer key replaced this one for new documents (documents already sealed stay valid).
    withdrawn_at: datetime | None = None
    #: When the certificate was revoked (compromise, cessation…), and why.
    revoked_at: datetime | None = None
    revocation_reason: str | None = Field(default=None, max_length=32)
