"""The provider's machine endpoints: discovery, keys, token, userinfo, introspection,
revocation and client registration. OAuth errors are OAuth JSON; nothing here uses cookies."""

from __future__ import annotations

import hmac
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749.errors import InsecureTransportError
from flask import Blueprint, Flask, Response, current_app, request
from sqlmodel import Session

from govkit.db import get_database, get_session
from govkit.web import Document, current_document, get_settings, serve_document
from idp import audit, keys, repository
from idp.clients import register_client
from idp.domain.claims import MY_NUMBER_SCOPE, SUPPORTED_SCOPES, Person, released_claims
from idp.domain.levels import LEVELS
from idp.domain.registration import (
    ASSERTION_ALGS,
    AUTH_METHODS,
    ID_TOKEN_ALGS,
    InvalidMetadata,
    validate_metadata,
)
from idp.hashing import token_hash
from idp.models import Citizen
from idp.provider import Provider, provider

bp = Blueprint("protocol", __name__)

#: Every this many token requests a worker drops expired codes and replay guards.
HOUSEKEEPING_EVERY = 1000
_TOKEN_REQUESTS = itertools.count(1)
#: Token, introspection and revocation requests are small forms.
MAX_FORM_BYTES = 64 * 1024
CLAIMS = (
    "sub",
    "name",
    "family_name",
    "given_name",
    "name#ja-Kana-JP",
    "family_name#ja-Kana-JP",
    "given_name#ja-Kana-JP",
    "name#ja-Latn-JP",
    "address",
    "birthdate",
    "gender",
    "my_number",
    "exchange_id",
    "acr",
    "amr",
    "auth_time",
    "sid",
    "nonce",
    "at_hash",
)


