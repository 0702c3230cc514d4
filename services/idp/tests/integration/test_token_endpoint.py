"""The token endpoint: codes, PKCE, client assertions, refresh rotation, client credentials."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey
from sqlmodel import select

from govkit.db import get_database
from idp.hashing import token_hash
from idp.models import AuditEvent, AuthorizationCode


def _claims(provider, id_token: str) -> tuple[dict, dict]:
    token = jwt.decode(id_token, provider.jwks(), algorithms=["RS256", "ES256"])
    return token.header, token.claims


def _events(provider) -> list[str]:
    with get_database(provider.app).session() as session:
        return list(session.exec(select(AuditEvent.event)))


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_code_with_pkce_and_private_key_jwt_gives_a_complete_id_token(provider) -> None:
    rp = provider.register()
    verifier, challenge = provider.pkce()
    answer = provider.redeem(rp, provider.mint_code(rp, challenge), verifier)
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"]
    header, claims = _claims(provider, body["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] in {k.kid for k in provider.jwks()}
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == rp.client_id
    assert claims["nonce"] == "nonce-1"
    assert claims["acr"] == "aal3"
    assert claims["amr"] == ["sc", "pin", "mfa"]
    assert claims["sid"]
    assert claims["at_hash"] == _at_hash(body["access_token"])
    assert claims["iat"] <= time.time() < claims["exp"]
    assert claims["auth_time"] <= claims["iat"]
    assert claims["sub"] != provider.citizen_id  # pairwise, never the internal id


def test_an_es256_client_gets_an_es256_id_token(provider) -> None:
    rp = provider.register(id_token_signed_response_alg="ES256")
    verifier, challenge = provider.pkce()
    body = provider.redeem(rp, provider.mint_code(rp, challenge), verifier).get_json()
    header = _claims(provider, body["id_token"])[0]
    assert header["alg"] == "ES256"


def test_pairwise_subjects_are_stable_per_sector_and_differ_across_sectors(provider) -> None:
    city_a = provider.register(sector_identifier="GOV/LG-139998")
    city_b = provider.register(sector_identifier="GOV/LG-139998")
    pension = provider.register(sector_identifier="GOV/JPS")

    def sub(rp) -> str:
        verifier, challenge = provider.pkce()
        body = provider.redeem(rp, provider.mint_code(rp, challenge), verifier).get_json()
        return _claims(provider, body["id_token"])[1]["sub"]

    first = sub(city_a)
    assert sub(city_a) == first
    assert sub(city_b) == first
    assert sub(pension) != first


def test_a_reused_code_fails_and_revokes_what_the_first_use_produced(provider) -> None:
    rp = provider.register()
    verifier, challenge = provider.pkce()
    code = provider.mint_code(rp, challenge)
    first = provider.redeem(rp, code, verifier).get_json()
    again = provider.redeem(rp, code, verifier)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"
    info = provider.client.post("/introspect", data={"token": first["access_token"], **rp.auth()})
    assert info.get_json() == {"active": False}
    userinfo = provider.client.get(
        "/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert userinfo.status_code == 401
    refresh = provider.client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **rp.auth()},
    )
    assert refresh.get_json()["error"] == "invalid_grant"
    assert "code_reuse" in _events(provider)


def test_a_code_redeemed_by_another_client_fails_and_stays_usable_by_its_own(provider) -> None:
    owner, thief = provider.register(), provider.register()
    verifier, challenge = provider.pkce()
    code = provider.mint_code(owner, challenge)
    stolen = provider.redeem(thief, code, verifier)
    assert stolen.get_json()["error"] == "invalid_grant"
    assert provider.redeem(owner, code, verifier).status_code == 200


def test_a_code_with_another_redirect_uri_fails(provider) -> None:
    rp = provider.register(redirect_uris=[provider.redirect_uri, "http://localhost:9000/other"])
    verifier, challenge = provider.pkce()
    code = provider.mint_code(rp, challenge)
    answer = provider.redeem(rp, code, verifier, redirect_uri="http://localhost:9000/other")
    assert answer.get_json()["error"] == "invalid_grant"


def test_a_code_older_than_60_seconds_fails(provider) -> None:
    rp = provider.register()
    verifier, challenge = provider.pkce()
    code = provider.mint_code(rp, challenge)
    with get_database(provider.app).transaction() as session:
        row = session.get(AuthorizationCode, token_hash(code))
        assert row is not None
        assert (row.expires_at - datetime.now(UTC)) <= timedelta(seconds=60)
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
    assert provider.redeem(rp, code, verifier).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("verifier", "error"),
    [
        ("wrong-" + "v" * 50, "invalid_grant"),
        (None, "invalid_request"),
        ("short", "invalid_request"),
    ],
)
def test_a_wrong_or_missing_code_verifier_fails(provider, verifier, error) -> None:
    rp = provider.register()
    _right, challenge = provider.pkce()
    answer = provider.redeem(rp, provider.mint_code(rp, challenge), verifier)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == error


def _token_with(provider, rp, **assertion_overrides):
    verifier, challenge = provider.pkce()
    code = provider.mint_code(rp, challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": provider.redirect_uri,
        "code_verifier": verifier,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    if "raw" in assertion_overrides:
        form["client_assertion"] = assertion_overrides["raw"]
    else:
        form["client_assertion"] = rp.assertion(**assertion_overrides)
    return provider.client.post("/token", data=form)


def _unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        import json

        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


def _hs256_with_public_key(rp) -> str:
    now = int(time.time())
    public = rp.key.as_dict(private=False)
    secret = OctKey.import_key(str(public).encode())
    claims = {
        "iss": rp.client_id,
        "sub": rp.client_id,
        "aud": "http://localhost:8001/token",
        "iat": now,
        "exp": now + 60,
        "jti": "hs",
    }
    return jwt.encode({"alg": "HS256"}, claims, secret)


def test_client_assertions_are_checked_strictly(provider) -> None:
    rp = provider.register()
    now = int(time.time())
    cases = {
        "expired": {"iat": now - 400, "exp": now - 100},
        "too long-lived": {"exp": now + 3600},
        "no jti": {"jti": None},
        "no exp": {"exp": None},
        "no iat": {"iat": None},
        "wrong audience": {"aud": "http://localhost:8001/userinfo"},
        "issuer is not the subject": {"iss": "someone-else"},
        "signed by another key": {"key": ECKey.generate_key("P-256", private=True)},
        "issued in the future": {"iat": now + 3600, "exp": now + 3660},
    }
    for name, overrides in cases.items():
        answer = _token_with(provider, rp, **overrides)
        assert answer.status_code == 400, name  # RFC 6749 §5.2: 401 only for header schemes
        assert answer.get_json()["error"] == "invalid_client", name
    now = int(time.time())
    for name, raw in {
        "alg none": _unsigned(
            {
                "iss": rp.client_id,
                "sub": rp.client_id,
                "jti": "n",
                "aud": "http://localhost:8001/token",
                "iat": now,
                "exp": now + 60,
            }
        ),
        "HS256 with the public key": _hs256_with_public_key(rp),
        "not a JWT": "not.a.jwt",
        "garbage": "%%%",
    }.items():
        answer = _token_with(provider, rp, raw=raw)
        assert answer.status_code in (400, 401), name
        assert answer.get_json()["error"] in ("invalid_client", "invalid_request"), name


def test_a_replayed_client_assertion_is_refused(provider) -> None:
    rp = provider.register()
    assertion = rp.assertion(jti="once-only")
    assert _token_with(provider, rp, raw=assertion).status_code == 200
    again = _token_with(provider, rp, raw=assertion)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_client"


def test_the_issuer_is_an_accepted_audience(provider) -> None:
    rp = provider.register()
    assert _token_with(provider, rp, aud=provider.issuer).status_code == 200


def test_refresh_tokens_rotate_and_reuse_revokes_the_family(provider) -> None:
    rp = provider.register()
    verifier, challenge = provider.pkce()
    first = provider.redeem(rp, provider.mint_code(rp, challenge), verifier).get_json()

    def refresh(token: str):
        return provider.client.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": token, **rp.auth()}
        )

    second = refresh(first["refresh_token"])
    assert second.status_code == 200
    rotated = second.get_json()
    assert rotated["refresh_token"] != first["refresh_token"]
    reused = refresh(first["refresh_token"])
    assert reused.get_json()["error"] == "invalid_grant"
    # The reuse revoked the newer tokens too.
    assert refresh(rotated["refresh_token"]).get_json()["error"] == "invalid_grant"
    info = provider.client.post("/introspect", data={"token": rotated["access_token"], **rp.auth()})
    assert info.get_json() == {"active": False}
    assert _events(provider).count("refresh_reuse") == 1


def test_client_credentials_with_a_secret(provider) -> None:
    rp = provider.register(
        token_endpoint_auth_method="client_secret_basic",
        grant_types=["client_credentials"],
        response_types=[],
    )
    answer = provider.client.post(
        "/token", data={"grant_type": "client_credentials"}, headers=rp.basic()
    )
    assert answer.status_code == 200
    assert "id_token" not in answer.get_json()
    rp.secret = "wrong"
    refused = provider.client.post(
        "/token", data={"grant_type": "client_credentials"}, headers=rp.basic()
    )
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_client"


def test_a_grant_the_client_did_not_register_is_refused(provider) -> None:
    rp = provider.register()
    answer = provider.client.post("/token", data={"grant_type": "client_credentials", **rp.auth()})
    assert answer.get_json()["error"] == "unauthorized_client"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"json": {"grant_type": "authorization_code"}},
        {
            "data": b"grant_type=authorization_code&code=\xff\xfe",
            "content_type": "application/x-www-form-urlencoded",
        },
        {"data": {"grant_type": "password", "username": "a", "password": "b"}},
        {"data": {"grant_type": "x" * 5000}},
        {"data": {}},
    ],
)
def test_malformed_token_requests_get_oauth_errors(provider, request_kwargs) -> None:
    answer = provider.client.post("/token", **request_kwargs)
    assert 400 <= answer.status_code < 500
    assert answer.get_json()["error"]


def test_an_oversized_token_request_is_refused(provider) -> None:
    answer = provider.client.post("/token", data={"grant_type": "x", "pad": "y" * 70_000})
    assert answer.status_code == 413


def test_the_benchmark_hook_mints_one_code_per_challenge(provider) -> None:
    rp = provider.register()
    (first_verifier, first), (_, second) = provider.pkce(), provider.pkce()
    redirect_uri = rp.metadata["redirect_uris"][0]
    request = {"client_id": rp.client_id, "redirect_uri": redirect_uri, "scope": "openid"}
    answer = provider.client.post(
        "/__testing/codes", json={**request, "code_challenges": [first, second]}
    )
    assert answer.status_code == 201
    first_code, second_code = answer.get_json()["codes"]
    assert provider.redeem(rp, first_code, first_verifier).status_code == 200
    # The second code is bound to its own challenge, not the first one's.
    assert provider.redeem(rp, second_code, first_verifier).status_code == 400
    for bad in ([], ["plain-challenge"], "not a list"):
        refused = provider.client.post("/__testing/codes", json={**request, "code_challenges": bad})
        assert refused.status_code == 400, bad


# -- what a tester sent: never a 500 ---------------------------------------------------------


def _secret_client(provider):
    return provider.register(
        token_endpoint_auth_method="client_secret_basic",
        grant_types=["client_credentials"],
        response_types=[],
    )


@pytest.mark.parametrize("endpoint", ["/token", "/introspect", "/revoke"])
def test_basic_credentials_that_are_not_utf8_are_wrong_credentials(provider, endpoint) -> None:
    answer = provider.client.post(
        endpoint,
        data={"grant_type": "client_credentials", "token": "x"},
        headers={"Authorization": "Basic //46AA=="},  # base64 of ff fe 3a 00
    )
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_client"
    assert answer.headers["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize(
    "base_url",
    [
        "http://idp:8000",  # compose: the services call the provider on their own network
        "http://evil.example",  # any Host header: it is not what decides the transport
    ],
)
def test_token_introspection_and_revocation_answer_on_the_deployment_network(
    provider, base_url: str
) -> None:
    rp = _secret_client(provider)

    def post(path: str, **form: str):
        return provider.client.post(path, data=form, headers=rp.basic(), base_url=base_url)

    issued = post("/token", grant_type="client_credentials")
    assert issued.status_code == 200, issued.get_data(as_text=True)
    access_token = issued.get_json()["access_token"]
    assert post("/introspect", token=access_token).get_json()["active"] is True
    assert post("/revoke", token=access_token).status_code == 200
    assert post("/introspect", token=access_token).get_json() == {"active": False}


def test_an_https_provider_answers_its_internal_plain_http_route(provider_app) -> None:
    """Behind a TLS-terminating proxy, or on an internal route (KIT_INTERNAL_ROUTES), the
    requests of an https deployment arrive as plain http."""
    provider = provider_app(public_url="https://id.example.jp")
    rp = _secret_client(provider)
    issued = provider.client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=rp.basic(),
        base_url="http://idp:8000",
    )
    assert issued.status_code == 200, issued.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", ["/token", "/introspect", "/revoke"])
def test_a_provider_configured_at_a_plain_http_public_address_answers_an_oauth_error(
    provider_app, endpoint: str
) -> None:
    provider = provider_app(public_url="http://id.example.jp")
    rp = _secret_client(provider)
    answer = provider.client.post(
        endpoint,
        data={"grant_type": "client_credentials", "token": "x"},
        headers=rp.basic(),
        base_url="http://id.example.jp",
    )
    assert answer.status_code == 400
    assert answer.mimetype == "application/json"
    assert answer.get_json()["error"] == "invalid_request"
    assert "https" in answer.get_json()["error_description"]
