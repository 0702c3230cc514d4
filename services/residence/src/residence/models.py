"""residence's tables, on its own SQLModel registry (see migrations/).

* :class:`Resident` — Sakuragi City's resident register (住民基本台帳), the city's own records;
* :class:`DataUsageEvent` — every exchange call about a resident, served or refused, in one
  hash chain per resident (``residence.domain.chain``), shown to the citizen by the portal;
* :class:`SupportMeasure` — DV/stalking support measures (DV等支援措置), never displayed;
* :class:`Mandate` — electronic letters of authority (委任状) signed with the principal's card;
* :class:`CertificateRequest` — every request for a residence certificate, issued or not;
* :class:`IssuedCertificate` — the issuance register: each signed certificate and its status;
* :class:`RegisterEvent` — moves, births and removals, for agencies that follow address changes;
* :class:`Clerk` and :class:`AuditEvent` — the back office's staff and its audit trail.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.orm import deferred
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
    # -- the rest of the register's items (住民基本台帳法 §7); nullable in the table only so
    # that rows made before migration 0004 could be filled in by the seed afterwards.
    #: The date the person became a resident of Sakuragi City (住民となった年月日).
    became_resident_on: date | None = None
    #: The date the current address was set (住所を定めた年月日) and notified (届出年月日).
    address_since: date | None = None
    address_notified_on: date | None = None
    #: The address before this one (前住所); ``None`` for someone born here.
    previous_address: str | None = Field(default=None, max_length=300)
    #: 本籍 and 筆頭者: Japanese nationals only.
    honseki: str | None = Field(default=None, max_length=300)
    hittosha: str | None = Field(default=None, max_length=100)
    #: 住民票コード (11 digits) and My Number (個人番号, 12 digits): never in URLs or logs.
    juminhyo_code: str | None = Field(default=None, unique=True, max_length=11)
    my_number: str | None = Field(default=None, unique=True, max_length=12)
    # -- foreign residents (外国人住民)
    nationality: str | None = Field(default=None, max_length=100)
    #: 中長期在留者, 特別永住者 … (the category of foreign resident).
    foreign_resident_category: str | None = Field(default=None, max_length=50)
    #: 在留資格, e.g. 永住者.
    residence_status: str | None = Field(default=None, max_length=100)
    #: 在留期間 as granted (e.g. 無期限, 3年) and the day it ends (満了日).
    period_of_stay: str | None = Field(default=None, max_length=50)
    stay_expires_on: date | None = None
    residence_card_number: str | None = Field(default=None, max_length=12)
    # -- removal (除票): the person moved out or died; the record stays, marked removed.
    removed_on: date | None = None
    #: ``moved_out`` or ``died``.
    removal_reason: str | None = Field(default=None, max_length=20)
    #: Where they moved to (転出先), for a move-out.
    moved_to: str | None = Field(default=None, max_length=300)


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


class SupportMeasure(ResidenceModel, table=True):
    """A DV/stalking/abuse support measure (DV等支援措置) protecting ``subject`` from an adverse
    party. Never displayed to anyone but the back office; the journey only refuses."""

    __tablename__ = "support_measure"

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(index=True, max_length=32)
    #: Who the measure is against: a name and birth date as the subject declared them, and,
    #: when the adverse party is known to the kit, their exchange pseudonym.
    adverse_name: str = Field(max_length=200)
    adverse_birthdate: date | None = None
    adverse_pseudonym: str | None = Field(default=None, index=True, max_length=64)
    starts_on: date
    ends_on: date
    lifted_on: date | None = None
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class Mandate(ResidenceModel, table=True):
    """An electronic letter of authority (委任状): the principal names a proxy and a purpose and
    signs with their card's signing key (the identity provider's signing step-up)."""

    __tablename__ = "mandate"

    #: The code the principal gives the proxy (``M-`` and 12 unambiguous characters).
    id: str = Field(primary_key=True, max_length=20)
    principal: str = Field(index=True, max_length=32)
    proxy_name: str = Field(max_length=200)
    proxy_birthdate: date
    purpose: str = Field(max_length=40)
    #: Whether the proxy may ask for copies showing the My Number (they are then mailed to the
    #: principal, never handed over).
    allow_my_number: bool = False
    valid_from: date
    valid_until: date
    #: The exact text the principal signed (canonical JSON) and the card's signature over its
    #: SHA-256 (``alg``, ``digest``, ``signature``, ``x5c``, ``signed_at``).
    signed_text: str
    signature: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    #: The exchange pseudonym of whoever signed (from their ID token).
    signer_pseudonym: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class CertificateRequest(ResidenceModel, table=True):
    """One request for a residence certificate, whatever became of it."""

    __tablename__ = "certificate_request"

    #: ``R-`` + the issue date + a random suffix (also the exchange issue id of the case).
    id: str = Field(primary_key=True, max_length=40)
    #: The random id the citizen's journey took when it started: one journey makes at most
    #: one request (a replayed or repeated submission finds this one). ``None`` for requests
    #: made before it was kept.
    submission: str | None = Field(default=None, unique=True, max_length=64)
    #: Who asked: their pairwise ``sub`` at the city, their exchange pseudonym when they have
    #: one, and their name as the identity provider gave it.
    requester_sub: str = Field(index=True, max_length=255)
    requester_pseudonym: str | None = Field(default=None, max_length=64)
    requester_name: str = Field(max_length=200)
    #: ``self``, ``household``, ``proxy`` or ``third_party``.
    route: str = Field(max_length=20)
    #: The person the request is about (register key) and everyone on the copy.
    subject: str = Field(index=True, max_length=32)
    members: list[str] = Field(sa_column=Column(JSON, nullable=False))
    #: Optional items asked for (``head_relationship``, ``honseki``, ``my_number``,
    #: ``juminhyo_code``, ``foreign_items``).
    items: list[str] = Field(sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=40)
    recipient: str | None = Field(default=None, max_length=40)
    mandate_id: str | None = Field(default=None, max_length=20)
    #: Third-party requests: the legitimate interest claimed and the evidence described.
    reason: str | None = Field(default=None, max_length=2000)
    evidence: str | None = Field(default=None, max_length=2000)
    copies: int = 1
    fee_yen: int
    #: ``download`` or ``mail_to_principal`` (a My Number copy asked for by a proxy).
    delivery: str = Field(max_length=20)
    #: The postal code a printed copy is posted to as well (``000-0101``), when asked for.
    post_to: str | None = Field(default=None, max_length=8)
    #: ``issued``, ``mailed``, ``pending_review``, ``refused``.
    status: str = Field(index=True, max_length=20)
    refusal: str | None = Field(default=None, max_length=500)
    #: The card signature of the request when the rules needed one.
    signature: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class IssuedCertificate(ResidenceModel, table=True):
    """The issuance register: one signed certificate, its bytes and its status."""

    __tablename__ = "issued_certificate"

    document_id: str = Field(primary_key=True, max_length=40)
    request_id: str = Field(index=True, max_length=40)
    #: Its place in the city's status list (``/api/v1/status-lists/residence-certificates``).
    status_index: int = Field(unique=True)
    owner_sub: str = Field(index=True, max_length=255)
    owner_pseudonym: str | None = Field(default=None, index=True, max_length=64)
    subject: str = Field(index=True, max_length=32)
    members: list[str] = Field(sa_column=Column(JSON, nullable=False))
    #: Where the subject lived when the copy was made ("moved since issue" compares with it).
    address_at_issue: str = Field(max_length=300)
    sha256: str = Field(max_length=64)
    qr_text: str
    pdf: bytes = Field(sa_column=deferred(Column(LargeBinary, nullable=False)))  # type: ignore[call-overload]
    issued_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    #: ``issued``, ``revoked``, ``superseded`` (govkit.certificates.status.DocumentStatus).
    status: str = Field(max_length=20)
    status_changed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    status_reason: str | None = Field(default=None, max_length=500)
    superseded_by: str | None = Field(default=None, max_length=40)


class RegisterEvent(ResidenceModel, table=True):
    """A change agencies may follow: ``moved_in``, ``moved_within``, ``moved_out``, ``born``,
    ``died``, ``corrected``. ``id`` orders them (agencies ask for events after one they saw)."""

    __tablename__ = "register_event"

    id: int | None = Field(default=None, primary_key=True)
    register_key: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=20)
    effective_on: date
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class Clerk(ResidenceModel, table=True):
    """A member of the city's staff who may use the back office (password + TOTP code)."""

    __tablename__ = "clerk"

    username: str = Field(primary_key=True, max_length=64)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    totp_secret: str = Field(max_length=64)
    failed_attempts: int = 0
    locked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    #: The last TOTP time step accepted (a code is never accepted twice).
    last_totp_step: int | None = None
    created_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]


class AuditEvent(ResidenceModel, table=True):
    """Every change to the register and every decision on a request: who, what, when.
    ``details`` never holds a My Number, a 住民票コード or a secret."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
    #: ``clerk:<username>``, ``citizen:<sub>`` or ``system``.
    actor: str = Field(max_length=300)
    action: str = Field(index=True, max_length=40)
    register_key: str | None = Field(default=None, index=True, max_length=32)
    target: str | None = Field(default=None, max_length=40)
    details: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class StatusIndex(ResidenceModel, table=True):
    """A place in the status list, taken before a copy is sealed (the index is inside the
    sealed claims). Taking it is a short transaction of its own, so that no write lock is held
    while the copy is rendered and sealed; an index whose copy was never recorded stays unused."""

    __tablename__ = "status_index"

    index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    allocated_at: datetime = Field(sa_type=DateTime(timezone=True))  # type: ignore[call-overload]
