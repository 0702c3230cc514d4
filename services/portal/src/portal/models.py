"""The portal's tables, on its own SQLModel registry."""

from datetime import date, datetime

from sqlalchemy import Text
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
