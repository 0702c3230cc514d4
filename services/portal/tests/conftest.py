"""Fixtures of the portal's tests: portals with and without a seal, a browser that reads its
pages through the page checker, and a status source that asks the portal in-process.

The portal checks a document's status by asking its issuer over HTTP at the address sealed in
the document (its own ``public_url``). A test client's portal does not listen anywhere, so
:class:`ClientStatusSource` makes the same request through the Flask test client and judges the
answer exactly like the real :class:`~govkit.certificates.verify.HttpStatusSource` (it is one,
with only its HTTP session replaced).
"""

from __future__ import annotations

import gc
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from requests.structures import CaseInsensitiveDict

from govkit.certificates.verify import HttpStatusSource
from govkit.exchange import CallContext, ExchangeResponse, ServiceRef, exchange_pseudonym
from govkit.testing import Page, check_page
from govkit.testing.oidc import FakeProvider
from govkit.testing.plugin import RunningTrust, ServiceAppFactory
from govkit.web import get_settings
from portal.documents import PortalDocuments, documents
from portal.exchange import install as install_exchange

#: The kit date every issuing portal in these tests runs on (``today`` setting).
TODAY = date(2026, 5, 20)

#: WeasyPrint opens its sRGB colour profile without closing it (weasyprint/pdf/__init__.py), so
#: every in-process PDF render leaves a ResourceWarning that ``filterwarnings = error`` turns into
#: a failure when the file object is collected. Tests that issue documents ignore that one
#: warning, and only that one (see ``pytest_collection_modifyitems``).
_WEASYPRINT_ICC_LEAK = (
    r"ignore:unclosed file <_io\.BufferedReader name='[^']*sRGB2014\.icc'>:ResourceWarning"
)
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(_HERE) and "issuing_portal" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.filterwarnings(_WEASYPRINT_ICC_LEAK))


class _TestClientSession:
    """The ``get`` of a ``requests.Session``, answered by the app itself."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.requested: list[str] = []

    def get(self, url: str, timeout: float | None = None) -> Any:
        self.requested.append(url)
        parts = urlsplit(url)
        return self.app.test_client().get(parts.path, query_string=parts.query)


class ClientStatusSource(HttpStatusSource):
    """HttpStatusSource, allowed only the portal's own origin, whose GETs go to the test client."""

    def __init__(self, app: Flask) -> None:
        super().__init__([get_settings_of(app).public_url])
        self.session = _TestClientSession(app)  # type: ignore[assignment]

    @property
    def requested(self) -> list[str]:
        return self.session.requested  # type: ignore[attr-defined,no-any-return]


def get_settings_of(app: Flask) -> Any:
    with app.app_context():
        return get_settings()


def store_of(app: Flask) -> PortalDocuments:
    with app.app_context():
        return documents()


