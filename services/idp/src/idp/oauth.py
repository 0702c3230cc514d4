"""The OAuth 2.0 / OpenID Connect protocol engine, on Authlib.

Authlib runs the grants (authorization code with PKCE, refresh, client credentials), client
authentication, introspection, revocation and RP-initiated logout. The kit tightens it where
its defaults are loose (see ../shared/reference/identity.md §7):

* PKCE is S256 only and mandatory for every client (the authorization endpoint refuses a
  request without it, and every code carries a challenge);
* a code is claimed with one conditional UPDATE: a second use fails and revokes every token
  the first use produced; codes live 60 s and are bound to client and redirect URI;
* refresh tokens rotate; presenting a used one revokes its whole family;
* ``private_key_jwt`` assertions: ``aud`` must be the token endpoint or the issuer, ``iat``,
  ``exp`` (at most 5 minutes apart) and a single-use ``jti`` are required, and only the
  asymmetric algorithm the client registered is accepted (never ``none`` or HS*);
* the ID token is signed with the one current key (``kid`` in the header) and carries
  ``sid`` and a pairwise ``sub`` (and, for the kit's own services, ``exchange_id``: see
  :meth:`Provider.exchange_id <idp.provider.Provider.exchange_id>`).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6749.authenticate_client import authenticate_client_secret_basic
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, Request
from flask import request as flask_request
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact
from sqlmodel import Session

from govkit.db import get_session
from idp import audit, repository
from idp.clients import RegisteredClient
from idp.domain.registration import ASSERTION_ALGS, AUTH_METHODS
from idp.hashing import new_token, token_hash
from idp.jwt import epoch, half_hash, sign
from idp.models import AuthorizationCode, Citizen, Token
from idp.provider import Provider

ASSERTION_LEEWAY = 30


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SignedIn:
    """Who the authorization is for, and how they proved it (Authlib's ``grant_user``)."""

    citizen_id: str
    sid: str
    auth_time: datetime
    acr: str
    amr: tuple[str, ...]
    signature: dict[str, Any] | None = None

    def get_user_id(self) -> str:
        return self.citizen_id


class CodeRecord:
    """An authorization code row, as Authlib's AuthorizationCodeMixin."""

    def __init__(self, row: Any) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return epoch(self.row.auth_time)

    def get_acr(self) -> str:
        return self.row.acr

    def get_amr(self) -> list[str]:
        return list(self.row.amr)


class TokenRecord:
    """A token row, as Authlib's TokenMixin."""

    def __init__(self, row: Token) -> None:
        self.row = row

    def check_client(self, client: RegisteredClient) -> bool:
        return self.row.client_id == client.client_id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.row.access_expires_at - self.row.issued_at).total_seconds()))

    def is_expired(self) -> bool:
        return self.row.access_expires_at <= _now()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> str | None:
        return self.row.citizen_id

    def get_client(self) -> str:
        return self.row.client_id


class StoredRequest(OAuth2Request):
    """An authorization request rebuilt from what the login transaction kept."""

    def __init__(self, uri: str, params: dict[str, str]) -> None:
        super().__init__("GET", uri)
        self.payload = BasicOAuth2Payload(params)
        self._params = params

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return {}


class DeployedRequest(OAuth2Request):
    """A request to the provider's endpoints, addressed by the provider's configured public URL
    (its issuer) rather than by the Host header and scheme the WSGI server saw.

    Authlib refuses (``InsecureTransportError``) a request whose URL is plain http to a host
    other than localhost. Inside the kit that URL says nothing about the transport: under
    compose the services call ``http://idp:8000/token`` on their own network (the operator's
    ``KIT_INTERNAL_ROUTES``), behind a TLS-terminating proxy every request arrives as http, and
    anyone can send any Host header. What the deployment promises is its public URL: https, or
    http on the loopback for development. So Authlib checks that instead; a provider configured
    at a plain-http public address gets OAuth errors (see :func:`transport_refused`), never a
    server error."""

    def __init__(self, request: Request, issuer: str) -> None:
        super().__init__(request.method, issuer + request.path, headers=request.headers)
        self._request = request
        self.payload = FlaskOAuth2Payload(request)

    @property
    def args(self):
        return self._request.args

    @property
    def form(self):
        return self._request.form


class KitServer(AuthorizationServer):
    provider: Provider

    def create_oauth2_request(self, request):
        return DeployedRequest(flask_request, self.provider.issuer)

    def handle_response(self, status_code, payload, headers):
        response = super().handle_response(status_code, payload, headers)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response


