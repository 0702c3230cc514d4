"""The identity provider's tables, on its own SQLModel registry.

Secrets are never stored in the clear: client secrets, PINs and passwords as scrypt hashes,
tokens and codes as SHA-256 hashes. Signing keys are the exception the provider cannot avoid.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from govkit.db import new_registry


class IdpModel(SQLModel, registry=new_registry()):
    """Base class of every idp table."""


class Client(IdpModel, table=True):
    """A relying party (RFC 7591 metadata, plus the kit's own fields)."""

    __tablename__ = "client"

    client_id: str = Field(primary_key=True, max_length=64)
    #: Registering again with the same software_id updates the client (the kit's services
    #: re-register on every `make up`, with their current URLs and keys).
    software_id: str | None = Field(default=None, unique=True, max_length=64)
    client_name: str = Field(max_length=200)
    #: SHA-256 of the secret (secrets are 256-bit random values the provider generates).
    client_secret_hash: str | None = Field(default=None, max_length=200)
    token_endpoint_auth_method: str = Field(max_length=40)
    token_endpoint_auth_signing_alg: str | None = Field(default=None, max_length=10)
    grant_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    response_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    redirect_uris: list[str] = Field(sa_column=Column(JSON, nullable=False))
    post_logout_redirect_uris: list[str] = Field(sa_column=Column(JSON, nullable=False))
    backchannel_logout_uri: str | None = Field(default=None, max_length=500)
    backchannel_logout_session_required: bool = True
    jwks: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    scope: str = Field(max_length=500)
    #: Pairwise subjects are computed per sector (RFC: the host of the redirect URIs, or the
    #: sector the kit registered the client under).
    sector_identifier: str = Field(max_length=200)
    id_token_signed_response_alg: str = Field(default="RS256", max_length=10)
    #: The statute that lets this client receive the My Number (``None``: never).
    statutory_basis: str | None = Field(default=None, max_length=200)
    #: Kit services: the citizen's data-release consent is implied by using the service.
    first_party: bool = False
    created_at: datetime


class SigningKey(IdpModel, table=True):
    """An ID-token signing key: published as ``next``, signs as ``current``, then ``retired``."""

    __tablename__ = "signing_key"

    kid: str = Field(primary_key=True, max_length=64)
    alg: str = Field(max_length=10)
    private_pem: str = Field(sa_type=Text)
    status: str = Field(index=True, max_length=10)  # next | current | retired
    created_at: datetime
    activated_at: datetime | None = None
    retired_at: datetime | None = None
    #: Published until this moment (tokens it signed have expired by then).
    drop_after: datetime | None = None


class Citizen(IdpModel, table=True):
    """A person who signs in: the basic four, from their card's signing certificate."""

    __tablename__ = "citizen"

    id: str = Field(primary_key=True, max_length=36)
    persona: str = Field(unique=True, max_length=32)
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    family_name_kana: str = Field(max_length=100)
    given_name_kana: str = Field(max_length=100)
    name_roman: str = Field(max_length=200)
    birthdate: date
    gender: str = Field(max_length=10)
    postal_code: str = Field(max_length=8)
    address: str = Field(max_length=300)
    my_number: str | None = Field(default=None, max_length=12)
    created_at: datetime


class CardRecord(IdpModel, table=True):
    """What the provider knows of a citizen's card: its certificates (no secrets)."""

    __tablename__ = "card"

    card_id: str = Field(primary_key=True, max_length=32)
    citizen_id: str = Field(foreign_key="citizen.id", index=True, max_length=36)
    auth_certificate: bytes
    auth_serial: str = Field(unique=True, max_length=48)
    sign_certificate: bytes | None = None
    issued_at: datetime


class CardSecret(IdpModel, table=True):
    """The simulated card's own memory: keys, PIN, signing password and their counters.

    Only the card simulator (idp.card) reads or writes this table; a real card reader or the
    Digital Authentication App would replace it.
    """

    __tablename__ = "card_secret"

    card_id: str = Field(primary_key=True, max_length=32)
    auth_key_pem: str = Field(sa_type=Text)
    sign_key_pem: str | None = Field(default=None, sa_type=Text)
    pin_hash: str = Field(max_length=200)
    pin_failures: int = 0
    locked_at: datetime | None = None
    sign_password_hash: str | None = Field(default=None, max_length=200)
    sign_failures: int = 0
    sign_locked_at: datetime | None = None


class LoginTransaction(IdpModel, table=True):
    """An authorization request waiting for the citizen (server-side, keyed by an opaque id)."""

    __tablename__ = "login_transaction"

    id: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=64)
    request: dict = Field(sa_column=Column(JSON, nullable=False))
    challenge: str = Field(max_length=64)
    citizen_id: str | None = Field(default=None, max_length=36)
    #: The session the citizen signed in to during this transaction (satisfies prompt=login).
    sid: str | None = Field(default=None, max_length=64)
    #: A signature made with the card in a signing step-up (JSON), waiting to go in the code.
    signature: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime
    expires_at: datetime


