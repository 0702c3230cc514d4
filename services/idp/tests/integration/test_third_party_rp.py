"""An independent relying party library — idpyoidc 5.0.0, IdentityPython's OpenID Connect
client — signs in against the running provider with its own code paths: its provider-info
service reads discovery and the JWKS, its authorization service builds the request (PKCE S256
through its ``pkce`` add-on, ``nonce``, ``state``), its access-token service authenticates
with ``private_key_jwt`` and verifies the ID token (signature against the provider's JWKS,
``iss``, ``aud``, ``nonce``), its userinfo service checks ``sub`` against that ID token, its
refresh service rotates tokens, and its end-session service builds RP-initiated logout.

Nothing here is special-cased for the provider, with two deliberate choices:

* **Registration is static.** The provider's ``/register`` needs the kit's registration token
  (an RFC 7591 initial access token), which idpyoidc's client setup
  (``RPHandler.client_setup``) does not send; the test registers with
  :meth:`RunningIdp.register` and gives idpyoidc the ``client_id`` and metadata as
  configuration, the way a relying party registered out of band is configured.
* **Assertions live 60 s.** idpyoidc's ``PrivateKeyJWT`` signs assertions valid for 600 s by
  default (``idpyoidc.client.client_auth.assertion_jwt``) and has no setting for it, only a
  per-call ``lifetime`` argument that its own ``get_tokens`` and ``refresh_access_token`` do
  not pass. The provider accepts at most 300 s between ``iat`` and ``exp`` (its
  ``assertion_max_lifetime`` setting, checked in ``idp.oauth.PrivateKeyJWT``; RFC 7523 §3
  lets a server refuse an ``exp`` unreasonably far in the future). So the client is given,
  through idpyoidc's ``client_authn_methods`` option, a ``PrivateKeyJWT`` that always passes
  ``lifetime=60``, and a test pins the limit: the stock 600 s assertion is refused as
  ``invalid_client``, the same request with a 60 s one is authenticated.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from cryptojwt.exception import BadSignature
from cryptojwt.jwk.rsa import new_rsa_key
from cryptojwt.jws.jws import JWS
from cryptojwt.jws.jws import factory as jws_factory
from cryptojwt.jws.utils import left_hash
from cryptojwt.key_jar import KeyJar, build_keyjar
from idpyoidc.client.client_auth import PrivateKeyJWT
from idpyoidc.client.exception import OidcServiceError
from idpyoidc.client.oauth2.stand_alone_client import StandAloneClient
from idpyoidc.client.rp_handler import RPHandler
from idpyoidc.client.service import Service
from idpyoidc.message import Message
from idpyoidc.message.oauth2 import is_error_message
from idpyoidc.message.oidc import ProviderConfigurationResponse, verified_claim_name

if TYPE_CHECKING:  # the fixtures' types (conftest.py of this folder)
    from conftest import Browser, RunningIdp, Visit

#: A seed resident no other test signs in with (her card's state is hers alone).
RESIDENT = "佐伯 節子"
RESIDENT_PERSONA = "H1-6"
SCOPE = ["openid", "name", "address", "birthdate", "gender"]
ASSERTION_LIFETIME = 60
TIMEOUT = 15
PKCE = {
    "function": "idpyoidc.client.oauth2.add_on.pkce.add_support",
    "kwargs": {"code_challenge_length": 64, "code_challenge_method": "S256"},
}
SERVICES = {
    "discovery": {"class": "idpyoidc.client.oidc.provider_info_discovery.ProviderInfoDiscovery"},
    "authorization": {"class": "idpyoidc.client.oidc.authorization.Authorization"},
    "access_token": {"class": "idpyoidc.client.oidc.access_token.AccessToken"},
    "refresh_access_token": {
        "class": "idpyoidc.client.oidc.refresh_access_token.RefreshAccessToken"
    },
    "userinfo": {"class": "idpyoidc.client.oidc.userinfo.UserInfo"},
    "end_session": {"class": "idpyoidc.client.oidc.end_session.EndSession"},
}


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """idpyoidc's ``private_key_jwt`` with the ``lifetime`` it accepts per call, always."""

    def construct(
        self,
        request: Message,
        service: Service | None = None,
        http_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        kwargs.setdefault("lifetime", ASSERTION_LIFETIME)
        return super().construct(request, service=service, http_args=http_args, **kwargs)


@dataclass(frozen=True)
class Registration:
    """The client as registered out of band, and the private key only idpyoidc holds."""

    issuer: str
    client_id: str
    keyjar: KeyJar
    redirect_uri: str
    post_logout_redirect_uri: str


@pytest.fixture(scope="module")
def registration(running_idp: RunningIdp) -> Registration:
    keyjar = build_keyjar([{"type": "EC", "crv": "P-256", "use": ["sig"]}])
    name = f"idpyoidc-{secrets.token_hex(3)}"
    redirect_uri = f"{running_idp.rp_base}/{name}/callback"
    post_logout = f"{running_idp.rp_base}/{name}/signed-out"
    answer = running_idp.register(
        client_name="idpyoidc relying party",
        redirect_uris=[redirect_uri],
        post_logout_redirect_uris=[post_logout],
        grant_types=["authorization_code", "refresh_token"],
        token_endpoint_auth_method="private_key_jwt",
        token_endpoint_auth_signing_alg="ES256",
        jwks=keyjar.export_jwks(private=False, issuer_id=""),
        scope=" ".join(SCOPE),
    )
    assert answer["token_endpoint_auth_method"] == "private_key_jwt"
    return Registration(running_idp.url, answer["client_id"], keyjar, redirect_uri, post_logout)


def new_client(
    registration: Registration,
    *,
    private_key_jwt: type[PrivateKeyJWT] = ShortLivedPrivateKeyJWT,
    httpc: Callable[..., requests.Response] = requests.request,
) -> StandAloneClient:
    """An idpyoidc client for the provider, set up by its RP handler (which runs discovery)."""
    config = {
        "issuer": registration.issuer,
        "client_id": registration.client_id,
        "client_type": "oidc",
        "redirect_uris": [registration.redirect_uri],
        "post_logout_redirect_uris": [registration.post_logout_redirect_uri],
        "preference": {
            "response_types_supported": ["code"],
            "scopes_supported": SCOPE,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        },
        "client_authn_methods": {"private_key_jwt": private_key_jwt},
        "add_ons": {"pkce": PKCE},
        "services": SERVICES,
    }
    handler = RPHandler(
        keyjar=registration.keyjar,
        client_configs={registration.issuer: config},
        httpc=httpc,
        httpc_params={"timeout": TIMEOUT},
    )
    return handler.client_setup(iss_id=registration.issuer)


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@dataclass
class SignedIn:
    client: StandAloneClient
    #: idpyoidc's key for this sign-in (the ``state`` it sent).
    state: str
    request: dict[str, str]
    visit: Visit
    tokens: Message

    @property
    def id_token(self) -> Message:
        """The ID token as idpyoidc verified it."""
        return self.tokens[verified_claim_name("id_token")]


def sign_in(client: StandAloneClient, browser: Browser) -> SignedIn:
    """idpyoidc's authorization request, the resident's card and consent in the browser,
    idpyoidc's parsing of the response and its token request."""
    url = client.init_authorization()
    visit = browser.authorize(url, resident=RESIDENT)
    response = client.finalize_auth(visit.params)
    assert not is_error_message(response), response.to_dict()
    tokens = client.get_tokens(response["state"])
    return SignedIn(client, response["state"], query(url), visit, tokens)


# -- discovery and client authentication ------------------------------------------------------


def test_idpyoidc_discovers_the_provider_and_loads_its_signing_keys(
    running_idp: RunningIdp, registration: Registration
) -> None:
    client = new_client(registration)
    info = client.get_context().provider_info
    assert isinstance(info, ProviderConfigurationResponse), "parsed by idpyoidc's own service"
    assert info["issuer"] == running_idp.url
    assert client.get_service("accesstoken").get_endpoint() == f"{running_idp.url}/token"
    assert client.get_service("userinfo").get_endpoint() == f"{running_idp.url}/userinfo"
    assert client.get_service("end_session").get_endpoint() == f"{running_idp.url}/logout"
    loaded = {key.kid for key in client.keyjar.get_issuer_keys(running_idp.url)}
    assert loaded == {key.kid for key in running_idp.jwks()}
    # Static registration as configured, not idpyoidc's defaults.
    assert client.get_context().get_usage("token_endpoint_auth_method") == "private_key_jwt"
    assert client.get_client_id() == registration.client_id


def test_the_stock_600_s_assertion_is_refused_and_a_60_s_one_authenticates(
    registration: Registration,
) -> None:
    stock = new_client(registration, private_key_jwt=PrivateKeyJWT)
    state = query(stock.init_authorization())["state"]  # a PKCE verifier for the request

    def token_request(**kwargs: Any) -> Message:
        return stock.do_request(
            "accesstoken",
            request_args={
                "grant_type": "authorization_code",
                "code": "not-a-code-the-provider-issued",
                "redirect_uri": registration.redirect_uri,
                "state": state,
            },
            authn_method="private_key_jwt",
            state=state,
            **kwargs,
        )

    refused = token_request()
    assert refused["error"] == "invalid_client"
    assert "300 s at most" in refused["error_description"]
    authenticated = token_request(lifetime=ASSERTION_LIFETIME)
    assert authenticated["error"] == "invalid_grant", "the client was authenticated"


# -- authorization code flow ------------------------------------------------------------------


def test_idpyoidc_signs_in_with_pkce_and_verifies_the_id_token(
    running_idp: RunningIdp, registration: Registration, browser: Browser
) -> None:
    signed_in = sign_in(new_client(registration), browser)
    request = signed_in.request
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) == 43
    assert request["state"] == signed_in.state
    assert len(request["nonce"]) >= 16
    assert request["scope"].split() == SCOPE
    assert signed_in.visit.card_asked
    assert signed_in.visit.params["iss"] == running_idp.url

    id_token = signed_in.id_token
    assert id_token["iss"] == running_idp.url
    assert id_token["aud"] == [registration.client_id]
    assert id_token["nonce"] == request["nonce"]
    assert id_token.jws_header["kid"] in {key.kid for key in running_idp.jwks()}
    assert id_token["acr"] == "aal3"
    assert {"sc", "pin"} <= set(id_token["amr"])
    assert id_token["sid"]
    alg = id_token.jws_header["alg"]
    assert id_token["at_hash"] == left_hash(signed_in.tokens["access_token"], f"HS{alg[-3:]}")
    assert signed_in.tokens["token_type"] == "Bearer"
    assert signed_in.tokens["refresh_token"]