def _settle_claim(session: Session) -> None:
    """On SQLite, commit a single-use claim (an assertion's ``jti``, a code, a refresh token)
    the moment it is made: the database has one writer for the whole file, and holding its lock
    while the request goes on to verify and sign made the other worker's token requests wait
    (bench-idp (b): p95 about 270 ms with the lock held, 140 ms without, the same req/s).
    PostgreSQL locks rows, not the database: there an extra commit only costs a WAL flush (the
    same run: 500 → 330 req/s), so the claim commits with the rest of the request."""
    if session.get_bind().dialect.name == "sqlite":
        session.commit()


# -- client authentication -----------------------------------------------------------------
def secret_basic(query_client, request: OAuth2Request):
    """Authlib's ``client_secret_basic``, except that credentials that do not decode as UTF-8
    authenticate nobody (Authlib raises ``UnicodeDecodeError``): the request then fails as any
    other wrong credentials do, 401 ``invalid_client``."""
    try:
        return authenticate_client_secret_basic(query_client, request)
    except UnicodeError:
        return None


class PrivateKeyJWT(JWTBearerClientAssertion):
    """``private_key_jwt`` (RFC 7523 §2.2) with the kit's stricter checks."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, provider: Provider) -> None:
        super().__init__(validate_jti=True, leeway=ASSERTION_LEEWAY)
        self.provider = provider

    def get_audiences(self) -> list[str]:
        return [self.provider.token_endpoint, self.provider.issuer]

    def resolve_client_public_key(self, client: RegisteredClient):
        if client.keys is None:
            raise InvalidClientError(description="The client has no registered keys.")
        return client.keys

    def process_assertion_claims(self, assertion, resolve_key):
        try:
            header = extract_compact(assertion.encode("ascii")).headers()
        except (JoseError, UnicodeError, ValueError):
            raise InvalidClientError(description="The client assertion is not a JWS.") from None
        alg = header.get("alg")
        if alg not in ASSERTION_ALGS:
            raise InvalidClientError(description=f"Assertion algorithm {alg!r} is not accepted.")
        try:
            token = jose_jwt.decode(assertion, resolve_key, algorithms=[alg])
        except (JoseError, ValueError) as exc:
            raise InvalidClientError(
                description="The client assertion signature is invalid."
            ) from exc
        claims = token.claims
        now = int(_now().timestamp())
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int):
            raise InvalidClientError(description="The client assertion needs numeric iat and exp.")
        lifetime = self.provider.settings.assertion_max_lifetime
        if exp - iat > lifetime or exp > now + lifetime + ASSERTION_LEEWAY:
            raise InvalidClientError(
                description=f"Client assertions may live {lifetime} s at most."
            )
        if iat > now + ASSERTION_LEEWAY:
            raise InvalidClientError(description="The client assertion is issued in the future.")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= 255:
            raise InvalidClientError(description="The client assertion needs a jti.")
        self.verify_claims(claims)
        return claims

    def validate_jti(self, claims, jti) -> bool:
        expires = datetime.fromtimestamp(claims["exp"] + ASSERTION_LEEWAY, UTC)
        session = get_session()
        fresh = repository.remember_once(session, "jti", claims["sub"], jti, expires)
        _settle_claim(session)
        return fresh


# -- grants ----------------------------------------------------------------------------------
class S256Only(CodeChallenge):
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    AUTHORIZATION_CODE_LENGTH = 43

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        user: SignedIn = request.user
        data = request.payload.data
        now = _now()
        expires_at = now + timedelta(seconds=self.server.provider.settings.code_lifetime)
        session = get_session()
        session.add(
            AuthorizationCode(
                code_hash=token_hash(code),
                client_id=request.client.client_id,
                citizen_id=user.citizen_id,
                redirect_uri=data["redirect_uri"],
                scope=data["scope"],
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method="S256",
                auth_time=user.auth_time,
                acr=user.acr,
                amr=list(user.amr),
                sid=user.sid,
                signature=user.signature,
                expires_at=expires_at,
            )
        )
        repository.add_session_client(session, user.sid, request.client.client_id)

    def query_authorization_code(self, code: str, client: RegisteredClient):
        session = get_session()
        code_hash = token_hash(code)
        row = repository.find_code(session, code_hash)
        now = _now()
        if row is None:
            return None
        if row.client_id != client.client_id:
            audit.record(
                session,
                "code_wrong_client",
                now=now,
                client_id=client.client_id,
                citizen_id=row.citizen_id,
            )
            return None
        claimed = repository.claim_code(session, code_hash, now)
        _settle_claim(session)
        if not claimed:
            revoked = repository.revoke_family(session, code_hash, now)
            audit.record(
                session,
                "code_reuse",
                now=now,
                client_id=client.client_id,
                citizen_id=row.citizen_id,
                tokens_revoked=revoked,
            )
            return None
        if row.expires_at <= now:
            return None
        return CodeRecord(row)

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        """Nothing to do: the code was claimed (marked used) when it was read."""

    def authenticate_user(self, authorization_code: CodeRecord):
        row = authorization_code.row
        return SignedIn(
            row.citizen_id or "",
            row.sid or "",
            row.auth_time,
            row.acr,
            tuple(row.amr),
            row.signature,
        )


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str):
        session = get_session()
        row = repository.token_by_refresh(session, token_hash(refresh_token))
        now = _now()
        if row is None:
            return None
        client = self.request.client
        if row.client_id != client.client_id:
            return None
        if row.refresh_expires_at is not None and row.refresh_expires_at <= now:
            return None
        claimed = repository.claim_refresh(session, row.id or 0, now)
        _settle_claim(session)
        if not claimed:
            revoked = repository.revoke_family(session, row.family_id, now)
            event = "refresh_reuse" if row.refreshed_at is not None else "refresh_revoked_used"
            audit.record(
                session,
                event,
                now=now,
                client_id=row.client_id,
                citizen_id=row.citizen_id,
                tokens_revoked=revoked,
            )
            return None
        return TokenRecord(row)

    def authenticate_user(self, refresh_token: TokenRecord):
        row = refresh_token.row
        if row.citizen_id is None:
            return None
        return SignedIn(
            row.citizen_id,
            row.sid or "",
            row.auth_time or _now(),
            row.acr or "",
            tuple(row.amr or ()),
        )

    def revoke_old_credential(self, refresh_token: TokenRecord) -> None:
        """Already done: claiming the refresh token revoked its pair."""


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class KitOpenIDCode(OpenIDCode):
    """ID tokens: pairwise ``sub``, ``sid``, ``acr``/``amr``, ``at_hash``, current key."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)  # the authorization endpoint enforces it per client
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        expires = _now() + timedelta(days=1)
        return not repository.remember_once(
            get_session(), "nonce", request.payload.client_id, nonce, expires
        )

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        client: RegisteredClient = request.client
        user: SignedIn = request.user
        settings = self.provider.settings
        now = epoch(_now())
        alg = client.id_token_signed_response_alg
        claims: dict[str, Any] = {
            "iss": self.provider.issuer,
            "sub": self.provider.subject(client, user.citizen_id),
            "aud": client.client_id,
            "iat": now,
            "exp": now + settings.id_token_lifetime,
            "auth_time": epoch(user.auth_time),
            "acr": user.acr,
            "amr": list(user.amr),
            "sid": user.sid,
            "at_hash": half_hash(token["access_token"], alg),
        }
        code: CodeRecord | None = request.authorization_code
        if code is not None and code.row.nonce:
            claims["nonce"] = code.row.nonce
        if user.signature is not None:
            claims["jpki_signature"] = user.signature
        exchange_id = self._exchange_id(client, user.citizen_id)
        if exchange_id is not None:
            claims["exchange_id"] = exchange_id
        return sign(self.provider.keys, alg, claims)

    def _exchange_id(self, client: RegisteredClient, citizen_id: str) -> str | None:
        if not client.first_party:
            return None  # no lookup for clients that never receive it
        citizen = get_session().get(Citizen, citizen_id) if citizen_id else None
        return self.provider.exchange_id(client, citizen.persona) if citizen else None


