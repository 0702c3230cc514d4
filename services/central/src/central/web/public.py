"""What anyone may fetch: the signed global configuration and the trust anchor.

Security servers pin the anchor once (out of band, checking its thumbprint) and then fetch
``/globalconf`` every minute; the document itself carries the proof, so neither needs a token.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

from flask import Blueprint, Response, current_app, request

from central import repository
from central.domain.globalconf import RegistryState
from central.publishing import NotReady, Publisher
from govkit.db import get_session
from govkit.errors import Problem
from govkit.web import get_settings

bp = Blueprint("public", __name__)

JOSE = "application/jose"


def publisher() -> Publisher:
    return current_app.extensions["central.publisher"]


def _now() -> datetime:
    return datetime.now(UTC)


def _not_ready(error: NotReady) -> Problem:
    return Problem(
        503, "Global configuration not available", str(error), headers={"Retry-After": "10"}
    )


@bp.get("/globalconf")
def global_configuration() -> Response:
    now = _now()
    session = get_session()

    def load_state() -> RegistryState | None:
        instance = repository.find_instance(session=session)
        if instance is None:
            return None
        return repository.load_state(session=session, instance=instance.code)

    try:
        signed = publisher().current(now, load_state)
    except NotReady as error:
        raise _not_ready(error) from None
    max_age = max(0, int((signed.refresh_at - now).total_seconds()))
    headers = {
        "ETag": signed.etag,
        "Cache-Control": f"public, max-age={max_age}, must-revalidate",
        "Last-Modified": format_datetime(signed.generated_at, usegmt=True),
        "Expires": format_datetime(signed.refresh_at, usegmt=True),
        "X-Globalconf-Expires-At": signed.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if request.if_none_match.contains_raw(signed.etag):
        return Response(status=304, headers=headers)
    return Response(signed.jws, mimetype=JOSE, headers=headers)


@bp.get("/anchor")
def anchor() -> Response:
    """The configuration anchor: central's public key as a JWK and its SHA-256 thumbprint."""
    try:
        jwk = publisher().anchor()
    except NotReady as error:
        raise _not_ready(error) from None
    settings = get_settings()
    body = {
        "instance": getattr(settings, "exchange_instance", None),
        "globalconf_url": f"{settings.public_url}/globalconf",
        "jwk": jwk,
        "thumbprint": jwk["kid"],
        "thumbprint_method": "RFC 7638 SHA-256, base64url",
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