def _signed_by_someone_else(id_token: str) -> str:
    """The same header (the provider's kid) and claims, signed with another RSA key."""
    token = jws_factory(id_token)
    assert token is not None
    header = token.jwt.headers
    impostor = new_rsa_key(kid=header["kid"])
    return JWS(json.dumps(token.jwt.payload()), alg=header["alg"]).sign_compact([impostor])


def test_idpyoidc_refuses_an_id_token_not_signed_with_a_published_key(
    running_idp: RunningIdp, registration: Registration, browser: Browser
) -> None:
    """The verification above is idpyoidc's own: a token response whose ID token another key
    signed (same kid, same claims) is refused, so the JWKS it loaded is what it checks."""

    def forging(method: str, url: str, **kwargs: Any) -> requests.Response:
        response = requests.request(method, url, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs)
        if url == f"{running_idp.url}/token" and response.status_code == 200:
            body = response.json()
            body["id_token"] = _signed_by_someone_else(body["id_token"])
            response._content = json.dumps(body).encode()
        return response

    client = new_client(registration, httpc=forging)
    url = client.init_authorization()
    response = client.finalize_auth(browser.authorize(url, resident=RESIDENT).params)
    with pytest.raises(BadSignature):
        client.get_tokens(response["state"])
    assert client.get_context().cstate.get_claim(response["state"], "access_token") is None


