"""Signing in, in tests: through the kit's real identity provider over HTTP, or with a fake one.

* :func:`sign_in_over_http` — a ``requests.Session`` (a browser without JavaScript) opens a
  page of a running service, follows it to the identity provider, picks the demo resident's
  card on the provider's sign-in page, enters the PIN and follows the redirects back. With an
  SSO session already open it comes straight back, without a PIN.
* :class:`FakeProvider` — an in-process OpenID provider for app-factory tests: it answers the
  relying party's HTTP calls (discovery, JWKS, registration, token, userinfo) through a fake
  ``requests`` session and plays the browser's part at ``/authorize``. It checks what the real
  one checks that matters to a client (registered redirect URI, PKCE S256, the
  ``private_key_jwt`` assertion, single-use codes) and can be told to misbehave.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from pydantic import SecretStr

from govkit.auth.client import ProviderClient
from govkit.auth.idtoken import BACKCHANNEL_EVENT, half_hash
from govkit.auth.registration import register_client

DEMO_PIN = "1234"

# -- the real provider, over HTTP ------------------------------------------------------------


class SignInProblem(AssertionError):
    """The sign-in pages did not go as a citizen would expect."""


def _form(soup: BeautifulSoup, action_part: str) -> Tag:
    for form in soup.find_all("form"):
        if action_part in str(form.get("action", "")):
            return form
    raise SignInProblem(f"no form posting to …{action_part}… on the page")


def _csrf(form: Tag) -> str:
    field_ = form.find("input", attrs={"name": "csrf_token"})
    if not isinstance(field_, Tag):
        raise SignInProblem("the sign-in form has no CSRF token")
    return str(field_["value"])


def _card_for(soup: BeautifulSoup, resident: str) -> str:
    for label in soup.select("label.govuk-radios__label"):
        if resident in label.get_text(" ", strip=True):
            radio = soup.find("input", attrs={"id": label.get("for"), "name": "card"})
            if isinstance(radio, Tag):
                return str(radio["value"])
    raise SignInProblem(f"no card for {resident!r} on the provider's sign-in page")


def sign_in_over_http(
    http: requests.Session,
    url: str,
    *,
    resident: str,
    pin: str = DEMO_PIN,
    cancel: bool = False,
    timeout: float = 30.0,
) -> requests.Response:
    """Open ``url`` (a page that needs sign-in, or ``/auth/login``) and sign in as ``resident``
    (a name on the card, e.g. "森下 健太"); the page the service shows afterwards.

    With an SSO session open at the provider no card is asked for. ``cancel=True`` presses
    "Cancel" on the provider's page instead (the service then shows its own page). The PIN is
    sent once: if the provider refuses it, its page is returned (three wrong PINs lock a card).
    """
    response = http.get(url, timeout=timeout)
    card_sent = False
    for _step in range(4):
        page_url = response.url
        path = urlsplit(page_url).path
        if not path.startswith(("/login/", "/consent/")):
            return response  # back at the service (or an error page somewhere)
        soup = BeautifulSoup(response.text, "html.parser")
        if path.startswith("/consent/"):
            form = _form(soup, "/consent/")
            data = {"csrf_token": _csrf(form), "decision": "allow"}
        elif card_sent:
            return response  # the provider refused the card or PIN: its page says why
        elif cancel:
            form = _form(soup, "/cancel/")
            data = {"csrf_token": _csrf(form)}
        else:
            form = _form(soup, "/login/")
            data = {"csrf_token": _csrf(form), "card": _card_for(soup, resident), "pin": pin}
            card_sent = True
        action = urljoin(page_url, str(form["action"]))
        response = http.post(action, data=data, timeout=timeout)
    raise SignInProblem(f"sign-in did not come back to the service (at {response.url})")


# -- an in-process fake provider -------------------------------------------------------------


def closed_port_url() -> str:
    """``http://127.0.0.1:<port>`` where nothing listens: calls there fail at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _response(status: int, body: Any = None, *, url: str = "") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.reason = "OK" if status < 400 else "Error"
    if body is not None:
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
    else:
        response._content = b""
    response.encoding = "utf-8"
    return response


class FakeSession(requests.Session):
    """A ``requests.Session`` whose requests the fake provider answers (no network)."""

    def __init__(self, provider: FakeProvider) -> None:
        super().__init__()
        self.provider = provider

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        return self.provider.handle(method, url, **kwargs)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    challenge: str
    sub: str
    sid: str
    acr: str
    auth_time: int
    used: bool = False


DEMO_PERSON = {
    "name": "森下 健太",
    "family_name": "森下",
    "given_name": "健太",
    "name#ja-Kana-JP": "モリシタ ケンタ",
    "name#ja-Latn-JP": "MORISHITA Kenta",
    "birthdate": "1990-05-12",
    "gender": "male",
    "address": {"formatted": "桜木市中央一丁目2番3号", "postal_code": "000-0101", "country": "JP"},
}