# -- endpoints ------------------------------------------------------------------------------
def _query_token(token_string: str, hint: str | None) -> TokenRecord | None:
    session = get_session()
    digest = token_hash(token_string)
    row = None
    if hint != "refresh_token":
        row = repository.token_by_access(session, digest)
    if row is None and hint != "access_token":
        row = repository.token_by_refresh(session, digest)
    return TokenRecord(row) if row is not None else None


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return _query_token(token_string, token_type_hint)

    def check_permission(self, token: TokenRecord, client: RegisteredClient, request) -> bool:
        return token.check_client(client)  # a client may only introspect its own tokens

    def introspect_token(self, token: TokenRecord) -> dict[str, Any]:
        row = token.row
        client = self.server.provider.clients.get(row.client_id)
        body: dict[str, Any] = {
            "active": True,
            "client_id": row.client_id,
            "scope": row.scope,
            "token_type": "Bearer",
            "iss": self.server.provider.issuer,
            "iat": epoch(row.issued_at),
            "exp": epoch(row.access_expires_at),
        }
        if row.citizen_id and client is not None:
            body["sub"] = self.server.provider.subject(client, row.citizen_id)
        if row.acr:
            body["acr"] = row.acr
        return body


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return _query_token(token_string, token_type_hint)

    def revoke_token(self, token: TokenRecord, request) -> None:
        session = get_session()
        now = _now()
        if token.row.refresh_token_hash and request.form.get("token_type_hint") != "access_token":
            count = repository.revoke_family(session, token.row.family_id, now)
        else:
            token.row.revoked_at = now
            session.add(token.row)
            count = 1
        audit.record(
            session,
            "token_revoked",
            now=now,
            client_id=token.row.client_id,
            citizen_id=token.row.citizen_id,
            tokens_revoked=count,
        )


