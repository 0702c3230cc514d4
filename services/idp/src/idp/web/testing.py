"""Test-only endpoints: on only with ``IDP_TESTING_ENDPOINTS=true`` (benchmarks and the test
suite set it). ``POST /__testing/codes`` mints authorization codes as if a demo citizen had
just signed in with their card, so a benchmark can drive the token endpoint alone (one PKCE
challenge per code, as a real client sends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, request
from sqlmodel import select

from govkit.access import AccessRule
from govkit.db import get_session
from govkit.errors import Problem
from govkit.web import get_settings
from idp.domain.authorization import S256_CHALLENGE
from idp.domain.levels import CARD_AMR
from idp.hashing import new_token, token_hash
from idp.models import AuthorizationCode, Citizen, OPSession
from idp.provider import provider
from idp.repository import add_session_client

MAX_CODES = 10_000


def _enabled() -> None:
    if not getattr(get_settings(), "testing_endpoints", False):
        abort(404)


TESTING = AccessRule("testing", _enabled, api=True)
bp = Blueprint("idp_testing", __name__, url_prefix="/__testing")


def _challenges(body: dict) -> list[str]:
    """One S256 challenge per code: ``code_challenges`` (a list), or ``code_challenge`` shared
    by ``count`` codes (default 1)."""
    if "code_challenges" in body:
        challenges = body["code_challenges"]
        if not isinstance(challenges, list) or not 1 <= len(challenges) <= MAX_CODES:
            raise Problem(400, f"code_challenges must list 1 to {MAX_CODES} challenges")
    else:
        count = body.get("count", 1)
        if not isinstance(count, int) or not 1 <= count <= MAX_CODES:
            raise Problem(400, f"count must be 1 to {MAX_CODES}")
        challenges = [body.get("code_challenge")] * count
    if not all(isinstance(c, str) and S256_CHALLENGE.match(c) for c in challenges):
        raise Problem(400, "each code_challenge must be S256 (43 characters)")
    return challenges


@bp.post("/codes")
def mint_codes() -> tuple[dict[str, list[str]], int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "JSON object expected")
    client = provider().clients.get(body.get("client_id"))
    if client is None:
        raise Problem(400, "Unknown client")
    redirect_uri = body.get("redirect_uri")
    if not isinstance(redirect_uri, str) or not client.check_redirect_uri(redirect_uri):
        raise Problem(400, "redirect_uri is not registered for the client")
    challenges = _challenges(body)
    scope = client.get_allowed_scope(str(body.get("scope") or "openid"))
    nonce = body.get("nonce")
    session = get_session()
    citizen = session.exec(select(Citizen).order_by(Citizen.persona)).first()  # type: ignore[arg-type]
    if citizen is None:
        raise Problem(409, "No citizens are provisioned (run `kit prepare idp` with trust up)")
    now = datetime.now(UTC)
    sid = new_token(24)
    session.add(
        OPSession(
            sid=sid,
            citizen_id=citizen.id,
            auth_time=now,
            acr="aal3",
            amr=list(CARD_AMR),
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )
    )
    add_session_client(session, sid, client.client_id)
    expires = now + timedelta(seconds=get_settings().code_lifetime)  # type: ignore[attr-defined]
    codes = [new_token(32) for _ in challenges]
    session.add_all(
        AuthorizationCode(
            code_hash=token_hash(code),
            client_id=client.client_id,
            citizen_id=citizen.id,
            redirect_uri=redirect_uri,
            scope=scope,
            nonce=nonce if isinstance(nonce, str) else None,
            code_challenge=challenge,
            code_challenge_method="S256",
            auth_time=now,
            acr="aal3",
            amr=list(CARD_AMR),
            sid=sid,
            expires_at=expires,
        )
        for code, challenge in zip(codes, challenges, strict=True)
    )
    session.commit()
    return {"codes": codes}, 201