def closed_port_url() -> str:
    """An http URL on this machine where nothing listens (the port was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Browser:
    """A test client in one language whose pages all go through :func:`check_page`."""

    def __init__(self, app: Flask, language: str = "ja") -> None:
        self.app = app
        self.language = language
        self.client: FlaskClient = app.test_client()
        if language != "ja":
            self.client.set_cookie("kit_lang", language)

    def page(self, path: str, *, status: int = 200, **expected: Any) -> Page:
        return check_page(self.client.get(path), status=status, lang=self.language, **expected)

    def csrf_token(self, path: str = "/verify") -> str:
        return str(self.page(path).select_one("input[name=csrf_token]")["value"])

    def issue_specimen(self) -> str:
        """Press the start page's button; the id of the issued document."""
        token = self.csrf_token("/certificates/specimen")
        response = self.client.post("/certificates/specimen", data={"csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith("/certificates/specimen/SPC-")
        return location.rsplit("/", 1)[1]


@pytest.fixture
def browser() -> Callable[..., Browser]:
    """``browser(app, "en")``: a fresh browser (its own cookies) on ``app``."""
    return Browser


@pytest.fixture
def portal_app(service_app: ServiceAppFactory) -> Flask:
    """A portal without a seal whose trust service is unreachable (nothing is fetched)."""
    return service_app("portal", trust_url=closed_port_url())


@pytest.fixture
def today() -> date:
    """The kit date of ``issuing_app``."""
    return TODAY


@pytest.fixture
def issuing_portal(
    service_app: ServiceAppFactory, trust_service: RunningTrust
) -> Iterator[Callable[..., Flask]]:
    """``issuing_portal(**settings)``: a portal with a seal from the real trust service, on
    :data:`TODAY`, that checks the status of its own documents through the test client."""

    def build(**settings: Any) -> Flask:
        settings = {"today": TODAY, **trust_service.settings_for_issuers(), **settings}
        app = service_app("portal", **settings)
        store_of(app).status_source = ClientStatusSource(app)
        return app

    yield build
    gc.collect()  # WeasyPrint's leaked file objects go while the warning is still ignored


@pytest.fixture
def issuing_app(issuing_portal: Callable[..., Flask]) -> Flask:
    """A portal that issues specimens (see ``issuing_portal``)."""
    return issuing_portal()


@pytest.fixture
def qr_texts(issuing_app: Flask) -> dict[str, str]:
    """Document id → QR text, for every document ``issuing_app`` issues after this fixture."""
    issuer = store_of(issuing_app).issuer()
    issue = issuer.issue
    captured: dict[str, str] = {}

    def capture(**kwargs: Any) -> Any:
        issued = issue(**kwargs)
        captured[issued.document_id] = issued.qr_text
        return issued

    issuer.issue = capture  # type: ignore[method-assign]
    return captured


# -- the citizen's data: a signed-in citizen with an exchange identity, and a fake exchange --------

#: The demo resident's exchange pseudonym (as the identity provider and the register derive it).
XID = exchange_pseudonym("test-pseudonym-key-0123456789", "H1-1")
PROBLEMS = "https://madoguchi.example/problems/"


def exchange_response(
    status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None
) -> ExchangeResponse:
    """An answer as the exchange client returns it (``body``: JSON value, or bytes)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    content_type = "application/json" if status < 400 else "application/problem+json"
    return ExchangeResponse(
        status=status,
        headers=CaseInsensitiveDict({"Content-Type": content_type, **(headers or {})}),
        body=raw,
        called="fake",
        sent_x_road_id="fake-x-road-id",
    )


def problem(status: int, kind: str, **extra: Any) -> ExchangeResponse:
    body = {"type": PROBLEMS + kind, "title": kind, "status": status, **extra}
    return exchange_response(status, body)


@dataclass
class Call:
    service: str
    path: str
    context: CallContext
    #: Extra headers the call sent (``headers=``), e.g. X-Madoguchi-On-Behalf-Of.
    headers: dict[str, str] = field(default_factory=dict)


class FakeExchange:
    """The exchange as the portal's use cases see it: answers (or errors) per service, and
    every call it was asked to make."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.answers: dict[str, Any] = {}

    reply = staticmethod(exchange_response)
    problem = staticmethod(problem)

    def answer(self, service: str, outcome: Any) -> None:
        """``outcome``: an ExchangeResponse, an exception to raise, or ``f(path, context)``."""
        self.answers[service] = outcome

    def get(self, service: ServiceRef, path: str = "", **kwargs: Any) -> ExchangeResponse:
        context = kwargs.get("context") or CallContext()
        self.calls.append(Call(str(service), path, context, dict(kwargs.get("headers") or {})))
        outcome = self.answers.get(str(service))
        if outcome is None:
            raise AssertionError(f"the test gave no answer for {service}")
        if isinstance(outcome, BaseException):
            raise outcome
        if callable(outcome):
            return outcome(path, context)  # type: ignore[no-any-return]
        return outcome  # type: ignore[no-any-return]


@pytest.fixture
def fake_exchange() -> FakeExchange:
    return FakeExchange()


@pytest.fixture
def citizen_app(
    service_app: ServiceAppFactory, fake_idp: FakeProvider, fake_exchange: FakeExchange
) -> Flask:
    """A portal whose sign-in is the fake provider (releasing :data:`XID`) and whose exchange
    is ``fake_exchange``."""
    app = service_app("portal", idp_url=fake_idp.issuer, today=TODAY)
    fake_idp.install(app)
    fake_idp.tamper = lambda claims, _header: claims.update(exchange_id=XID)
    install_exchange(app, fake_exchange)
    return app


class Citizen(Browser):
    """A browser on ``citizen_app`` that signs in through the fake provider."""

    def __init__(self, app: Flask, provider: FakeProvider, language: str = "ja") -> None:
        super().__init__(app, language)
        self.provider = provider

    def sign_in(self, path: str = "/account", **grant: Any) -> Page:
        return check_page(self.provider.sign_in(self.client, path, **grant), lang=self.language)

    def button_href(self, action: str) -> str:
        """Where the consents page's "give", "refuse" or "withdraw" button leads."""
        page = self.page("/consents")
        hrefs = [
            str(a["href"]) for a in page.select("a.govuk-button") if a["href"].endswith(action)
        ]
        assert len(hrefs) == 1, hrefs
        return hrefs[0]

    def decide(self, action: str) -> Page:
        """Press the button on the consents page, then confirm; the consents page after."""
        confirm = self.button_href(action)
        token = str(self.page(confirm).select_one("input[name=csrf_token]")["value"])
        response = self.client.post(confirm, data={"csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)
        assert response.headers["Location"] == "/consents"
        return self.page("/consents")

    def fetch_details(self, status: int = 200) -> Page:
        """Press "Get my details from Sakuragi City"; the page it answers with."""
        token = self.csrf_token("/my-details")
        response = self.client.post("/my-details", data={"csrf_token": token})
        return check_page(response, status=status, lang=self.language)


@pytest.fixture
def citizen_on(fake_idp: FakeProvider) -> Callable[..., Citizen]:
    """``citizen_on(app, "en")``: a citizen's browser on ``app``, signed in through the fake
    provider (build the app with ``idp_url=fake_idp.issuer``)."""

    def make(app: Flask, language: str = "ja", path: str = "/account") -> Citizen:
        if fake_idp.clients == {}:
            fake_idp.install(app)
        person = Citizen(app, fake_idp, language)
        person.sign_in(path)
        return person

    return make


@pytest.fixture
def citizen(citizen_app: Flask, citizen_on: Callable[..., Citizen]) -> Callable[..., Citizen]:
    """``citizen("en")``: a signed-in citizen's browser on ``citizen_app`` (Japanese unless
    told)."""
    return lambda language="ja", path="/account": citizen_on(citizen_app, language, path)


@pytest.fixture
def xid() -> str:
    return XID
