"""Fixtures for tests against a *running* provider: the trust service and the idp as real
processes (the launcher of `make up`, free ports), driven over HTTP.

* ``running_idp`` — one trust + idp stack for the whole test session, with the registration
  token and the idp's database (for facts a test compares with, never to change the flow);
* :class:`Browser` — a browser without JavaScript (a ``requests.Session``) that follows the
  provider's pages by hand: the card page (the demo resident's card and PIN), the consent
  page, and stops at the relying party's redirect URI, which nobody serves;
* :class:`HttpRP` — a minimal relying party written here (PKCE S256, nonce, state,
  ``private_key_jwt``), which checks the ID token's signature against the provider's JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup, Tag
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from sqlmodel import select

from govkit.db import Database
from govkit.service import load_definition
from govkit.stack import Stack
from govkit.testing.oidc import closed_port_url
from govkit.testing.plugin import start_stack
from idp.models import Citizen

KENTA = "森下 健太"
KENTA_PERSONA = "H1-1"
DEMO_PIN = "1234"
SCOPE = "openid name address birthdate gender"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 15


@dataclass
class RunningIdp:
    """The idp of a running trust + idp stack."""

    stack: Stack
    url: str
    registration_token: str
    database: Database
    #: Where relying parties "live": nothing listens there, the tests never go there.
    rp_base: str = field(default_factory=closed_port_url)

    def register(self, **metadata: Any) -> dict[str, Any]:
        """``POST /register`` with the kit's registration token; the registration response."""
        answer = requests.post(
            f"{self.url}/register",
            json=metadata,
            headers={"Authorization": f"Bearer {self.registration_token}"},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def jwks(self) -> KeySet:
        answer = requests.get(f"{self.url}/jwks", timeout=TIMEOUT)
        assert answer.status_code == 200
        return KeySet.import_key_set(answer.json())

    def citizen(self, persona: str = KENTA_PERSONA) -> Citizen:
        with self.database.session() as session:
            row = session.exec(select(Citizen).where(Citizen.persona == persona)).one()
            session.expunge(row)
            return row


@pytest.fixture(scope="session")
def running_idp(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningIdp]:
    stack = start_stack(
        pytestconfig,
        tmp_path_factory.mktemp("idp-var"),
        ["trust", "idp"],
        # Every test signs in from 127.0.0.1: keep the per-address limits out of the way.
        {"IDP_RATE_LIMIT_LOGIN": "1000 per minute", "IDP_RATE_LIMIT_PIN": "1000 per minute"},
    )
    try:
        spec = next(s for s in stack.manifest.services if s.instance == "idp")
        environment = stack.environment_for(spec)
        settings = load_definition("idp").settings(environment)
        database = Database(settings.database_url)
        try:
            yield RunningIdp(
                stack=stack,
                url=stack.url("idp"),
                registration_token=environment["KIT_IDP_REGISTRATION_TOKEN"],
                database=database,
            )
        finally:
            database.dispose()
    finally:
        stack.stop()


# -- the browser -----------------------------------------------------------------------------


@dataclass
class Visit:
    """Where an authorization request ended, and what the citizen saw on the way."""

    #: The URL the provider finally sent the browser to (the RP's), or None (a page).
    callback: str | None
    #: The provider's pages shown, by path prefix: "/login/", "/consent/".
    pages: list[str]
    #: The card page's text, when it was shown.
    login_text: str = ""
    #: The last response (the page the browser stayed on when there is no callback).
    last: requests.Response | None = None

    @property
    def card_asked(self) -> bool:
        return "/login/" in self.pages

    @property
    def params(self) -> dict[str, str]:
        assert self.callback is not None, "the provider did not send the browser back"
        return dict(parse_qsl(urlsplit(self.callback).query))


def _form(soup: BeautifulSoup, action_part: str) -> Tag:
    for form in soup.find_all("form"):
        if action_part in str(form.get("action", "")):
            return form
    raise AssertionError(f"no form posting to …{action_part}… on the page")


def _csrf(form: Tag) -> str:
    return str(form.find("input", attrs={"name": "csrf_token"})["value"])


def _card_for(soup: BeautifulSoup, resident: str) -> str:
    for label in soup.select("label.govuk-radios__label"):
        if resident in label.get_text(" ", strip=True):
            radio = soup.find("input", attrs={"id": label.get("for"), "name": "card"})
            return str(radio["value"])
    raise AssertionError(f"no card for {resident!r} on the card page")


class Browser:
    """A browser without JavaScript that follows every redirect by hand."""

    def __init__(self, rp_base: str) -> None:
        self.rp_base = rp_base
        self.http = requests.Session()
        self.http.cookies.set("kit_lang", "en")

    def close(self) -> None:
        self.http.close()

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, allow_redirects=False, timeout=TIMEOUT)

    def authorize(self, url: str, *, resident: str = KENTA, pin: str = DEMO_PIN) -> Visit:
        """Open an authorization URL; sign in with the resident's card and agree when asked;
        stop at the relying party's redirect URI (or at a page the provider stays on)."""
        visit = Visit(callback=None, pages=[])
        response = self.get(url)
        for _step in range(12):
            if response.status_code in (301, 302, 303):
                location = urljoin(response.url, response.headers["Location"])
                if location.startswith(self.rp_base):
                    visit.callback = location
                    return visit
                response = self.get(location)
                continue
            visit.last = response
            path = urlsplit(response.url).path
            soup = BeautifulSoup(response.text, "html.parser")
            if path.startswith("/login/") and "/login/" not in visit.pages:
                visit.pages.append("/login/")
                visit.login_text = soup.get_text(" ", strip=True)
                form = _form(soup, "/login/")
                data = {"csrf_token": _csrf(form), "card": _card_for(soup, resident), "pin": pin}
            elif path.startswith("/consent/") and "/consent/" not in visit.pages:
                visit.pages.append("/consent/")
                form = _form(soup, "/consent/")
                data = {"csrf_token": _csrf(form), "decision": "allow"}
            else:
                return visit  # a page the provider stays on (an error, a refused PIN)
            action = urljoin(response.url, str(form["action"]))
            response = self.http.post(action, data=data, allow_redirects=False, timeout=TIMEOUT)
        raise AssertionError(f"the authorization did not end (at {response.url})")