class EndSession(EndSessionEndpoint):
    """RP-initiated logout: redirects only to a registered post_logout_redirect_uri, and only
    with a valid ``id_token_hint`` from this provider (signed with one of its keys)."""

    def get_server_jwks(self):
        return json.loads(self.server.provider.keys.material().jwks_body)

    def get_algorithms(self) -> list[str]:
        return ["RS256", "ES256"]

    def validate_request(self, request: OAuth2Request):
        """As Authlib's, but a ``post_logout_redirect_uri`` that is not registered is an error
        (Authlib would end the session and simply not redirect): nobody is sent anywhere a
        client did not register, and the citizen sees why."""
        end_request = super().validate_request(request)
        asked = request.payload.data.get("post_logout_redirect_uri")
        if asked and end_request.redirect_uri is None and not end_request.needs_confirmation:
            raise InvalidRequestError("post_logout_redirect_uri is not registered for the client")
        return end_request

    def end_session(self, end_session_request) -> None:
        """The logout view ends the session itself (it needs the browser's cookie)."""


# -- wiring ----------------------------------------------------------------------------------
def _save_token(provider: Provider, token: dict[str, Any], request: OAuth2Request) -> None:
    session = get_session()
    now = _now()
    client: RegisteredClient = request.client
    user: SignedIn | None = request.user
    code: CodeRecord | None = request.authorization_code
    previous: TokenRecord | None = request.refresh_token
    if code is not None:
        family = code.row.code_hash
    elif previous is not None:
        family = previous.row.family_id
    else:
        family = new_token(12)
    refresh_lifetime = timedelta(seconds=provider.settings.refresh_token_lifetime)
    refresh = token.get("refresh_token")
    row = dict(
        access_token_hash=token_hash(token["access_token"]),
        refresh_token_hash=token_hash(refresh) if refresh else None,
        family_id=family,
        code_hash=code.row.code_hash if code else None,
        client_id=client.client_id,
        citizen_id=user.citizen_id if user else None,
        scope=token.get("scope", ""),
        acr=user.acr if user else None,
        amr=list(user.amr) if user else None,
        auth_time=user.auth_time if user else None,
        sid=user.sid if user and user.sid else None,
        issued_at=now,
        access_expires_at=now + timedelta(seconds=int(token["expires_in"])),
        refresh_expires_at=now + refresh_lifetime if refresh else None,
    )
    # Plain INSERTs: this runs once per token issued, the provider's hottest write.
    session.connection().execute(_TOKEN_INSERT, row)
    audit.record(
        session,
        "token_issued",
        now=now,
        client_id=client.client_id,
        citizen_id=row["citizen_id"],
        grant_type=request.payload.grant_type,
    )


_TOKEN_INSERT = Token.__table__.insert()  # type: ignore[attr-defined]


def build_server(app: Flask, provider: Provider) -> KitServer:
    settings = provider.settings
    lifetime = settings.access_token_lifetime
    app.config.update(
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,
        OAUTH2_TOKEN_EXPIRES_IN={
            "authorization_code": lifetime,
            "refresh_token": lifetime,
            "client_credentials": lifetime,
        },
        OAUTH2_ACCESS_TOKEN_GENERATOR=lambda *a, **k: secrets.token_urlsafe(32),
    )
    server = KitServer()
    server.provider = provider
    server.init_app(
        app,
        query_client=provider.clients.get,
        save_token=lambda token, request: _save_token(provider, token, request),
    )
    server.register_client_auth_method("client_secret_basic", secret_basic)
    server.register_client_auth_method("private_key_jwt", PrivateKeyJWT(provider))
    server.register_grant(CodeGrant, [S256Only(required=True), KitOpenIDCode(provider)])
    server.register_grant(RefreshGrant)
    server.register_grant(ClientCredentials)
    server.register_endpoint(Introspection)
    server.register_endpoint(Revocation)
    server.register_endpoint(EndSession)
    return server


def stored_request(provider: Provider, params: dict[str, str]) -> StoredRequest:
    return StoredRequest(f"{provider.issuer}/authorize", params)


__all__ = ["InvalidGrantError", "KitServer", "SignedIn", "build_server", "stored_request"]