@functools.cache
def _fake_keys() -> tuple[RSAKey, ECKey]:
    """The fake provider's signing keys (an RSA key takes a moment: made once per process)."""
    rsa = RSAKey.generate_key(
        2048, parameters={"kid": "fake-rsa-1", "use": "sig", "alg": "RS256"}, private=True
    )
    ec = ECKey.generate_key(
        "P-256", parameters={"kid": "fake-ec-1", "use": "sig", "alg": "ES256"}, private=True
    )
    return rsa, ec


@dataclass
class FakeProvider:
    """An OpenID provider in the test process (see the module docstring)."""

    issuer: str = field(default_factory=closed_port_url)
    person: dict[str, Any] = field(default_factory=lambda: dict(DEMO_PERSON))
    #: Every request the relying party made: (method, url, keyword arguments).
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    #: Pretend to be unreachable.
    down: bool = False
    #: Answer the token endpoint with this OAuth error instead of tokens.
    token_error: str | None = None
    #: Change the ID token's claims (and header) before signing: ``(claims, header) -> None``.
    tamper: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
    #: Change userinfo's answer.
    userinfo_override: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rsa, self.ec = _fake_keys()
        self.clients: dict[str, dict[str, Any]] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, str] = {}  # access token → sub
        self.seen_jtis: set[str] = set()
        self.sid = secrets.token_urlsafe(16)

    # -- wiring an app to it --------------------------------------------------------------------

    def session(self) -> FakeSession:
        return FakeSession(self)

    def install(self, app: Flask) -> str:
        """Register the app's client here and point its sign-in at this provider; the
        client_id. The app's ``idp_url`` setting must be this provider's ``issuer``."""
        from govkit.auth.web import EXTENSION

        rp = app.extensions[EXTENSION]
        if rp.settings.idp_url != self.issuer:
            raise ValueError(f"build the app with idp_url={self.issuer!r}")
        settings = rp.settings.model_copy(update={"idp_registration_token": SecretStr("fake")})
        done = register_client(
            settings,
            sector=rp.sector,
            client_name=rp.client_name,
            scope=rp.scope,
            http=self.session(),
        )
        rp.provider = ProviderClient(self.issuer, http=self.session())
        rp._identity = None
        return done.registration.client_id

    # -- HTTP ----------------------------------------------------------------------------------

    def handle(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.requests.append((method, url, kwargs))
        if self.down:
            raise requests.ConnectionError("the fake provider is down")
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.issuer:
            raise requests.ConnectionError(f"nothing fake at {url}")
        routes = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/jwks"): self._jwks,
            ("POST", "/register"): self._register,
            ("POST", "/token"): self._token,
            ("GET", "/userinfo"): self._userinfo,
        }
        handler = routes.get((method.upper(), parts.path))
        if handler is None:
            return _response(404, {"error": "not_found"}, url=url)
        return handler(url=url, **kwargs)

    def discovery_document(self) -> dict[str, Any]:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": f"{i}/authorize",
            "token_endpoint": f"{i}/token",
            "userinfo_endpoint": f"{i}/userinfo",
            "jwks_uri": f"{i}/jwks",
            "registration_endpoint": f"{i}/register",
            "end_session_endpoint": f"{i}/logout",
            "authorization_response_iss_parameter_supported": True,
            "backchannel_logout_supported": True,
        }

    def _discovery(self, url: str, **_: Any) -> requests.Response:
        return _response(200, self.discovery_document(), url=url)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.rsa.as_dict(private=False), self.ec.as_dict(private=False)]}

    def _jwks(self, url: str, **_: Any) -> requests.Response:
        return _response(200, self.jwks(), url=url)

    def _register(self, url: str, json: Any = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.get("headers") or {}
        if not str(headers.get("Authorization", "")).startswith("Bearer "):
            return _response(401, {"error": "invalid_token"}, url=url)
        body = json or {}
        software_id = body.get("software_id")
        existing = next(
            (cid for cid, meta in self.clients.items() if meta.get("software_id") == software_id),
            None,
        )
        client_id = existing or f"fake-{secrets.token_hex(6)}"
        self.clients[client_id] = body
        return _response(
            201 if existing is None else 200, {"client_id": client_id, **body}, url=url
        )

    def _client_from_assertion(self, form: dict[str, str]) -> str:
        assertion = form.get("client_assertion", "")
        header = json.loads(base64.urlsafe_b64decode(assertion.split(".")[0] + "=="))
        client_id = form.get("client_id", "")
        client = self.clients.get(client_id)
        if client is None:
            raise PermissionError("unknown client")
        keys = KeySet.import_key_set(client["jwks"])
        token = jwt.decode(assertion, keys.get_by_kid(header.get("kid")), algorithms=["ES256"])
        claims = token.claims
        now = time.time()
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            raise PermissionError("iss/sub")
        if claims.get("aud") != f"{self.issuer}/token":
            raise PermissionError("aud")
        if not claims["iat"] - 30 <= now <= claims["exp"] or claims["exp"] - claims["iat"] > 300:
            raise PermissionError("lifetime")
        if claims["jti"] in self.seen_jtis:
            raise PermissionError("jti reused")
        self.seen_jtis.add(claims["jti"])
        return client_id

    def _token(self, url: str, data: Any = None, **_: Any) -> requests.Response:
        form = dict(data or {})
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return _response(401, {"error": "invalid_client"}, url=url)
        try:
            client_id = self._client_from_assertion(form)
        except Exception as exc:  # noqa: BLE001 - any bad assertion is invalid_client
            return _response(401, {"error": "invalid_client", "error_description": str(exc)})
        if self.token_error is not None:
            return _response(400, {"error": self.token_error}, url=url)
        grant = self.grants.get(form.get("code", ""))
        if grant is None or grant.used or grant.client_id != client_id:
            return _response(400, {"error": "invalid_grant"}, url=url)
        grant.used = True
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != grant.challenge or form.get("redirect_uri") != grant.redirect_uri:
            return _response(400, {"error": "invalid_grant"}, url=url)
        access_token = secrets.token_urlsafe(32)
        self.access_tokens[access_token] = grant.sub
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 600,
            "refresh_token": secrets.token_urlsafe(32),
            "id_token": self.id_token(grant, access_token),
            "scope": grant.scope,
        }
        return _response(200, body, url=url)

    def _userinfo(self, url: str, **kwargs: Any) -> requests.Response:
        header = str((kwargs.get("headers") or {}).get("Authorization", ""))
        sub = self.access_tokens.get(header.removeprefix("Bearer "))
        if sub is None:
            return _response(401, {"error": "invalid_token"}, url=url)
        return _response(200, {"sub": sub, **self.person, **self.userinfo_override}, url=url)

    # -- tokens --------------------------------------------------------------------------------

    def sign(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        header = {"alg": "RS256", "kid": self.rsa.kid, "typ": "JWT", **(header or {})}
        key = self.ec if header["alg"] == "ES256" else self.rsa
        return jwt.encode(header, claims, key, algorithms=[header["alg"]])

    def id_token(self, grant: Grant, access_token: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.sub,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 600,
            "auth_time": grant.auth_time,
            "acr": grant.acr,
            "amr": ["sc", "pin", "mfa"] if grant.acr == "aal3" else ["hwk", "user", "mfa"],
            "sid": grant.sid,
            "at_hash": half_hash(access_token, "RS256"),
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        header: dict[str, Any] = {}
        if self.tamper is not None:
            self.tamper(claims, header)
        return self.sign(claims, header)

    def logout_token(self, client_id: str, *, sid: str | None = None, **changes: Any) -> str:
        """A back-channel logout token for ``client_id`` (``changes`` override claims;
        a value of ``None`` removes the claim)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "sub": "fake-sub",
            "sid": sid or self.sid,
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_urlsafe(16),
            "events": {BACKCHANNEL_EVENT: {}},
        }
        for name, value in changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return self.sign(claims, {"typ": "logout+jwt"})

    # -- the browser at /authorize ------------------------------------------------------------

    def authorize(
        self,
        url: str,
        *,
        acr: str = "aal3",
        sub: str = "fake-sub",
        sid: str | None = None,
        auth_time: int | None = None,
        error: str | None = None,
        state: str | None = None,
        iss: str | None = None,
    ) -> str:
        """Play the provider's authorization endpoint for the browser: the URL it would send
        the browser back to (a code, or ``error``)."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        client = self.clients.get(query.get("client_id", ""))
        if client is None or query.get("redirect_uri") not in client["redirect_uris"]:
            raise AssertionError("the authorization request names an unknown client or URI")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            raise AssertionError("the authorization request has no S256 PKCE challenge")
        if not query.get("nonce") or not query.get("state"):
            raise AssertionError("the authorization request has no nonce or state")
        answer: dict[str, str] = {
            "state": query["state"] if state is None else state,
            "iss": self.issuer if iss is None else iss,
        }
        if error is not None:
            answer["error"] = error
        else:
            code = secrets.token_urlsafe(32)
            self.grants[code] = Grant(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                scope=query.get("scope", "openid"),
                nonce=query.get("nonce"),
                challenge=query["code_challenge"],
                sub=sub,
                sid=sid or self.sid,
                acr=acr,
                auth_time=auth_time if auth_time is not None else int(time.time()),
            )
            answer["code"] = code
        answer = {k: v for k, v in answer.items() if v != ""}
        return f"{query['redirect_uri']}?{urlencode(answer)}"

    def sign_in(self, client: FlaskClient, path: str = "/auth/login", **grant: Any) -> Any:
        """Drive a Flask test client from ``path`` through sign-in; the final response."""
        response = _follow_local(client, client.get(path))
        location = response.headers.get("Location", "")
        if response.status_code not in (302, 303) or not location.startswith(
            f"{self.issuer}/authorize"
        ):
            return response  # already signed in, or sign-in is unavailable
        back = urlsplit(self.authorize(location, **grant))
        return _follow_local(client, client.get(f"{back.path}?{back.query}"))


def _follow_local(client: FlaskClient, response: Any) -> Any:
    for _step in range(10):
        location = response.headers.get("Location", "")
        if response.status_code not in (301, 302, 303) or not location.startswith("/"):
            return response
        response = client.get(location)
    raise AssertionError("too many redirects")