def test_idpyoidc_reads_the_residents_claims_at_userinfo(
    running_idp: RunningIdp, registration: Registration, browser: Browser
) -> None:
    signed_in = sign_in(new_client(registration), browser)
    claims = signed_in.client.get_user_info(signed_in.state).to_dict()
    citizen = running_idp.citizen(RESIDENT_PERSONA)
    assert claims["sub"] == signed_in.id_token["sub"]
    assert claims["name"] == "佐伯 節子"
    assert claims["family_name"] == "佐伯"
    assert claims["given_name"] == "節子"
    assert claims["name#ja-Kana-JP"] == "サエキ セツコ"
    assert claims["family_name#ja-Kana-JP"] == "サエキ"
    assert claims["given_name#ja-Kana-JP"] == "セツコ"
    assert claims["name#ja-Latn-JP"] == "SAEKI Setsuko"
    assert claims["address"] == {
        "formatted": citizen.address,
        "postal_code": "000-0101",
        "country": "JP",
    }
    assert claims["birthdate"] == citizen.birthdate.isoformat()
    assert claims["gender"] == "female"
    assert "my_number" not in claims


# -- refresh -----------------------------------------------------------------------------------


def test_idpyoidc_refresh_rotates_and_reusing_the_old_token_revokes_the_family(
    registration: Registration, browser: Browser
) -> None:
    signed_in = sign_in(new_client(registration), browser)
    client, state = signed_in.client, signed_in.state
    first = signed_in.tokens

    second = client.refresh_access_token(state)
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"], "refresh tokens rotate"
    assert client.get_user_info(state)["sub"] == signed_in.id_token["sub"], "the new token works"

    reused = client.do_request(
        "refresh_token", request_args={"refresh_token": first["refresh_token"]}, state=state
    )
    assert reused["error"] == "invalid_grant"
    # idpyoidc still holds the rotated pair; the reuse revoked it with its whole family.
    held = client.get_context().cstate.get_set(state, claim=["access_token", "refresh_token"])
    assert held == {
        "access_token": second["access_token"],
        "refresh_token": second["refresh_token"],
    }
    with pytest.raises(OidcServiceError, match="invalid_grant"):
        client.refresh_access_token(state)
    with pytest.raises(OidcServiceError, match="invalid_token"):
        client.get_user_info(state)


