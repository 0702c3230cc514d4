"""The portal's tables, on its own SQLModel registry."""

from datetime import date, datetime

from sqlalchemy import DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from govkit.auth.models import auth_tables
from govkit.db import new_registry


class PortalModel(SQLModel, registry=new_registry()):
    """Base class of every portal table."""


#: Sign-in: provider sessions ended by back-channel logout, logout tokens already received.
AUTH = auth_tables(PortalModel)


class IssuedDocument(PortalModel, table=True):
    """A document the portal issued (specimen certificates), with its current status."""

    __tablename__ = "issued_document"

    id: str = Field(primary_key=True, max_length=40)
    document_type: str = Field(index=True, max_length=32)
    #: Position in the published status list (unique, never reused).
    status_index: int = Field(unique=True)
    issued_on: date
    issued_at: datetime
    valid_until: date | None = None
    sha256: str = Field(index=True, max_length=64)
    kid: str = Field(max_length=16)
    claims_json: str = Field(sa_type=Text)
    pdf: bytes
    status: str = Field(default="issued", max_length=16)
    status_changed_at: datetime | None = None
    status_reason: str | None = Field(default=None, max_length=200)
    superseded_by: str | None = Field(default=None, max_length=40)
    #: Hash of the browser session that asked for it: only that browser may revoke a specimen.
    owner: str | None = Field(default=None, max_length=64)


class StatusIndex(PortalModel, table=True):
    """A place in the status list, taken before a document is sealed (the index is inside the
    sealed claims). Taking it is a short transaction of its own, so that concurrent issues never
    race for the same place while they render and seal, and no write lock is held meanwhile; an
    index whose document was never recorded stays unused."""

    __tablename__ = "status_index"

    index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    allocated_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class ConsentRecord(PortalModel, table=True):
    """One decision of a citizen about one consent offer (see ``portal.domain.consents``).

    ``subject`` is the citizen's exchange pseudonym; ``sequence`` numbers the citizen's
    decisions about the offer (the latest is the current one; unique, so two simultaneous
    decisions cannot both win).
    """

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("subject", "offer", "sequence"),)

    id: str = Field(primary_key=True, max_length=40)
    subject: str = Field(index=True, max_length=128)
    offer: str = Field(max_length=64)
    sequence: int
    consumer: str = Field(max_length=200)
    provider_service: str = Field(max_length=300)
    #: The data items covered, as a JSON list.
    items_json: str = Field(max_length=1000)
    purpose: str = Field(max_length=500)
    status: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    given_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    refused_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    withdrawn_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ConsentEvent(PortalModel, table=True):
    """The audit trail of consents: every decision, when, and in which request."""

    __tablename__ = "consent_event"

    id: int | None = Field(default=None, primary_key=True)
    consent_id: str = Field(foreign_key="consent.id", index=True, max_length=40)
    action: str = Field(max_length=16)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    request_id: str | None = Field(default=None, max_length=64)
