"""Relying parties: registration (RFC 7591) and the client objects Authlib works with.

A worker parses a client's metadata and public keys once and keeps them for
``CACHE_SECONDS``; registration in this worker drops its copy at once.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin
from joserfc.jwk import KeySet
from sqlmodel import Session, select

from govkit.db import Database
from idp.domain.registration import SECRET_METHOD, ClientMetadata
from idp.hashing import token_hash
from idp.models import Client

CACHE_SECONDS = 10


class RegisteredClient(ClientMixin):
    """A client as Authlib sees it (immutable snapshot of its row)."""

    def __init__(self, row: Client) -> None:
        self.client_id = row.client_id
        self.client_name = row.client_name
        self.secret_hash = row.client_secret_hash
        self.token_endpoint_auth_method = row.token_endpoint_auth_method
        self.token_endpoint_auth_signing_alg = row.token_endpoint_auth_signing_alg
        self.grant_types = frozenset(row.grant_types)
        self.response_types = frozenset(row.response_types)
        self.redirect_uris = tuple(row.redirect_uris)
        self.post_logout_redirect_uris = tuple(row.post_logout_redirect_uris)
        self.backchannel_logout_uri = row.backchannel_logout_uri
        self.backchannel_logout_session_required = row.backchannel_logout_session_required
        self.scopes = frozenset(row.scope.split())
        self.sector_identifier = row.sector_identifier
        self.id_token_signed_response_alg = row.id_token_signed_response_alg
        self.statutory_basis = row.statutory_basis
        self.first_party = row.first_party
        self.keys = KeySet.import_key_set(row.jwks) if row.jwks else None
        self.client_metadata = {"post_logout_redirect_uris": list(self.post_logout_redirect_uris)}

    # -- the kit's rules ---------------------------------------------------------------------
    @property
    def requires_nonce(self) -> bool:
        """Kit clients must send a nonce; the conformance (secret) client may omit it."""
        return self.token_endpoint_auth_method != SECRET_METHOD

    # -- Authlib's ClientMixin ---------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # OpenID Connect: the request must always name its redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            return ""
        return " ".join(s for s in dict.fromkeys(scope.split()) if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact string comparison

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(token_hash(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type in self.response_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class ClientDirectory:
    """Looks clients up, with a short per-worker cache."""

    def __init__(self, database: Database, *, clock=time.monotonic) -> None:
        self._database = database
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, RegisteredClient]] = {}

    def get(self, client_id: object) -> RegisteredClient | None:
        # Client ids are printable ASCII (the provider makes them); anything else, a NUL or a
        # lone surrogate from a forged assertion included, names no client.
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 64:
            return None
        if not (client_id.isascii() and client_id.isprintable()):
            return None
        cached = self._cache.get(client_id)
        if cached is not None and self._clock() - cached[0] < CACHE_SECONDS:
            return cached[1]
        with Session(self._database.engine) as session:
            row = session.get(Client, client_id)
        if row is None:
            return None  # unknown clients are not cached: a registration may follow
        client = RegisteredClient(row)
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[client_id] = (self._clock(), client)
        return client

    def forget(self, client_id: str) -> None:
        with self._lock:
            self._cache.pop(client_id, None)


@dataclass(frozen=True)
class Registration:
    client: Client
    client_secret: str | None
    created: bool


def register_client(session: Session, metadata: ClientMetadata, now: datetime) -> Registration:
    """Create a client, or update the one registered before under the same ``software_id``.

    A ``client_secret_basic`` client gets a new secret each time it registers.
    """
    row = None
    if metadata.software_id is not None:
        row = session.exec(select(Client).where(Client.software_id == metadata.software_id)).first()
    created = row is None
    if row is None:
        row = Client(
            client_id=secrets.token_urlsafe(18),
            created_at=now,
            client_name="",
            token_endpoint_auth_method="",
            grant_types=[],
            response_types=[],
            redirect_uris=[],
            post_logout_redirect_uris=[],
            scope="",
            sector_identifier="",
        )
    secret = None
    if metadata.token_endpoint_auth_method == SECRET_METHOD:
        secret = secrets.token_urlsafe(32)
        row.client_secret_hash = token_hash(secret)
    else:
        row.client_secret_hash = None
    values: dict[str, Any] = {
        "software_id": metadata.software_id,
        "client_name": metadata.client_name,
        "token_endpoint_auth_method": metadata.token_endpoint_auth_method,
        "token_endpoint_auth_signing_alg": metadata.token_endpoint_auth_signing_alg,
        "grant_types": list(metadata.grant_types),
        "response_types": list(metadata.response_types),
        "redirect_uris": list(metadata.redirect_uris),
        "post_logout_redirect_uris": list(metadata.post_logout_redirect_uris),
        "backchannel_logout_uri": metadata.backchannel_logout_uri,
        "backchannel_logout_session_required": metadata.backchannel_logout_session_required,
        "jwks": metadata.jwks,
        "scope": metadata.scope,
        "sector_identifier": metadata.sector_identifier,
        "id_token_signed_response_alg": metadata.id_token_signed_response_alg,
        "statutory_basis": metadata.statutory_basis,
        "first_party": metadata.first_party,
    }
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()
    session.refresh(row)
    return Registration(row, secret, created)