@pytest.fixture
def browser(running_idp: RunningIdp) -> Iterator[Browser]:
    browser = Browser(running_idp.rp_base)
    try:
        yield browser
    finally:
        browser.close()


# -- a minimal relying party ------------------------------------------------------------------


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class HttpRP:
    """A relying party registered with ``private_key_jwt`` (an EC P-256 key of its own)."""

    idp: RunningIdp
    client_id: str
    key: ECKey
    redirect_uri: str
    post_logout_redirect_uri: str
    #: state → (code verifier, nonce) of the requests sent.
    sent: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def register(cls, idp: RunningIdp, name: str, **metadata: Any) -> HttpRP:
        key = ECKey.generate_key("P-256", private=True, auto_kid=True)
        redirect_uri = f"{idp.rp_base}/{name}/callback"
        post_logout = f"{idp.rp_base}/{name}/signed-out"
        body = {
            "client_name": f"Test RP {name}",
            "redirect_uris": [redirect_uri],
            "post_logout_redirect_uris": [post_logout],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [key.as_dict(private=False)]},
            "scope": SCOPE,
            **metadata,
        }
        answer = idp.register(**body)
        return cls(idp, answer["client_id"], key, redirect_uri, post_logout)

    def authorize_url(self, **extra: str) -> str:
        verifier = secrets.token_urlsafe(48)
        state = secrets.token_urlsafe(12)
        nonce = secrets.token_urlsafe(12)
        self.sent[state] = (verifier, nonce)
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
            **extra,
        }
        return f"{self.idp.url}/authorize?{urlencode(params)}"

    def assertion(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": f"{self.idp.url}/token",
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, claims, self.key)

    def redeem(self, visit: Visit) -> dict[str, Any]:
        """Exchange the code the visit brought back; the token response, ID token checked
        (signature by a published key, iss, aud, nonce) and decoded as ``id_claims``."""
        params = visit.params
        assert "code" in params, params
        assert params["iss"] == self.idp.url
        verifier, nonce = self.sent.pop(params["state"])
        answer = requests.post(
            f"{self.idp.url}/token",
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": self.redirect_uri,
                "code_verifier": verifier,
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": self.assertion(),
            },
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        token = jwt.decode(body["id_token"], self.idp.jwks(), algorithms=["RS256", "ES256"])
        claims = token.claims
        assert claims["iss"] == self.idp.url
        assert claims["aud"] == self.client_id
        assert claims["nonce"] == nonce
        body["id_header"], body["id_claims"] = token.header, claims
        return body

    def refresh(self, refresh_token: str) -> requests.Response:
        return requests.post(
            f"{self.idp.url}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": self.assertion(),
            },
            timeout=TIMEOUT,
        )

    def sign_in(self, browser: Browser, **extra: str) -> dict[str, Any]:
        """Authorize (card and consent as needed) and redeem: the checked token response."""
        visit = browser.authorize(self.authorize_url(**extra))
        body = self.redeem(visit)
        body["visit"] = visit
        return body


@pytest.fixture(scope="module")
def rp(running_idp: RunningIdp) -> HttpRP:
    """A relying party for the module's tests (each test uses its own browser)."""
    return HttpRP.register(running_idp, "rp-" + secrets.token_hex(3))


@pytest.fixture
def register_rp(running_idp: RunningIdp) -> Callable[..., HttpRP]:
    """``register_rp(name, **metadata)`` → another relying party."""

    def register(name: str, **metadata: Any) -> HttpRP:
        return HttpRP.register(running_idp, f"{name}-{secrets.token_hex(3)}", **metadata)

    return register
