"""Rate limits: 429 with Retry-After; the token endpoint counts only failed requests."""

from __future__ import annotations

from urllib.parse import urlencode


def test_failed_token_requests_are_limited_but_successful_ones_are_not(provider_app) -> None:
    provider = provider_app(rate_limit_token="3 per minute")
    rp = provider.register(
        token_endpoint_auth_method="client_secret_basic",
        grant_types=["client_credentials"],
        response_types=[],
    )
    for _ in range(10):
        ok = provider.client.post(
            "/token", data={"grant_type": "client_credentials"}, headers=rp.basic()
        )
        assert ok.status_code == 200
    for _ in range(3):
        failed = provider.client.post(
            "/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic eDp5"},
        )
        assert failed.status_code == 401
    limited = provider.client.post(
        "/token", data={"grant_type": "client_credentials"}, headers=rp.basic()
    )
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.mimetype == "application/problem+json"


def test_sign_in_attempts_are_limited_per_address(provider_app) -> None:
    provider = provider_app(rate_limit_login="2 per minute")
    rp = provider.register()
    _verifier, challenge = provider.pkce()
    query = urlencode(
        {
            "client_id": rp.client_id,
            "redirect_uri": provider.redirect_uri,
            "response_type": "code",
            "scope": "openid",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    assert provider.client.get(f"/authorize?{query}").status_code == 303
    assert provider.client.get(f"/authorize?{query}").status_code == 303
    limited = provider.client.get(f"/authorize?{query}")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    other_address = provider.client.get(
        f"/authorize?{query}", environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other_address.status_code == 303
