"""The client against a small local HTTP server that plays the own security server: what goes
out on the wire (raw path, query, headers, body bytes), and every kind of answer."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from govkit.exchange import (
    MAX_RESPONSE_BYTES,
    CallContext,
    ExchangeClient,
    ExchangeFault,
    ExchangeTimeout,
    ExchangeUnavailable,
    ProviderError,
    ResponseTooLarge,
    ServiceRef,
    decode_legal_basis,
    encode_path,
)
from govkit.http import RoutingAdapter

CLIENT = "JP-KIT/GOV/LG-139998/residence"


def service(code: str) -> ServiceRef:
    return ServiceRef("JP-KIT", "GOV", "MOJ", "registry", code)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    release: threading.Event
    hits: list[tuple[str, int]]  # (raw path, client port)
    accepted: list[socket.socket]

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        self.accepted.append(connection)
        return connection, address

    def kill(self) -> None:
        """Stop as a killed process would: the listener and every open connection closed."""
        self.release.set()
        self.shutdown()
        self.server_close()
        for connection in self.accepted:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FakeSecurityServer(BaseHTTPRequestHandler):
    """Answers by the service code: ``echo``, ``fault``, ``redirect``, ``slow`` ..."""

    protocol_version = "HTTP/1.1"
    server: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def do_PUT(self) -> None:
        self.answer()

    def do_HEAD(self) -> None:
        self.answer()

    def answer(self) -> None:
        parts = self.path.split("?", 1)[0].split("/")
        code = unquote(parts[6]) if len(parts) > 6 else ""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.hits.append((self.path, self.client_address[1]))
        handler: Callable[[bytes], None] = getattr(self, "on_" + code.replace("-", "_"))
        try:
            handler(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def x_road_headers(self) -> dict[str, str]:
        return {
            "X_Road_Id": self.headers.get("X-Road-Id", ""),
            "X_Road_Client": self.headers.get("X-Road-Client", ""),
            "X_Road_Service": "/".join(self.path.split("?")[0].split("/")[2:7]),
            "X_Road_Request_Id": str(uuid.uuid4()),
            "X_Road_Request_Hash": base64.b64encode(b"h" * 64).decode(),
        }

    def fault(self, status: int, body: bytes, code: str, **headers: str) -> None:
        self.send(status, body, X_Road_Error=code, Content_Type="application/json", **headers)

    # -- behaviours ----------------------------------------------------------------------------

    def on_echo(self, body: bytes) -> None:
        seen = {
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body": base64.b64encode(body).decode(),
        }
        self.send(
            200,
            json.dumps(seen).encode(),
            Content_Type="application/json",
            **self.x_road_headers(),
        )

    def on_fault(self, _body: bytes) -> None:
        document = {
            "type": "Server.ServerProxy.AccessDenied",
            "message": "Request is not allowed: SERVICE:JP-KIT/GOV/MOJ/registry/fault",
            "detail": "3c4d0f08-440f-417f-b935-bc801e103d51",
        }
        self.fault(
            500,
            json.dumps(document).encode(),
            "Server.ServerProxy.AccessDenied",
            X_Road_Id=self.headers.get("X-Road-Id", ""),
        )

    def on_client_fault(self, _body: bytes) -> None:
        self.fault(
            400, b'{"type":"Client.BadRequest","message":"bad","detail":"d"}', "Client.BadRequest"
        )

    def on_garbled_fault(self, _body: bytes) -> None:
        self.fault(500, b"<html>Internal Server Error</html>", "Server.ClientProxy.NetworkError")

    def on_huge_fault(self, _body: bytes) -> None:
        self.fault(
            500, b'{"message": "' + b"x" * (1024 * 1024) + b'"}', "Server.ClientProxy.IOError"
        )

    def on_not_found(self, _body: bytes) -> None:
        self.send(
            404,
            b'{"title":"Not Found"}',
            Content_Type="application/problem+json",
            **self.x_road_headers(),
        )

    def on_redirect(self, _body: bytes) -> None:
        location = self.path.replace("/redirect", "/echo")
        self.send(302, b"moved", Location=location, **self.x_road_headers())

    def on_slow(self, _body: bytes) -> None:
        self.server.release.wait(5)
        self.send(200, b"late")

    def on_slow_body(self, _body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "10")
        self.end_headers()
        self.wfile.write(b"ab")
        self.wfile.flush()
        self.server.release.wait(5)
        self.wfile.write(b"cdefghij")

    def on_truncated(self, _body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"x" * 10)
        self.close_connection = True

    def on_huge(self, _body: bytes) -> None:
        # No Content-Length: the client only finds out by reading.
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"x" * 65536
        for _ in range(MAX_RESPONSE_BYTES // len(chunk)):
            self.wfile.write(chunk)
        self.wfile.write(b"!")

    def on_huge_declared(self, _body: bytes) -> None:
        self.send(200, b"x" * 1024, Content_Length=str(MAX_RESPONSE_BYTES + 1))
        self.close_connection = True

    def on_at_cap(self, _body: bytes) -> None:
        self.send(200, b"x" * MAX_RESPONSE_BYTES)


def start(port: int = 0) -> tuple[FakeServer, threading.Thread]:
    server = FakeServer(("127.0.0.1", port), FakeSecurityServer)
    server.release = threading.Event()
    server.hits = []
    server.accepted = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop(server: FakeServer, thread: threading.Thread) -> None:
    server.kill()
    thread.join(5)


@pytest.fixture(scope="module")
def security_server() -> Iterator[FakeServer]:
    server, thread = start()
    yield server
    stop(server, thread)


@pytest.fixture
def client(security_server: FakeServer) -> Iterator[ExchangeClient]:
    security_server.hits.clear()
    exchange = ExchangeClient(f"http://127.0.0.1:{security_server.server_address[1]}", CLIENT)
    yield exchange
    exchange.close()


def echoed(answer: Any) -> dict[str, Any]:
    seen = answer.json()
    seen["headers"] = {name.lower(): value for name, value in seen["headers"]}
    seen["body"] = base64.b64decode(seen["body"])
    return seen


# -- what goes out -------------------------------------------------------------------------------


def test_the_wire_carries_the_exact_path_query_headers_and_body(client: ExchangeClient) -> None:
    body = b'\x00\xff\r\n--boundary\r\n{"a": 1}\x80'
    query = "a=1&a=2&q=a+b&r=%E3%81%82&s=/?:@!$'()*,;&empty=&flag"
    answer = client.call(
        service("echo"),
        "POST",
        encode_path("v1", "a/b", "山田") + "/x;y=1",
        query=query,
        body=body,
        headers={"Content-Type": "application/octet-stream", "X-Trace": "t-1"},
        context=CallContext(
            issue="R-2026-000123",
            user_id="JPq3vO9bZ1o0hYk8m7pW4rS2tU6vX5yA1bC3dE5fG7h",
            legal_basis="law:住民基本台帳法第30条の11",
            x_road_id="JP-KIT-6b1d",
            request_id="req-9",
        ),
    )
    seen = echoed(answer)
    assert seen["method"] == "POST"
    assert seen["path"] == (
        "/r1/JP-KIT/GOV/MOJ/registry/echo/v1/a%2Fb/%E5%B1%B1%E7%94%B0/x;y=1?" + query
    )
    assert seen["body"] == body
    headers = seen["headers"]
    assert headers["x-road-client"] == CLIENT
    assert headers["x-road-id"] == "JP-KIT-6b1d"
    assert headers["x-road-userid"] == "JPq3vO9bZ1o0hYk8m7pW4rS2tU6vX5yA1bC3dE5fG7h"
    assert headers["x-road-issue"] == "R-2026-000123"
    assert decode_legal_basis(headers["x-madoguchi-legal-basis"]) == "law:住民基本台帳法第30条の11"
    assert headers["x-request-id"] == "req-9"
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-length"] == str(len(body))
    assert headers["x-trace"] == "t-1"
    assert headers["user-agent"] == "govkit-exchange/1"
    # The answer's X-Road headers are read.
    assert answer.status == 200
    assert answer.x_road_id == "JP-KIT-6b1d"
    assert answer.client == CLIENT
    assert answer.service == "JP-KIT/GOV/MOJ/registry/echo"
    assert uuid.UUID(answer.request_id or "")
    assert answer.request_hash == base64.b64encode(b"h" * 64).decode()


def test_a_service_code_with_a_slash_stays_one_part(client: ExchangeClient) -> None:
    # The fake reads part 6 as the code; "echo" is reached only if "%2F" was kept.
    seen = echoed(client.get(ServiceRef("JP/KIT", "GOV", "MOJ", "reg/istry", "echo")))
    assert seen["path"] == "/r1/JP%2FKIT/GOV/MOJ/reg%2Fistry/echo"


def test_json_goes_out_as_utf8(client: ExchangeClient) -> None:
    seen = echoed(client.post(service("echo"), "/v1", json={"氏名": "山田 太郎"}))
    assert seen["body"] == '{"氏名":"山田 太郎"}'.encode()
    assert seen["headers"]["content-type"] == "application/json"
    assert "x-road-userid" not in seen["headers"]
    assert "x-madoguchi-legal-basis" not in seen["headers"]


def test_a_mapping_query_is_encoded(client: ExchangeClient) -> None:
    seen = echoed(client.get(service("echo"), query={"name": "山田 太郎", "n": ["1", "2"]}))
    assert seen["path"].endswith("?name=%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E&n=1&n=2")


def test_calls_share_one_keep_alive_connection(
    client: ExchangeClient, security_server: FakeServer
) -> None:
    for _ in range(3):
        client.get(service("echo"))
    ports = {port for _path, port in security_server.hits}
    assert len(security_server.hits) == 3
    assert len(ports) == 1


def test_threads_share_the_client(client: ExchangeClient) -> None:
    def one(index: int) -> str:
        answer = client.get(service("echo"), context=CallContext(x_road_id=f"id-{index}"))
        return echoed(answer)["headers"]["x-road-id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(one, range(32))) == [f"id-{index}" for index in range(32)]


# -- what comes back -----------------------------------------------------------------------------


def test_an_exchange_fault_is_raised_with_its_code(client: ExchangeClient) -> None:
    with pytest.raises(ExchangeFault) as caught:
        client.get(service("fault"), context=CallContext(x_road_id="JP-KIT-1"))
    fault = caught.value
    assert fault.code == "Server.ServerProxy.AccessDenied"
    assert fault.message == "Request is not allowed: SERVICE:JP-KIT/GOV/MOJ/registry/fault"
    assert fault.detail == "3c4d0f08-440f-417f-b935-bc801e103d51"
    assert fault.status == 500
    assert fault.x_road_id == "JP-KIT-1"
    assert not fault.is_client_fault


def test_a_client_fault(client: ExchangeClient) -> None:
    with pytest.raises(ExchangeFault) as caught:
        client.get(service("client-fault"))
    assert caught.value.is_client_fault
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("garbled-fault", "Server.ClientProxy.NetworkError"),
        ("huge-fault", "Server.ClientProxy.IOError"),
    ],
)
def test_an_unreadable_fault_body_still_gives_the_code(
    client: ExchangeClient, code: str, expected: str
) -> None:
    with pytest.raises(ExchangeFault) as caught:
        client.get(service(code))
    assert (caught.value.code, caught.value.message, caught.value.status) == (expected, "", 500)
    # The connection is usable afterwards.
    assert client.get(service("echo")).status == 200


def test_a_provider_error_is_an_answer_until_asked(client: ExchangeClient) -> None:
    answer = client.get(service("not-found"))
    assert (answer.status, answer.body) == (404, b'{"title":"Not Found"}')
    with pytest.raises(ProviderError) as caught:
        answer.raise_for_status()
    assert (caught.value.status, caught.value.body) == (404, b'{"title":"Not Found"}')


def test_a_redirect_is_returned_not_followed(
    client: ExchangeClient, security_server: FakeServer
) -> None:
    answer = client.get(service("redirect"), "/v1")
    assert answer.status == 302
    assert answer.headers["Location"] == "/r1/JP-KIT/GOV/MOJ/registry/echo/v1"
    assert answer.body == b"moved"
    assert [path for path, _port in security_server.hits] == [
        "/r1/JP-KIT/GOV/MOJ/registry/redirect/v1"
    ]
    with pytest.raises(ProviderError):
        answer.raise_for_status()


def test_no_answer_in_time_is_a_timeout(client: ExchangeClient) -> None:
    with pytest.raises(ExchangeTimeout) as caught:
        client.get(service("slow"), timeout=(2.0, 0.2), context=CallContext(x_road_id="id-s"))
    assert caught.value.phase == "read"
    assert caught.value.x_road_id == "id-s"


def test_a_body_that_stalls_is_a_timeout(client: ExchangeClient) -> None:
    with pytest.raises(ExchangeTimeout) as caught:
        client.get(service("slow-body"), timeout=(2.0, 0.2))
    assert caught.value.phase == "read"


def test_a_dropped_connection_means_unavailable(client: ExchangeClient) -> None:
    with pytest.raises(ExchangeUnavailable):
        client.get(service("truncated"))


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_security_server_that_is_down_is_unavailable(closed_port: int) -> None:
    exchange = ExchangeClient(f"http://127.0.0.1:{closed_port}", CLIENT)
    with pytest.raises(ExchangeUnavailable) as caught:
        exchange.get(service("echo"), context=CallContext(x_road_id="id-d"))
    assert caught.value.x_road_id == "id-d"
    assert caught.value.service == "JP-KIT/GOV/MOJ/registry/echo"


@pytest.mark.parametrize("code", ["huge", "huge-declared"])
def test_a_body_over_the_cap_is_refused(client: ExchangeClient, code: str) -> None:
    with pytest.raises(ResponseTooLarge) as caught:
        client.get(service(code))
    assert caught.value.limit == MAX_RESPONSE_BYTES
    assert client.get(service("echo")).status == 200


def test_a_body_at_the_cap_is_read(client: ExchangeClient) -> None:
    assert len(client.get(service("at-cap")).body) == MAX_RESPONSE_BYTES


def test_head_reads_no_body(client: ExchangeClient) -> None:
    answer = client.call(service("echo"), "HEAD")
    assert (answer.status, answer.body) == (200, b"")
    assert client.get(service("echo")).status == 200


def test_traffic_resumes_when_the_security_server_restarts() -> None:
    server, thread = start()
    port = server.server_address[1]
    exchange = ExchangeClient(f"http://127.0.0.1:{port}", CLIENT)
    try:
        assert exchange.get(service("echo")).status == 200  # a pooled keep-alive connection
        stop(server, thread)
        with pytest.raises(ExchangeUnavailable):
            exchange.get(service("echo"))
        server, thread = start(port)
        assert exchange.get(service("echo")).status == 200
    finally:
        exchange.close()
        stop(server, thread)


def test_internal_routes_are_honoured_and_the_path_kept(security_server: FakeServer) -> None:
    # What govkit.http.kit_session mounts when KIT_INTERNAL_ROUTES is set.
    internal = f"http://127.0.0.1:{security_server.server_address[1]}"
    session = requests.Session()
    session.mount("http://", RoutingAdapter({"http://ss.residence.example:8101": internal}))
    exchange = ExchangeClient("http://ss.residence.example:8101", CLIENT, http=session)
    try:
        seen = echoed(exchange.get(service("echo"), "/v1/a%2Fb", query="x=%41"))
    finally:
        exchange.close()
    assert seen["path"] == "/r1/JP-KIT/GOV/MOJ/registry/echo/v1/a%2Fb?x=%41"