def _oauth_error(status: int, error: str, description: str, **headers: str) -> Response:
    body = json.dumps({"error": error, "error_description": description})
    response = Response(body, status=status, mimetype="application/json", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(body: Any, status: int = 200, *, max_age: int | None = None) -> Response:
    payload = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    response = Response(payload, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = (
        f"public, max-age={max_age}" if max_age is not None else "no-store"
    )
    return response


def discovery_document(p: Provider) -> dict[str, Any]:
    issuer = p.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": p.token_endpoint,
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "registration_endpoint": f"{issuer}/register",
        "end_session_endpoint": f"{issuer}/logout",
        "introspection_endpoint": f"{issuer}/introspect",
        "revocation_endpoint": f"{issuer}/revoke",
        "scopes_supported": [*SUPPORTED_SCOPES, "sign"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": list(ID_TOKEN_ALGS),
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "introspection_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": list(LEVELS),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": list(CLAIMS),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_request_uri_registration": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "ui_locales_supported": ["ja", "en"],
        "service_documentation": f"{issuer}/",
    }


DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/jwks"
DISCOVERY_MAX_AGE = 3600


def serve_documents(app: Flask, p: Provider) -> None:
    """Discovery and the JWKS, which relying parties fetch far more often than they change,
    are answered in front of Flask (govkit.web.serve_document); the views below answer the
    same documents when a query string sends the request through Flask."""
    discovery_body = json.dumps(discovery_document(p), separators=(",", ":")).encode()
    discovery = Document(discovery_body, "application/json", DISCOVERY_MAX_AGE)
    serve_document(app, DISCOVERY_PATH, lambda: discovery)
    serve_document(app, JWKS_PATH, lambda: _jwks_document(p))


def _jwks_document(p: Provider) -> Document:
    return Document(p.keys.material().jwks_body, "application/jwk-set+json", keys.JWKS_MAX_AGE)


@bp.get(DISCOVERY_PATH)
@bp.get(JWKS_PATH)
def documents() -> Response:
    document = current_document(request.path)
    response = _json(document.body, max_age=document.max_age)
    response.mimetype = document.content_type
    return response


def _small_form() -> Response | None:
    if (request.content_length or 0) > MAX_FORM_BYTES:
        return _oauth_error(413, "invalid_request", "the request body is too large")
    return None


def _plain_http() -> Response:
    """The provider's public URL is plain http away from the loopback: OAuth 2 needs TLS
    (RFC 6749 §1.6), so Authlib serves nothing there (see idp.oauth.DeployedRequest)."""
    return _oauth_error(
        400,
        "invalid_request",
        "this provider's public URL is plain http: OAuth 2 needs https (or localhost)",
    )


@bp.post("/token")
def token() -> Response:
    refused = _small_form()
    if refused is not None:
        return refused
    try:
        response = current_app.extensions["idp.server"].create_token_response()
    except InsecureTransportError:
        return _plain_http()
    session = get_session()
    session.commit()
    if next(_TOKEN_REQUESTS) % HOUSEKEEPING_EVERY == 0:
        _housekeeping(session)
    return response


def _housekeeping(session: Session) -> None:
    """Drop expired codes and replay guards; rotate the signing keys when they are due.
    Runs after the request's own transaction has committed (SQLite has one writer)."""
    now = datetime.now(UTC)
    repository.purge_before(session, now, keep=timedelta(hours=1))
    session.commit()
    the_provider = provider()
    rotated = keys.rotate_on_schedule(get_database(current_app), the_provider.settings, now)
    if rotated:
        the_provider.keys.invalidate()
        current_app.logger.info("signing keys rotated", extra={"changes": rotated})


@bp.post("/introspect")
def introspect() -> Response:
    refused = _small_form()
    if refused is not None:
        return refused
    try:
        response = current_app.extensions["idp.server"].create_endpoint_response("introspection")
    except InsecureTransportError:
        return _plain_http()
    get_session().commit()
    return response


@bp.post("/revoke")
def revoke() -> Response:
    refused = _small_form()
    if refused is not None:
        return refused
    try:
        response = current_app.extensions["idp.server"].create_endpoint_response("revocation")
    except InsecureTransportError:
        return _plain_http()
    get_session().commit()
    return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return header[7:].strip()
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        return request.form.get("access_token") or None
    return None


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo() -> Response:
    """Claims for the scopes the token carries; the My Number only with a statutory basis;
    the exchange pseudonym (``exchange_id``) for the kit's own services."""
    challenge = 'Bearer realm="madoguchi-id"'
    access_token = _bearer()
    if access_token is None:
        return _oauth_error(
            401,
            "invalid_request",
            "send the access token as a Bearer token",
            **{"WWW-Authenticate": challenge},
        )
    session = get_session()
    row = repository.token_by_access(session, token_hash(access_token))
    now = datetime.now(UTC)
    if row is None or row.revoked_at is not None or row.access_expires_at <= now:
        return _oauth_error(
            401,
            "invalid_token",
            "the access token is not valid",
            **{"WWW-Authenticate": f'{challenge}, error="invalid_token"'},
        )
    p = provider()
    client = p.clients.get(row.client_id)
    citizen = session.get(Citizen, row.citizen_id) if row.citizen_id else None
    if client is None or citizen is None:
        return _oauth_error(
            401,
            "invalid_token",
            "the token is not for a citizen",
            **{"WWW-Authenticate": f'{challenge}, error="invalid_token"'},
        )
    scopes = set(row.scope.split())
    if "openid" not in scopes:
        return _oauth_error(
            403,
            "insufficient_scope",
            "the token lacks the openid scope",
            **{"WWW-Authenticate": f'{challenge}, error="insufficient_scope"'},
        )
    claims = {"sub": p.subject(client, citizen.id)}
    claims.update(released_claims(_person(citizen), scopes, statutory_basis=client.statutory_basis))
    exchange_id = p.exchange_id(client, citizen.persona)
    if exchange_id is not None:
        claims["exchange_id"] = exchange_id
    if "my_number" in claims:
        audit.record(
            session,
            "my_number_released",
            now=now,
            citizen_id=citizen.id,
            client_id=client.client_id,
            statutory_basis=client.statutory_basis,
        )
        session.commit()
    elif MY_NUMBER_SCOPE in scopes:
        current_app.logger.info("my_number withheld: client has no statutory basis")
    return _json(claims)


def _person(citizen: Citizen) -> Person:
    return Person(
        family_name=citizen.family_name,
        given_name=citizen.given_name,
        family_name_kana=citizen.family_name_kana,
        given_name_kana=citizen.given_name_kana,
        name_roman=citizen.name_roman,
        birthdate=citizen.birthdate,
        gender=citizen.gender,
        postal_code=citizen.postal_code,
        address=citizen.address,
        my_number=citizen.my_number,
    )


@bp.post("/register")
def register() -> Response:
    """RFC 7591 with an initial access token: the kit's registration token."""
    expected = get_settings().idp_registration_token
    if expected is None:
        return _oauth_error(503, "temporarily_unavailable", "client registration is not set up")
    given = _bearer_header_only()
    if given is None or not hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    ):
        return _oauth_error(
            401,
            "invalid_token",
            "registration needs the kit's registration token",
            **{"WWW-Authenticate": 'Bearer realm="madoguchi-id-registration"'},
        )
    if (request.content_length or 0) > MAX_FORM_BYTES:
        return _oauth_error(413, "invalid_client_metadata", "the metadata is too large")
    body = request.get_json(silent=True)
    try:
        metadata = validate_metadata(body)
    except InvalidMetadata as error:
        return _oauth_error(400, error.error, error.description)
    session: Session = get_session()
    now = datetime.now(UTC)
    registration = register_client(session, metadata, now)
    p = provider()
    p.clients.forget(registration.client.client_id)
    audit.record(
        session,
        "client_registered",
        now=now,
        client_id=registration.client.client_id,
        created=registration.created,
        name=metadata.client_name,
    )
    session.commit()
    answer: dict[str, Any] = {
        "client_id": registration.client.client_id,
        "client_id_issued_at": int(registration.client.created_at.timestamp()),
        **metadata.public(),
    }
    if registration.client_secret is not None:
        answer["client_secret"] = registration.client_secret
        answer["client_secret_expires_at"] = 0
    return _json(answer, 201 if registration.created else 200)


def _bearer_header_only() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return header[7:].strip()
    return None