# -- RP-initiated logout -----------------------------------------------------------------------


def silent_authorization(client: StandAloneClient, browser: Browser) -> Message:
    """``prompt=none`` built by idpyoidc; no page may be shown; idpyoidc's parsed answer."""
    visit = browser.authorize(client.init_authorization(req_args={"prompt": "none"}))
    assert visit.pages == []
    return client.finalize_auth(visit.params)


def test_idpyoidc_logout_ends_the_session_and_returns_with_the_state(
    registration: Registration, browser: Browser
) -> None:
    signed_in = sign_in(new_client(registration), browser)
    client = signed_in.client
    assert "code" in silent_authorization(client, browser), "signed in before the logout"

    logout = client.logout(signed_in.state)
    request = logout["request"]
    assert request["id_token_hint"] == signed_in.tokens["id_token"]
    assert request["post_logout_redirect_uri"] == registration.post_logout_redirect_uri
    assert request["state"]
    answer = browser.get(logout["url"])
    assert answer.status_code == 302
    assert answer.headers["Location"] == (
        f"{registration.post_logout_redirect_uri}?state={request['state']}"
    )

    after = silent_authorization(client, browser)
    assert after["error"] == "login_required"
    with pytest.raises(OidcServiceError, match="invalid_grant"):
        client.refresh_access_token(signed_in.state)
