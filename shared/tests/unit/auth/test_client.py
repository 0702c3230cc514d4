"""The provider client: discovery and JWKS caches, key rotation, client assertions, the token
endpoint and userinfo, against the fake provider (no network)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from govkit.auth.client import (
    ClientIdentity,
    ProviderClient,
    ProviderUnavailable,
    TokenRequestFailed,
)
from govkit.auth.idtoken import InvalidToken
from govkit.testing.oidc import FakeProvider


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider(issuer="https://id.example")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(fake: FakeProvider, clock: Clock) -> ProviderClient:
    return ProviderClient(fake.issuer, http=fake.session(), clock=clock)


def gets(fake: FakeProvider, path: str) -> int:
    return sum(1 for method, url, _kw in fake.requests if method == "GET" and url.endswith(path))


def test_every_call_has_a_timeout_and_follows_no_redirect(
    fake: FakeProvider, client: ProviderClient
) -> None:
    client.metadata()
    client.key("fake-rsa-1")
    with pytest.raises(TokenRequestFailed):
        client.userinfo("nothing")
    assert fake.requests
    for _method, _url, kwargs in fake.requests:
        assert kwargs["timeout"] == (3.05, 10.0)
        assert kwargs["allow_redirects"] is False


def test_discovery_is_cached_until_its_ttl(
    fake: FakeProvider, client: ProviderClient, clock: Clock
) -> None:
    first = client.metadata()
    assert client.metadata() is first
    assert gets(fake, "/openid-configuration") == 1
    clock.now += 3601
    client.metadata()
    assert gets(fake, "/openid-configuration") == 2
    assert first.token_endpoint == "https://id.example/token"
    assert first.iss_parameter_supported


def test_a_discovery_document_for_another_issuer_is_refused(fake: FakeProvider) -> None:
    client = ProviderClient("https://id.example/other", http=fake.session())
    fake.issuer = "https://id.example"
    with pytest.raises(ProviderUnavailable):
        client.metadata()


def test_an_unreachable_provider_is_unavailable(fake: FakeProvider, client: ProviderClient) -> None:
    fake.down = True
    with pytest.raises(ProviderUnavailable, match="did not answer"):
        client.metadata()


def test_a_provider_that_answers_rubbish_is_unavailable(fake: FakeProvider) -> None:
    class Rubbish(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            response = requests.Response()
            response.status_code = 200
            response._content = b"<html>proxy error</html>"
            return response

    with pytest.raises(ProviderUnavailable, match="not JSON"):
        ProviderClient(fake.issuer, http=Rubbish()).metadata()


def test_keys_are_cached_and_refetched_once_for_an_unknown_kid(
    fake: FakeProvider, client: ProviderClient, clock: Clock
) -> None:
    assert isinstance(client.key("fake-rsa-1"), RSAKey)
    assert isinstance(client.key("fake-ec-1"), ECKey)
    assert gets(fake, "/jwks") == 1
    # The provider rotates: a new key appears. A token naming it makes one refetch…
    fake.rsa = RSAKey.generate_key(2048, parameters={"kid": "fake-rsa-2"}, private=True)
    clock.now += 11
    assert client.key("fake-rsa-2").kid == "fake-rsa-2"
    assert gets(fake, "/jwks") == 2
    # …but unknown kids cannot make it fetch again and again.
    with pytest.raises(InvalidToken) as caught:
        client.key("made-up")
    assert caught.value.reason == "unknown_kid"
    with pytest.raises(InvalidToken):
        client.key("made-up-too")
    assert gets(fake, "/jwks") == 2
    # The cache expires after its TTL: retired keys stop being trusted.
    clock.now += 601
    with pytest.raises(InvalidToken):
        client.key("fake-rsa-1")
    assert gets(fake, "/jwks") == 3


def test_symmetric_and_private_keys_in_the_jwks_are_ignored(fake: FakeProvider) -> None:
    jwks = {
        "keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            fake.rsa.as_dict(private=True),
            fake.ec.as_dict(private=False),
        ]
    }
    fake.jwks = lambda: jwks  # type: ignore[method-assign]
    client = ProviderClient(fake.issuer, http=fake.session())
    assert client.key("fake-ec-1")
    for kid in ("hmac", "fake-rsa-1"):
        with pytest.raises(InvalidToken):
            client.key(kid)


def test_the_client_assertion_is_a_short_lived_single_use_es256_jwt(
    client: ProviderClient, clock: Clock
) -> None:
    key = ECKey.generate_key("P-256", private=True)
    key.ensure_kid()
    identity = ClientIdentity("client-1", key)
    first = client.client_assertion(identity)
    second = client.client_assertion(identity)
    token = jwt.decode(first, key, algorithms=["ES256"])
    assert token.header["kid"] == key.kid
    claims = token.claims
    assert claims["iss"] == claims["sub"] == "client-1"
    assert claims["aud"] == "https://id.example/token"
    assert claims["iat"] == int(clock.now)
    assert 0 < claims["exp"] - claims["iat"] <= 300
    assert claims["jti"] != jwt.decode(second, key, algorithms=["ES256"]).claims["jti"]
    assert repr(identity) == "ClientIdentity(client_id='client-1')"


def test_token_endpoint_errors(fake: FakeProvider) -> None:
    client = ProviderClient(fake.issuer, http=fake.session())  # the real clock, as the fake's
    key = ECKey.generate_key("P-256", private=True)
    key.ensure_kid()
    fake.clients["client-1"] = {"jwks": {"keys": [key.as_dict(private=False)]}}
    identity = ClientIdentity("client-1", key)
    with pytest.raises(TokenRequestFailed) as caught:
        client.exchange_code(identity, code="unknown", redirect_uri="x", code_verifier="v")
    assert caught.value.error == "invalid_grant"
    fake.token_error = "invalid_request"
    with pytest.raises(TokenRequestFailed) as caught:
        client.refresh(identity, "refresh")
    assert caught.value.error == "invalid_request"
    wrong = ECKey.generate_key("P-256", private=True)
    wrong.ensure_kid()
    fake.clients["client-1"] = {"jwks": {"keys": [wrong.as_dict(private=False)]}}
    with pytest.raises(TokenRequestFailed) as caught:
        client.refresh(identity, "refresh")
    assert caught.value.error == "invalid_client"


def test_a_token_endpoint_failing_on_its_side_is_unavailable(fake: FakeProvider) -> None:
    class Broken(requests.Session):
        def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            if url.endswith("/token"):
                response = requests.Response()
                response.status_code = 502
                response._content = b"bad gateway"
                return response
            return fake.handle(method, url, **kwargs)

    client = ProviderClient(fake.issuer, http=Broken())
    key = ECKey.generate_key("P-256", private=True)
    key.ensure_kid()
    with pytest.raises(ProviderUnavailable, match="502"):
        client.exchange_code(
            ClientIdentity("c", key), code="c", redirect_uri="r", code_verifier="v"
        )


def test_redirect_urls_carry_their_parameters(client: ProviderClient) -> None:
    url = client.authorization_url({"state": "a b", "scope": "openid name"})
    assert url == "https://id.example/authorize?state=a+b&scope=openid+name"
    assert client.end_session_url({"state": "s"}) == "https://id.example/logout?state=s"