class OPSession(IdpModel, table=True):
    """A single sign-on session (``sid``), shared by every relying party the citizen uses."""

    __tablename__ = "op_session"

    sid: str = Field(primary_key=True, max_length=64)
    citizen_id: str = Field(foreign_key="citizen.id", index=True, max_length=36)
    auth_time: datetime
    acr: str = Field(max_length=20)
    amr: list[str] = Field(sa_column=Column(JSON, nullable=False))
    #: Whether the card's revocation status was checked at sign-in (``acr_values=... crl``).
    revocation_checked: bool = False
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None


class SessionClient(IdpModel, table=True):
    """A relying party that received tokens in a session (back-channel logout targets)."""

    __tablename__ = "session_client"
    __table_args__ = (UniqueConstraint("sid", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(foreign_key="op_session.sid", index=True, max_length=64)
    client_id: str = Field(max_length=64)


class AuthorizationCode(IdpModel, table=True):
    __tablename__ = "authorization_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(index=True, max_length=64)
    citizen_id: str | None = Field(default=None, max_length=36)
    redirect_uri: str = Field(max_length=500)
    scope: str = Field(max_length=500)
    nonce: str | None = Field(default=None, max_length=255)
    code_challenge: str = Field(max_length=128)
    code_challenge_method: str = Field(max_length=10)
    auth_time: datetime
    acr: str = Field(max_length=20)
    amr: list[str] = Field(sa_column=Column(JSON, nullable=False))
    sid: str | None = Field(default=None, max_length=64)
    #: A signature the citizen made with their card in a signing step-up (JSON), if any.
    signature: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    expires_at: datetime
    redeemed_at: datetime | None = None


class Token(IdpModel, table=True):
    """An access token, with its refresh token (one row per issue; rotation makes new rows)."""

    __tablename__ = "token"

    id: int | None = Field(default=None, primary_key=True)
    access_token_hash: str = Field(unique=True, max_length=64)
    refresh_token_hash: str | None = Field(default=None, unique=True, max_length=64)
    #: All tokens from one authorization (a code and its refreshes) share a family.
    family_id: str = Field(index=True, max_length=64)
    code_hash: str | None = Field(default=None, index=True, max_length=64)
    client_id: str = Field(index=True, max_length=64)
    citizen_id: str | None = Field(default=None, index=True, max_length=36)
    scope: str = Field(max_length=500)
    acr: str | None = Field(default=None, max_length=20)
    amr: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    auth_time: datetime | None = None
    sid: str | None = Field(default=None, index=True, max_length=64)
    issued_at: datetime
    access_expires_at: datetime
    refresh_expires_at: datetime | None = None
    #: When this token's refresh token was exchanged for a new pair.
    refreshed_at: datetime | None = None
    revoked_at: datetime | None = None


class Consent(IdpModel, table=True):
    """The citizen's decision to release scopes to a client; remembered until revoked."""

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: str = Field(foreign_key="citizen.id", index=True, max_length=36)
    client_id: str = Field(index=True, max_length=64)
    scope: str = Field(max_length=500)
    granted_at: datetime
    revoked_at: datetime | None = None


class ReplayGuard(IdpModel, table=True):
    """Values that must be used once: nonces per client, client-assertion ``jti``s."""

    __tablename__ = "replay_guard"
    __table_args__ = (UniqueConstraint("kind", "client_id", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    client_id: str = Field(max_length=64)
    value: str = Field(max_length=255)
    expires_at: datetime = Field(index=True)


class Passkey(IdpModel, table=True):
    __tablename__ = "passkey"

    credential_id: str = Field(primary_key=True, max_length=400)
    citizen_id: str = Field(foreign_key="citizen.id", index=True, max_length=36)
    public_key: bytes
    sign_count: int = 0
    name: str = Field(max_length=100)
    created_at: datetime
    last_used_at: datetime | None = None


class StaffUser(IdpModel, table=True):
    """A municipal counter clerk (password + TOTP)."""

    __tablename__ = "staff_user"

    username: str = Field(primary_key=True, max_length=64)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=200)
    totp_secret: str = Field(max_length=64)
    failures: int = 0
    locked_at: datetime | None = None
    last_totp_step: int | None = None


class AuditEvent(IdpModel, table=True):
    """What happened, for whom, through which client — never a PIN, code or token."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    event: str = Field(index=True, max_length=40)
    citizen_id: str | None = Field(default=None, index=True, max_length=36)
    client_id: str | None = Field(default=None, max_length=64)
    detail: dict = Field(sa_column=Column(JSON, nullable=False))
