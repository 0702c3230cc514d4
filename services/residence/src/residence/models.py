"""residence's tables, on its own SQLModel registry (see migrations/).

* :class:`Resident` — Sakuragi City's resident register (住民基本台帳), the city's own records;
* :class:`DataUsageEvent` — every exchange call about a resident, served or refused, in one
  hash chain per resident (``residence.domain.chain``), shown to the citizen by the portal.
"""

from datetime import date, datetime

from sqlmodel import JSON, Column, DateTime, Field, SQLModel, UniqueConstraint

from govkit.auth.models import auth_tables
from govkit.db import new_registry


class ResidenceModel(SQLModel, registry=new_registry()):
    """Base class of every residence table."""


#: Sign-in: provider sessions ended by back-channel logout, logout tokens already received.
AUTH = auth_tables(ResidenceModel)


class Resident(ResidenceModel, table=True):
    """A person registered as living in Sakuragi City."""

    __tablename__ = "resident"

    #: The register's key for the person (the seed persona id, e.g. ``H1-1``); the identity
    #: provider holds the same key, so both derive the same exchange pseudonym from it.
    register_key: str = Field(primary_key=True, max_length=32)
    #: The household (世帯) the person belongs to, and their relationship to its head (続柄).
    household: str = Field(index=True, max_length=32)
    relationship: str = Field(max_length=20)
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    family_name_kana: str = Field(max_length=100)
    given_name_kana: str = Field(max_length=100)
    name_roman: str = Field(max_length=200)
    birthdate: date
    sex: str = Field(max_length=10)
    postal_code: str = Field(max_length=8)
    address: str = Field(max_length=300)
    #: The person's id on the exchange (``govkit.exchange.exchange_pseudonym``); ``None``
    #: while the pseudonym key is not configured (then no exchange call finds them).
    exchange_pseudonym: str | None = Field(default=None, unique=True, index=True, max_length=64)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class DataUsageEvent(ResidenceModel, table=True):
    """One exchange call about a resident: who asked what, why, on which basis, the outcome.

    ``prev_hash``/``hash`` link the events of one ``subject`` in ``seq`` order; see
    ``residence.domain.chain`` for what is hashed (the fields the log serves; ``user_id`` is
    kept for the record but is not part of the served event).
    """

    __tablename__ = "data_usage_event"
    __table_args__ = (UniqueConstraint("subject", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    #: The resident's exchange pseudonym (the log's key: what the portal asks with).
    subject: str = Field(max_length=64)
    seq: int
    at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    client: str = Field(max_length=255)
    service: str = Field(max_length=255)
    items: list[str] = Field(sa_column=Column(JSON, nullable=False))
    purpose: str | None = Field(default=None, max_length=500)
    legal_basis: str | None = Field(default=None, max_length=500)
    outcome: str = Field(max_length=10)
    refusal: str | None = Field(default=None, max_length=40)
    x_road_id: str | None = Field(default=None, max_length=255)
    issue: str | None = Field(default=None, max_length=255)
    user_id: str | None = Field(default=None, max_length=255)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
