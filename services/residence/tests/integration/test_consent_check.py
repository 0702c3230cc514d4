"""The consent check itself: residence asks the portal's ``consents`` service through its own
security server (here a small HTTP server playing that security server), and every way the
exchange can fail becomes ``consent-unverifiable`` (503), a 404 from the portal
``consent-not-found`` (403)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask

from govkit.exchange import (
    ExchangeFault,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ProviderError,
    ResponseTooLarge,
    decode_legal_basis,
)
from govkit.testing import from_security_server
from govkit.testing.oidc import closed_port_url
from residence.api.views import CONSENTS_EXTENSION
from residence.domain.errors import ConsentNotFound, ConsentUnverifiable
from residence.providers import ExchangeConsents

RESIDENCE = "JP-KIT/GOV/LG-139998/residence"
CONSENTS_PATH = "/r1/JP-KIT/GOV/DA/portal/consents/"


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeSecurityServer:
    """Answers ``GET /r1/…/consents/<id>`` from ``answers`` and remembers each request."""

    url: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def security_server() -> Iterator[FakeSecurityServer]:
    fake = FakeSecurityServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.seen.append((self.path, dict(self.headers)))
            consent_id = (
                unquote(self.path.removeprefix(CONSENTS_PATH))
                if self.path.startswith(CONSENTS_PATH)
                else ""
            )
            answer = fake.answers.get(consent_id, Answer(404, {"type": "about:blank"}))
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body)
            data = body if isinstance(body, bytes) else body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def wired(register_app: Callable[..., Flask], security_server) -> Iterator[Flask]:
    """The register with its real consent checker, calling through the fake security server."""
    app = register_app(security_server_url=security_server.url, exchange_client=RESIDENCE)
    try:
        yield app
    finally:
        app.extensions[CONSENTS_EXTENSION].close()


def _ask(app: Flask, kit, resident: str, consent_id: str = "C-1"):
    return app.test_client().get(
        f"/exchange/basic-four/residents/{resident}",
        headers=from_security_server(
            **{
                "X-Road-Client": kit.PORTAL,
                "X-Road-Issue": "R-2026-0001",
                "X-Madoguchi-Legal-Basis": f"consent:{consent_id}",
            }
        ),
    )


def test_the_check_goes_to_the_portal_through_the_own_security_server(
    wired, security_server, kit
) -> None:
    resident = kit.xid("H1-1")
    security_server.answers["C-1"] = Answer(200, kit.consent_json())
    answer = _ask(wired, kit, resident)
    assert answer.status_code == 200, answer.get_json()
    ((path, headers),) = security_server.seen
    assert path == "/r1/JP-KIT/GOV/DA/portal/consents/C-1"
    assert headers["X-Road-Client"] == RESIDENCE
    assert headers["X-Road-UserId"] == resident
    assert headers["X-Road-Issue"] == "R-2026-0001"
    assert decode_legal_basis(headers["X-Madoguchi-Legal-Basis"]) == (
        "law:個人情報の保護に関する法律第69条"
    )
    assert decode_legal_basis(headers["X-Madoguchi-Purpose"]) == "consent check"


def test_a_consent_id_is_one_path_segment(wired, security_server, kit) -> None:
    security_server.answers["C/1"] = Answer(200, kit.consent_json(id="C/1"))
    assert _ask(wired, kit, kit.xid("H1-1"), consent_id="C/1").status_code == 200
    assert security_server.seen[0][0] == "/r1/JP-KIT/GOV/DA/portal/consents/C%2F1"


def test_a_withdrawn_consent_from_the_portal_is_refused(wired, security_server, kit) -> None:
    security_server.answers["C-1"] = Answer(
        200, kit.consent_json(status="withdrawn", withdrawn_at="2026-11-24T09:00:00Z")
    )
    body = kit.problem(_ask(wired, kit, kit.xid("H1-1")), 403, "consent-withdrawn")
    assert body["withdrawn_at"] == "2026-11-24T09:00:00Z"


def test_a_404_from_the_portal_is_consent_not_found(wired, security_server, kit) -> None:
    kit.problem(_ask(wired, kit, kit.xid("H1-1")), 403, "consent-not-found")


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (Answer(500, {"type": "about:blank"}), "answered 500"),
        (Answer(400, {"type": "about:blank"}), "answered 400"),
        (
            Answer(
                500,
                {"type": "Server.ServerProxy.ServiceFailed", "message": "m", "detail": "d"},
                {"X-Road-Error": "Server.ServerProxy.ServiceFailed.NetworkError"},
            ),
            "Server.ServerProxy.ServiceFailed.NetworkError",
        ),
        (Answer(200, b"<html>not json</html>"), "not JSON"),
        (Answer(200, {"id": "C-1"}), "not a consent record"),
        (Answer(200, ["C-1"]), "not a consent record"),
    ],
)
def test_a_check_that_fails_on_the_way_is_503(
    wired, security_server, kit, answer: Answer, detail: str
) -> None:
    security_server.answers["C-1"] = answer
    body = kit.problem(_ask(wired, kit, kit.xid("H1-1")), 503, "consent-unverifiable")
    assert detail in body["detail"]


def test_an_unreachable_security_server_is_503(register_app, kit) -> None:
    app = register_app(security_server_url=closed_port_url(), exchange_client=RESIDENCE)
    try:
        body = kit.problem(_ask(app, kit, kit.xid("H1-1")), 503, "consent-unverifiable")
    finally:
        app.extensions[CONSENTS_EXTENSION].close()
    assert "could not be reached" in body["detail"]


def test_without_a_security_server_the_check_is_503_and_names_the_setting(
    register_app, kit
) -> None:
    app = register_app()  # settings name no security server
    body = kit.problem(_ask(app, kit, kit.xid("H1-1")), 503, "consent-unverifiable")
    assert "RESIDENCE_SECURITY_SERVER_URL" in body["detail"]
    # A statutory call needs no consent, so it is still answered.
    answer = app.test_client().get(
        f"/exchange/basic-four/residents/{kit.xid('H1-1')}",
        headers=from_security_server(
            **{"X-Road-Client": kit.PENSION, "X-Madoguchi-Legal-Basis": "law:%E6%B3%95"}
        ),
    )
    assert answer.status_code == 200


class _Failing:
    """An exchange client whose every call raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ExchangeUnavailable("refused"), ConsentUnverifiable),
        (ExchangeTimeout("slow", phase="read"), ConsentUnverifiable),
        (ExchangeTimeout("slow", phase="connect"), ConsentUnverifiable),
        (ExchangeFault("Client.BadRequest", status=400), ConsentUnverifiable),
        (ExchangeFault("Server.ServerProxy.AccessDenied", status=500), ConsentUnverifiable),
        (ProviderError(404, b"{}", {}), ConsentNotFound),
        (ProviderError(503, b"{}", {}), ConsentUnverifiable),
        (ResponseTooLarge(10), ConsentUnverifiable),
        (InvalidResponse("not json"), ConsentUnverifiable),
        (ValueError("bad call"), ConsentUnverifiable),
    ],
)
def test_every_exchange_error_type_is_mapped(error: Exception, expected: type) -> None:
    consents = ExchangeConsents(lambda: _Failing(error))  # type: ignore[arg-type,return-value]
    with pytest.raises(expected) as raised:
        consents.fetch("C-1", subject="x" * 43)
    if expected is ConsentUnverifiable:
        assert raised.value.reason.endswith(".")
