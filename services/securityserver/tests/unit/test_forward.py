"""The provider's security server calling its information system (a local HTTP server here):
byte-transparent requests, answers passed through, redirects returned, and the layer's own
errors when the provider cannot answer."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3

from securityserver.catalogue import OfferedService
from securityserver.forward import forward, provider_session
from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.identifiers import ClientId, ServiceId

SERVICE_ID = ServiceId(ClientId("JP-KIT", "GOV", "LG-139998", "residence"), "basic-four")
GZIPPED = gzip.compress(b'{"name": "\xe6\xa3\xae\xe4\xb8\x8b"}')


class Provider(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/exchange/slow"):
            time.sleep(2)
        if self.path.startswith("/exchange/redirect"):
            self.send_response(302)
            self.send_header("Location", "/exchange/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/exchange/missing"):
            payload, status, extra = b'{"error": "no such person"}', 404, {}
        elif self.path.startswith("/exchange/gzip"):
            payload, status, extra = GZIPPED, 200, {"Content-Encoding": "gzip"}
        elif self.path.startswith("/exchange/huge"):
            payload, status, extra = b"x" * 5000, 200, {}
        else:
            seen = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
            }
            payload, status, extra = json.dumps(seen).encode(), 200, {}
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **extra}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        try:
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the forwarder stopped waiting (the time-out and size-cap tests)

    do_GET = do_POST = _answer  # noqa: N815 - the names http.server calls

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    pool = provider_session()
    yield pool
    pool.clear()


def _offered(base_url: str, timeout: float = 5.0) -> OfferedService:
    return OfferedService(SERVICE_ID, base_url, timeout, None, True, "")


def _call(http, base_url: str, path: str, query: str | None = None, **kwargs):
    options = {"method": "GET", "headers": [], "body": None, "max_body": 1024 * 1024} | kwargs
    return forward(
        http,
        _offered(base_url, kwargs.pop("timeout", 5.0)),
        method=options["method"],
        raw_service_path=path,
        raw_query=query,
        headers=options["headers"],
        body=options["body"],
        max_body=options["max_body"],
    )


def test_the_request_reaches_the_provider_byte_for_byte(provider: str, http) -> None:
    body = b'{"query": "\xe6\xa3\xae"}\x00\xff'
    answer = _call(
        http,
        f"{provider}/exchange/echo",
        "/people/%E6%A3%AE%2Fx/./a",
        "b=%20c&&d=%7e=x",
        method="POST",
        headers=[("X-Road-Client", "JP-KIT/GOV/JPS/pension"), ("Content-Type", "application/json")],
        body=body,
    )
    seen = json.loads(answer.body)
    assert answer.status == 200
    assert seen["method"] == "POST"
    # Escapes reach the provider in upper case (urllib3 writes them so; RFC 3986 §6.2.2.1
    # makes %7e and %7E the same); everything else is as sent, "/./" and "&&" included.
    assert seen["path"] == "/exchange/echo/people/%E6%A3%AE%2Fx/./a?b=%20c&&d=%7E=x"
    assert seen["body"].encode("latin-1") == body
    names = [name.lower() for name, _value in seen["headers"]]
    assert "x-road-client" in names
    assert "cookie" not in names


def test_an_error_of_the_provider_is_its_answer(provider: str, http) -> None:
    answer = _call(http, f"{provider}/exchange/missing", "/people/1")
    assert answer.status == 404
    assert answer.body == b'{"error": "no such person"}'


def test_a_redirect_is_returned_not_followed(provider: str, http) -> None:
    answer = _call(http, f"{provider}/exchange/redirect", "/x")
    assert answer.status == 302
    assert dict(answer.headers)["Location"] == "/exchange/elsewhere"


def test_an_encoded_answer_comes_back_as_it_was_sent(provider: str, http) -> None:
    answer = _call(http, f"{provider}/exchange/gzip", "")
    assert answer.body == GZIPPED
    assert dict(answer.headers)["Content-Encoding"] == "gzip"


def test_a_slow_provider_is_a_read_timeout(provider: str, http) -> None:
    with pytest.raises(ExchangeError) as caught:
        _call(http, f"{provider}/exchange/slow", "/x", timeout=0.3)
    assert caught.value.code == "Server.ServerProxy.ServiceFailed.IOError"
    assert caught.value.message.startswith("Read timed out")
    assert caught.value.status == 500


def test_a_provider_that_is_down_is_a_network_error(http) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ExchangeError) as caught:
        _call(http, f"http://127.0.0.1:{port}/exchange", "/x")
    assert caught.value.code == "Server.ServerProxy.ServiceFailed.NetworkError"
    assert "could not be reached" in caught.value.message


def test_an_answer_over_the_cap_is_refused(provider: str, http) -> None:
    with pytest.raises(ExchangeError) as caught:
        _call(http, f"{provider}/exchange/huge", "", max_body=4096)
    assert caught.value.code == "Server.ServerProxy.ServiceFailed.IOError"
    assert "more than 4,096 bytes" in caught.value.message
    assert _call(http, f"{provider}/exchange/huge", "", max_body=5000).body == b"x" * 5000
