"""KIT_INTERNAL_ROUTES: parsing, and a session that really connects to the routed address
while the request keeps its browser-facing URL everywhere above the transport."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from govkit.config import ServiceSettings, SettingsError, parse_routes
from govkit.http import kit_session, route
from govkit.testing.oidc import closed_port_url


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    env_prefix: ClassVar[str] = "DEMO_"


def _settings(**environ: str) -> DemoSettings:
    return DemoSettings.from_env({"KIT_ENVIRONMENT": "development", **environ})


def test_routes_are_parsed_into_origins() -> None:
    text = " http://localhost:8001=http://idp:8000 ,\n http://localhost:8011/=http://residence:8000"
    assert parse_routes(text) == {
        "http://localhost:8001": "http://idp:8000",
        "http://localhost:8011": "http://residence:8000",
    }
    assert parse_routes("") == {}


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("http://localhost:8001", "is not browser-origin=internal-origin"),
        ("localhost:8001=http://idp:8000", "is not an http(s) origin"),
        ("http://localhost:8001=http://idp:8000/token", "has more than an origin"),
        ("http://localhost:8001=ftp://idp", "is not an http(s) origin"),
    ],
)
def test_a_wrong_route_is_named(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        parse_routes(text)


def test_settings_refuse_a_wrong_route_naming_the_variable() -> None:
    with pytest.raises(SettingsError) as caught:
        _settings(KIT_INTERNAL_ROUTES="http://localhost:8001")
    assert "KIT_INTERNAL_ROUTES" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:8001/token", "http://idp:8000/token"),
        ("http://localhost:8001", "http://idp:8000"),
        ("http://localhost:8001?x=1", "http://idp:8000?x=1"),
        ("http://localhost:80011/token", "http://localhost:80011/token"),  # another port
        ("https://localhost:8001/token", "https://localhost:8001/token"),  # another scheme
        ("http://localhost:8002/tsa", "http://localhost:8002/tsa"),
    ],
)
def test_only_the_mapped_origin_is_rewritten(url: str, expected: str) -> None:
    assert route(url, {"http://localhost:8001": "http://idp:8000"}) == expected


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"{self.path} {self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_kit_session_connects_to_the_routed_address(echo: str) -> None:
    public = closed_port_url()  # nothing listens there
    settings = _settings(KIT_INTERNAL_ROUTES=f"{public}={echo}")
    with kit_session(settings) as session:
        answer = session.get(f"{public}/jwks?x=1", timeout=5)
    assert answer.status_code == 200
    assert answer.text == f"/jwks?x=1 {echo.removeprefix('http://')}"


def test_without_routes_a_kit_session_goes_where_the_url_says(echo: str) -> None:
    with kit_session(_settings()) as session:
        assert session.get(f"{echo}/healthz", timeout=5).text.startswith("/healthz ")
