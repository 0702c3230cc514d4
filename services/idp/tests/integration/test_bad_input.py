"""Bad input never gives a 500: every route of the identity provider, fed malformed requests
(govkit.testing.robustness) by a browser, by the kit's provisioning (the registration token)
and by a relying party authenticating with its secret."""

from __future__ import annotations

import base64
import json
import time

import pytest

from govkit.testing.robustness import server_errors

#: Members of the provider's JSON bodies: client registration and the kit's provisioning.
FIELDS = (
    "client_name", "redirect_uris", "grant_types", "response_types", "jwks",
    "token_endpoint_auth_method", "id_token_signed_response_alg", "sector_identifier",
    "post_logout_redirect_uris", "backchannel_logout_uri", "first_party", "statutory_basis",
    "households", "people", "reference_date", "demo_pin", "demo_signing_password", "count",
    "username", "password", "totp_secret", "code_challenges",
)  # fmt: skip


@pytest.mark.parametrize("caller", ["browser", "provisioning", "relying party"])
def test_no_bad_input_gives_a_server_error(provider, caller: str) -> None:
    headers: dict[str, str] = {}
    if caller == "provisioning":
        token = provider.app.extensions["govkit.settings"].idp_registration_token
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
    elif caller == "relying party":
        rp = provider.register(token_endpoint_auth_method="client_secret_basic")
        headers = rp.basic()
    errors = server_errors(provider.app, provider.app.test_client(), headers=headers, fields=FIELDS)
    assert not errors, "\n".join(errors)


# -- what PostgreSQL's text cannot hold, from headers and signed claims -------------------------
# (the request's own fields are refused by govkit.web; these come out of a Basic header and
# a client assertion, where the edge does not look)


def _basic(client_id: str) -> dict[str, str]:
    raw = f"{client_id}:not-the-secret".encode("utf-8", "surrogatepass")
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.mark.parametrize("client_id", ["a\x00b", "\ud800", "ü" * 10])
@pytest.mark.parametrize("endpoint", ["/token", "/introspect", "/revoke"])
def test_a_client_id_no_client_has_is_wrong_credentials(
    provider, endpoint: str, client_id: str
) -> None:
    form = {"grant_type": "client_credentials", "token": "x"}
    response = provider.client.post(endpoint, data=form, headers=_basic(client_id))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def _forged_assertion(audience: str, **claims: object) -> str:
    """A client assertion that no library would sign: JSON with a lone surrogate or a NUL in
    it, and a signature of four bytes."""

    def part(data: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    body = {"aud": audience, "jti": "j", "iat": now, "exp": now + 60, **claims}
    return f"{part({'alg': 'ES256', 'kid': 'zz'})}.{part(body)}.AAAA"


@pytest.mark.parametrize("name", ["\ud800", "a\x00b"])
@pytest.mark.parametrize("endpoint", ["/token", "/introspect", "/revoke"])
def test_an_assertion_naming_an_impossible_client_is_invalid_client(
    provider, endpoint: str, name: str
) -> None:
    form = {
        "grant_type": "client_credentials",
        "token": "x",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": _forged_assertion(f"{provider.issuer}/token", iss=name, sub=name),
    }
    response = provider.client.post(endpoint, data=form)
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("jti", ["a\x00b", "\u3042" * 255])
def test_an_assertion_jti_of_any_shape_is_used_once(provider, jti: str) -> None:
    """A jti is kept as its digest: NUL or script, it is remembered, once."""
    rp = provider.register()
    verifier, challenge = provider.pkce()
    first = provider.redeem(rp, provider.mint_code(rp, challenge), verifier, **rp.auth(jti=jti))
    assert first.status_code == 200, first.get_data(as_text=True)
    verifier, challenge = provider.pkce()
    again = provider.redeem(rp, provider.mint_code(rp, challenge), verifier, **rp.auth(jti=jti))
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_client"


def test_a_nonce_longer_than_a_code_keeps_is_an_invalid_request(provider) -> None:
    """A nonce goes into the authorization code's row (255 characters): a longer one is the
    relying party's mistake, said as such, never a database error."""
    rp = provider.register()
    verifier, challenge = provider.pkce()
    code = provider.mint_code(rp, challenge, nonce="n" * 255)
    assert provider.redeem(rp, code, verifier).status_code == 200
    params = {
        "client_id": rp.client_id,
        "redirect_uri": provider.redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "s",
        "nonce": "n" * 256,
    }
    answer = provider.client.get("/authorize", query_string=params)
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["Location"]
