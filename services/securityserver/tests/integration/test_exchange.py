"""The exchange end to end: two real security servers (ss-da, ss-lg139998) between a consumer
and a provider information system, with trust and central running, as `make up` starts them
(and the real resident register, for one call a government verifier's check makes).

Every bad input of issue #5 gets its exact fault type and status here; the provider IS is a
small recording server, so "nothing forwarded" is checked, not assumed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from govkit.db import Database
from govkit.exchange import exchange_pseudonym
from govkit.exchange.provider import SECURITY_SERVER_TOKEN_HEADER
from govkit.stack import Manifest, Stack, free_port
from securityserver import proxy
from securityserver.configuration import GlobalConfCache, read_anchor
from securityserver.envelope import Envelope
from securityserver.keys import load_signing_keys, load_tls_keys
from securityserver.peers import PeerAnswer, Peers
from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.headers import request_hash, request_header_part
from securityserver.runtime import Runtime, load_catalogue
from securityserver.settings import SecurityServerSettings
from securityserver.signing import sign_message

PORTAL = "JP-KIT/GOV/DA/portal"
ECHO = "/r1/JP-KIT/GOV/LG-139998/residence/echo"
CAP = 256 * 1024  # the consumer's body cap in this stack (default 10 MiB)


class Provider:
    """A provider information system that records what reaches it."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        self.seen.append(
            {
                "method": request.method,
                "raw_uri": environ.get("RAW_URI") or environ.get("REQUEST_URI"),
                "headers": dict(request.headers),
                "body": body.decode("utf-8", "replace"),
            }
        )
        path = request.path
        if path.startswith("/slow"):
            time.sleep(3)
        if path.startswith("/teapot"):
            response = Response("short and stout", 418, {"X-Provider": "yes"})
        elif path.startswith("/redirect"):
            response = Response("", 302, {"Location": "/elsewhere"})
        elif path == "/openapi.json":
            response = Response(
                json.dumps(
                    {
                        "openapi": "3.1.0",
                        "info": {"title": "echo", "version": "1"},
                        "servers": [{"url": f"{self.url}/base/v1"}],
                        "paths": {},
                    }
                ),
                200,
                {"Content-Type": "application/json"},
            )
        else:
            echo = {**self.seen[-1], "body": self.seen[-1]["body"][:1000]}
            response = Response(
                json.dumps({"echo": echo}), 200, {"Content-Type": "application/json"}
            )
        return response(environ, start_response)


def _catalogue(provider: Provider, unused_port: int) -> str:
    right = 'client = "JP-KIT/GOV/DA/portal"'
    return f"""
[[services]]
subsystem = "residence"
code = "echo"
base_url = "{provider.url}"
openapi = "{provider.url}/openapi.json"
timeout = 1

[[services.rights]]
{right}
method = "*"
path = "/echo/**"

[[services.rights]]
{right}
method = "GET"
path = "/teapot"

[[services.rights]]
{right}
method = "GET"
path = "/redirect"

[[services.rights]]
{right}
method = "GET"
path = "/slow"

[[services]]
subsystem = "residence"
code = "private"
base_url = "{provider.url}"

[[services]]
subsystem = "archive"
code = "records"
base_url = "{provider.url}"

[[services]]
subsystem = "residence"
code = "closed"
base_url = "{provider.url}"
enabled = false
notice = "Closed for maintenance until 2026-12-01"

[[services.rights]]
{right}

[[services]]
subsystem = "residence"
code = "down"
base_url = "http://127.0.0.1:{unused_port}"

[[services.rights]]
{right}

[[services]]
subsystem = "residence"
code = "address-check"
base_url = "{{residence_url}}/exchange/address-check"
timeout = 10

[[services.rights]]
{right}
method = "GET"
path = "/certificates/*"
"""


@dataclasses.dataclass
class Exchange:
    stack: Stack
    provider: Provider
    _tokens: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def consumer(self) -> str:
        return self.stack.url("ss-da")

    def token(self, instance: str = "ss-da") -> dict[str, str]:
        """The header an information system of ``instance``'s member authenticates with."""
        if instance not in self._tokens:
            secret = self.settings(instance).information_system_token
            assert secret is not None
            self._tokens[instance] = secret.get_secret_value()
        return {SECURITY_SERVER_TOKEN_HEADER: self._tokens[instance]}

    def call(self, path: str, method: str = "GET", **kwargs: Any) -> requests.Response:
        headers = {"X-Road-Client": PORTAL, **self.token(), **kwargs.pop("headers", {})}
        return requests.request(method, self.consumer + path, headers=headers, timeout=20, **kwargs)

    def raw_get(self, raw_target: str) -> requests.Response:
        """A GET with the target exactly as given (``requests`` would remove dot segments)."""
        host, port = self.consumer.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=20)
        try:
            connection.request("GET", raw_target, headers={"X-Road-Client": PORTAL, **self.token()})
            answer = connection.getresponse()
            response = requests.Response()
            response.status_code = answer.status
            response.headers = requests.structures.CaseInsensitiveDict(answer.getheaders())
            response._content = answer.read()
            return response
        finally:
            connection.close()

    def settings(self, instance: str) -> SecurityServerSettings:
        spec = next(s for s in self.stack.manifest.services if s.instance == instance)
        return SecurityServerSettings.from_env(self.stack.environment_for(spec))


@pytest.fixture(scope="module")
def exchange(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exchange]:
    var = tmp_path_factory.mktemp("exchange-var")
    provider = Provider()
    catalogue = var / "lg-catalogue.toml"
    catalogue.write_text(_catalogue(provider, free_port()), encoding="utf-8")
    manifest = Manifest.load(pytestconfig.rootpath / "kit.toml").select(
        ["trust", "central", "ss-da", "ss-lg139998", "residence"]
    )
    extra = {
        "ss-lg139998": {"SECURITYSERVER_CATALOGUE": str(catalogue)},
        "ss-da": {"SECURITYSERVER_MESSAGELOG_MAX_BODY_BYTES": str(CAP)},
        "residence": {"RESIDENCE_TESTING_ENDPOINTS": "true"},
    }
    manifest = dataclasses.replace(
        manifest,
        services=tuple(
            dataclasses.replace(s, env={**s.env, **extra.get(s.instance, {})})
            for s in manifest.services
        ),
    )
    stack = Stack(manifest, var, free_ports=True, workers=1, threads=8)
    stack.up()
    try:
        yield Exchange(stack, provider)
    finally:
        stack.stop()
        provider.server.shutdown()


def _fault(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["X-Road-Error"] == code
    body = response.json()
    assert body["type"] == code
    assert body["message"]
    assert len(body["detail"]) == 36  # a log-entry id, never a stack trace
    return body


# -- the happy path ------------------------------------------------------------------------------


def test_a_call_crosses_both_servers_byte_for_byte(exchange: Exchange) -> None:
    seen = len(exchange.provider.seen)
    response = exchange.call(
        f"{ECHO}/echo/a%2Fb/%E4%BD%8F?x=1&y=%20z&x=2",
        method="POST",
        data=b'{"q": "\xe4\xbd\x8f"}',
        headers={
            "Content-Type": "application/json",
            "X-Road-Id": "my-message-1",
            "X-Road-UserId": "xid-123",
            "X-Road-Issue": "CASE-9",
            "X-Road-Request-Hash": "forged",
            "X-Madoguchi-Legal-Basis": "law:test",
        },
    )
    assert response.status_code == 200, response.text
    got = exchange.provider.seen[seen]
    assert got["method"] == "POST"
    assert got["raw_uri"] == "/echo/a%2Fb/%E4%BD%8F?x=1&y=%20z&x=2"
    assert got["body"] == '{"q": "住"}'
    headers = got["headers"]
    assert headers["X-Road-Client"] == PORTAL
    assert headers["X-Road-Id"] == "my-message-1"
    assert headers["X-Road-Userid"] == "xid-123"
    assert headers["X-Road-Issue"] == "CASE-9"
    assert headers["X-Madoguchi-Legal-Basis"] == "law:test"
    assert "X-Road-Request-Hash" not in headers
    # the provider's server shows the provider its own token; the portal's (for ss-da) stays
    # between the portal and ss-da: not signed, logged or relayed
    assert (
        headers[SECURITY_SERVER_TOKEN_HEADER]
        == exchange.token("ss-lg139998")[SECURITY_SERVER_TOKEN_HEADER]
    )
    assert exchange.token()[SECURITY_SERVER_TOKEN_HEADER] not in str(got)
    assert headers["Host"] != exchange.consumer.removeprefix("http://")
    # The five response headers, set by the provider's server (a client's are dropped).
    assert response.headers["X-Road-Id"] == "my-message-1"
    assert response.headers["X-Road-Client"] == PORTAL
    assert response.headers["X-Road-Service"] == "JP-KIT/GOV/LG-139998/residence/echo"
    assert response.headers["X-Road-Request-Id"] == headers["X-Road-Request-Id"]
    assert len(response.headers["X-Road-Request-Hash"]) == 88
    assert "Content-Security-Policy" not in response.headers


def test_a_message_id_is_generated_when_absent(exchange: Exchange) -> None:
    response = exchange.call(f"{ECHO}/echo")
    assert response.status_code == 200
    assert len(response.headers["X-Road-Id"]) == 36


def test_provider_errors_and_redirects_come_back_unchanged(exchange: Exchange) -> None:
    teapot = exchange.call(f"{ECHO}/teapot")
    assert teapot.status_code == 418
    assert teapot.text == "short and stout"
    assert teapot.headers["X-Provider"] == "yes"
    assert "X-Road-Error" not in teapot.headers
    redirect = exchange.call(f"{ECHO}/redirect", allow_redirects=False)
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == "/elsewhere"


def test_errors_come_as_xml_when_asked(exchange: Exchange) -> None:
    response = exchange.call(f"{ECHO}/private-path", headers={"Accept": "text/xml"})
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/xml")
    assert b"<type>Server.ServerProxy.AccessDenied</type>" in response.content


# -- bad input: each with its exact fault, nothing forwarded ------------------------------------


@pytest.mark.parametrize(
    ("client", "why"),
    [
        (None, "missing"),
        ("JP-KIT/GOV", "2 parts"),
        ("JP-KIT/GOV/DA/portal/extra", "5 parts"),
        ("JP-KIT/GOV/DA/por tal", "forbidden character"),
        ("JP-KIT/GOV/DA/por%2Ftal", "an encoded slash"),
    ],
)
def test_a_missing_or_malformed_client_is_refused(
    exchange: Exchange, client: str | None, why: str
) -> None:
    seen = len(exchange.provider.seen)
    headers = exchange.token() if client is None else {"X-Road-Client": client, **exchange.token()}
    response = requests.get(exchange.consumer + f"{ECHO}/echo", headers=headers, timeout=10)
    _fault(response, 400, "Client.InvalidClientIdentifier")
    assert len(exchange.provider.seen) == seen, why


@pytest.mark.parametrize("token", [None, "guessed", "ss-lg139998"])
def test_an_information_system_must_show_the_servers_token(
    exchange: Exchange, token: str | None
) -> None:
    """X-Road-Client alone proves nothing: anyone who reaches ss-da's port could claim to be the
    portal. Without ss-da's token (or with another server's) nothing is signed, logged or sent."""
    seen = len(exchange.provider.seen)
    headers = {"X-Road-Client": PORTAL}
    if token == "ss-lg139998":
        headers.update(exchange.token("ss-lg139998"))
    elif token is not None:
        headers[SECURITY_SERVER_TOKEN_HEADER] = token
    for path in (f"{ECHO}/echo", "/r1/JP-KIT/GOV/LG-139998/residence/listMethods"):
        response = requests.get(exchange.consumer + path, headers=headers, timeout=10)
        body = _fault(response, 500, "Server.ClientProxy.SslAuthenticationFailed")
        assert "JP-KIT/GOV/DA/portal" in body["message"]
    assert len(exchange.provider.seen) == seen
    assert requests.get(exchange.consumer + "/listClients", timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("path", "code", "hint"),
    [
        ("/r2/JP-KIT/GOV/LG-139998/residence/echo/echo", "Client.InvalidProtocolVersion", "r2"),
        ("/r1/JP-KIT/GOV/LG-139998/residence", "Client.BadRequest", "4 of the 5"),
        ("/r1/JP-KIT%2FGOV%2FLG-139998%2Fresidence%2Fecho/echo", "Client.BadRequest", "own"),
        (f"{ECHO}/echo/../secret", "Client.BadRequest", ".."),
        (f"{ECHO}/echo/%2E%2E/secret", "Client.BadRequest", ".."),
        ("/nothing", "Client.BadRequest", "/r1/"),
    ],
)
def test_a_malformed_target_is_refused(exchange: Exchange, path: str, code: str, hint: str) -> None:
    seen = len(exchange.provider.seen)
    body = _fault(exchange.raw_get(path), 400, code)
    assert hint in body["message"]
    assert len(exchange.provider.seen) == seen


def test_an_unknown_client_is_refused_by_the_consumer_server(exchange: Exchange) -> None:
    response = exchange.call(f"{ECHO}/echo", headers={"X-Road-Client": "JP-KIT/GOV/DA/nobody"})
    _fault(response, 500, "Server.ClientProxy.UnknownMember")
    other = exchange.call(f"{ECHO}/echo", headers={"X-Road-Client": "JP-KIT/GOV/JPS/pension"})
    _fault(other, 500, "Server.ClientProxy.UnknownMember")  # registered, but not here


def test_a_provider_without_a_security_server_is_refused(exchange: Exchange) -> None:
    _fault(exchange.call("/r1/JP-KIT/GOV/NTA/tax/income"), 500, "Server.ClientProxy.UnknownMember")


def test_an_unknown_service_is_refused(exchange: Exchange) -> None:
    seen = len(exchange.provider.seen)
    response = exchange.call("/r1/JP-KIT/GOV/LG-139998/residence/nothing/x")
    _fault(response, 500, "Server.ServerProxy.UnknownService")
    assert len(exchange.provider.seen) == seen


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/r1/JP-KIT/GOV/LG-139998/residence/private/anything"),  # no right at all
        ("POST", f"{ECHO}/teapot"),  # the wrong method
        ("GET", f"{ECHO}/other"),  # a path outside the granted globs
        ("GET", f"{ECHO}/teapot/more"),  # '/teapot' is not '/teapot/**'
    ],
)
def test_no_access_right_means_access_denied(exchange: Exchange, method: str, path: str) -> None:
    seen = len(exchange.provider.seen)
    _fault(exchange.call(path, method=method), 500, "Server.ServerProxy.AccessDenied")
    assert len(exchange.provider.seen) == seen


def test_a_disabled_service_says_why(exchange: Exchange) -> None:
    response = exchange.call("/r1/JP-KIT/GOV/LG-139998/residence/closed/x")
    body = _fault(response, 500, "Server.ServerProxy.ServiceDisabled")
    assert "Closed for maintenance until 2026-12-01" in body["message"]


def test_a_provider_that_is_down_is_a_network_error(exchange: Exchange) -> None:
    response = exchange.call("/r1/JP-KIT/GOV/LG-139998/residence/down/x")
    _fault(response, 500, "Server.ServerProxy.ServiceFailed.NetworkError")


def test_a_slow_provider_times_out(exchange: Exchange) -> None:
    started = time.monotonic()
    response = exchange.call(f"{ECHO}/slow")
    body = _fault(response, 500, "Server.ServerProxy.ServiceFailed.IOError")
    assert "Read timed out" in body["message"]
    assert time.monotonic() - started < 3  # the service's 1 s timeout, not the provider's 3 s


@pytest.mark.parametrize("header", ["X-Road-Id", "X-Road-UserId", "X-Road-Issue"])
def test_a_header_longer_than_the_log_keeps_is_the_clients_error(
    exchange: Exchange, header: str
) -> None:
    """Refused before it is logged or monitored: a record that did not fit was lost, and the
    records of every other call flushed with it."""
    _fault(exchange.call(f"{ECHO}/echo", headers={header: "x" * 256}), 400, "Client.BadRequest")
    kept = exchange.call(f"{ECHO}/echo", headers={"X-Road-Id": f"after-long-{header}"})
    assert kept.status_code == 200
    records = requests.get(
        exchange.consumer + "/opmon",
        headers={"X-Road-Client": PORTAL, **exchange.token()},
        timeout=10,
    ).json()["records"]
    assert any(r["x_road_id"] == f"after-long-{header}" for r in records)


def test_a_service_code_longer_than_the_log_keeps_is_the_clients_error(exchange: Exchange) -> None:
    long_code = "/r1/JP-KIT/GOV/LG-139998/residence/" + "s" * 401
    _fault(exchange.call(long_code), 400, "Client.BadRequest")


def test_a_body_over_the_cap_is_refused_before_anything_is_sent(exchange: Exchange) -> None:
    seen = len(exchange.provider.seen)
    response = exchange.call(f"{ECHO}/echo", method="POST", data=b"x" * (CAP + 1))
    _fault(response, 400, "Client.BadRequest")
    assert len(exchange.provider.seen) == seen
    assert exchange.call(f"{ECHO}/echo", method="POST", data=b"x" * CAP).status_code == 200


@pytest.mark.parametrize(
    "chunks", [b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcXX0\r\n\r\n"], ids=["size", "terminator"]
)
def test_a_body_with_broken_chunks_is_the_clients_error(exchange: Exchange, chunks: bytes) -> None:
    """gunicorn cannot read it; nothing is sent on, and the fault says whose mistake it was."""
    seen = len(exchange.provider.seen)
    host, port = exchange.consumer.removeprefix("http://").split(":")
    token = "".join(f"{name}: {value}\r\n" for name, value in exchange.token().items())
    head = (
        f"POST {ECHO}/echo HTTP/1.1\r\nHost: {host}\r\nX-Road-Client: {PORTAL}\r\n{token}"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=20) as raw:
        raw.sendall(head.encode() + chunks)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"400", answer
    assert b"X-Road-Error: Client.BadRequest" in rest
    assert len(exchange.provider.seen) == seen


# -- signatures, hashes and the global configuration (in-process halves) ------------------------


def test_a_message_changed_after_signing_is_refused(exchange: Exchange) -> None:
    """Sign a request as ss-da would, change one byte of the body, send it over mTLS."""
    da = exchange.settings("ss-da")
    signing, tls = load_signing_keys(da), load_tls_keys(da)
    lg = exchange.settings("ss-lg139998")
    headers = [("X-Road-Client", PORTAL), ("X-Road-Id", "t-1"), ("X-Road-Request-Id", "r-1")]
    header_part = request_header_part("POST", f"{ECHO}/echo", headers)
    body = b'{"amount": 100}'
    signature = sign_message(
        "request", header_part, body, signer="JP-KIT/GOV/DA", key=signing.key,
        chain=signing.full_chain, now=datetime.now(UTC),
    )  # fmt: skip
    peers = Peers(tls.chain_path, tls.key_path)
    lg_tls = load_tls_keys(lg)
    address = f"localhost:{lg.tls_port}"
    seen = len(exchange.provider.seen)
    intact = peers.send(
        address, lg_tls.fingerprint(), Envelope(header_part, body, signature),
        timeout=5, max_body=1 << 20,
    )  # fmt: skip
    assert intact.status == 200
    assert len(exchange.provider.seen) == seen + 1
    changed = peers.send(
        address, lg_tls.fingerprint(), Envelope(header_part, b'{"amount": 900}', signature),
        timeout=5, max_body=1 << 20,
    )  # fmt: skip
    assert changed.status == 500
    assert changed.headers["X-Road-Error"] == "Server.ServerProxy.InvalidSignatureValue"
    assert len(exchange.provider.seen) == seen + 1  # the changed one went nowhere


def test_the_ss_port_refuses_a_peer_that_global_configuration_does_not_list(
    exchange: Exchange, tmp_path: Path
) -> None:
    lg = exchange.settings("ss-lg139998")
    # ss-lg139998's own certificate: a valid kit certificate, but not one hosting the portal.
    own = load_tls_keys(lg)
    peers = Peers(own.chain_path, own.key_path)
    da = exchange.settings("ss-da")
    signing = load_signing_keys(da)
    headers = [("X-Road-Client", PORTAL), ("X-Road-Id", "t-2"), ("X-Road-Request-Id", "r-2")]
    header_part = request_header_part("GET", f"{ECHO}/echo", headers)
    signature = sign_message(
        "request", header_part, None, signer="JP-KIT/GOV/DA", key=signing.key,
        chain=signing.full_chain, now=datetime.now(UTC),
    )  # fmt: skip
    answer = peers.send(
        f"localhost:{lg.tls_port}", own.fingerprint(), Envelope(header_part, b"", signature),
        timeout=5, max_body=1 << 20,
    )  # fmt: skip
    assert answer.headers["X-Road-Error"] == "Server.ServerProxy.SslAuthenticationFailed"
    # And a plain-HTTP caller on the TLS port gets no answer at all.
    with pytest.raises(requests.ConnectionError):
        requests.post(f"http://localhost:{lg.tls_port}/exchange/v1/message", timeout=5)


def test_a_peer_that_hangs_up_during_the_handshake_is_a_network_error(exchange: Exchange) -> None:
    """A security server going down mid-handshake is unreachable, not an impostor."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            connection.close()  # before a single byte of TLS

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    tls = load_tls_keys(exchange.settings("ss-da"))
    peers = Peers(tls.chain_path, tls.key_path)
    try:
        with pytest.raises(ExchangeError) as caught:
            peers.send(
                f"127.0.0.1:{port}", "00" * 32, Envelope(b"GET\r\n/\r\n", b"", "jws"),
                timeout=5, max_body=1 << 20,
            )  # fmt: skip
    finally:
        listener.close()
        peers.close()
        thread.join(timeout=5)
    assert caught.value.code == "Server.ClientProxy.NetworkError"
    # TLS sees the close as an EOF in the handshake or, when the reset arrives first, as a
    # connection reset while sending the hello: either way unreachable, never an impostor.
    assert f"127.0.0.1:{port}" in caught.value.message
    assert (
        "closed the connection during the TLS handshake" in caught.value.message
        or "could not be reached" in caught.value.message
    )


class _ForgedPeers:
    """Answers every request with a response signed by the provider for another request."""

    def __init__(self, lg: SecurityServerSettings) -> None:
        self.keys = load_signing_keys(lg)

    def send(self, address: str, fingerprint: str, envelope: Envelope, **_: Any) -> PeerAnswer:
        from securityserver.envelope import parse_request_head
        from securityserver.protocol.headers import (
            client_response_headers,
            last_value,
            response_header_part,
        )
        from securityserver.protocol.identifiers import ClientId, ServiceId

        head = parse_request_head(envelope.header_part)
        other = request_hash(b"GET\r\n/other\r\n", None)
        headers = client_response_headers(
            [("Content-Type", "application/json")],
            message_id=last_value(head.headers, "X-Road-Id") or "",
            client=ClientId("JP-KIT", "GOV", "DA", "portal"),
            service=ServiceId(ClientId("JP-KIT", "GOV", "LG-139998", "residence"), "echo"),
            request_id=last_value(head.headers, "X-Road-Request-Id") or "",
            request_hash=other,
        )
        part = response_header_part(200, "OK", headers)
        signature = sign_message(
            "response", part, b"{}", signer="JP-KIT/GOV/LG-139998", key=self.keys.key,
            chain=self.keys.full_chain, now=datetime.now(UTC), request_hash=other,
        )  # fmt: skip
        reply = Envelope(part, b"{}", signature)
        return PeerAnswer(200, reply.http_headers(), reply.payload)


def _runtime(
    exchange: Exchange, *, peers: Any = None, clock: Any = None
) -> tuple[Runtime, Database]:
    settings = exchange.settings("ss-da")
    database = Database(settings.database_url)
    confs = GlobalConfCache(
        settings.central_url,
        read_anchor(settings.data_dir),
        instance=settings.exchange_instance,
        http=requests.Session(),
        **({"clock": clock} if clock else {}),
    )
    runtime = Runtime(
        settings, database, signing=load_signing_keys(settings), tls=load_tls_keys(settings),
        confs=confs, catalogue=load_catalogue(settings), peers=peers, background=False,
    )  # fmt: skip
    return runtime, database


def test_a_response_for_another_request_is_refused(exchange: Exchange) -> None:
    runtime, database = _runtime(exchange, peers=_ForgedPeers(exchange.settings("ss-lg139998")))
    token = exchange.token().items()
    try:
        answer = proxy.consume(
            runtime, proxy.Incoming("GET", f"{ECHO}/echo", [("X-Road-Client", PORTAL), *token], b"")
        )
    finally:
        database.dispose()
    assert answer.status == 500
    assert dict(answer.headers)["X-Road-Error"] == "Server.ClientProxy.InconsistentResponse"


def test_an_expired_global_configuration_stops_traffic(exchange: Exchange) -> None:
    later = datetime.now(UTC) + timedelta(minutes=11)
    runtime, database = _runtime(exchange, clock=lambda: later)
    token = exchange.token().items()
    try:
        answer = proxy.consume(
            runtime, proxy.Incoming("GET", f"{ECHO}/echo", [("X-Road-Client", PORTAL), *token], b"")
        )
    finally:
        database.dispose()
    assert answer.status == 500
    assert dict(answer.headers)["X-Road-Error"] == "Server.ClientProxy.OutdatedGlobalConf"
    assert json.loads(answer.body)["type"] == "Server.ClientProxy.OutdatedGlobalConf"


# -- the resident register behind the exchange -------------------------------------------------


def test_a_government_verifiers_check_reaches_the_register_through_both_servers(
    exchange: Exchange,
) -> None:
    """The portal relays the statutory check of the pension service (its X-Road-Client at the
    portal) to Sakuragi City's register: the headers survive both servers' signing, and the
    register answers and records whom the check was for. The copy is a real one, issued by the
    register's test-only endpoint; the log is read the way the portal reads it (this test
    imports no other service)."""
    residence = exchange.stack.url("residence")
    issued = requests.post(
        f"{residence}/__testing/certificates",
        json={"register_key": "H1-1", "issued_on": datetime.now(UTC).date().isoformat()},
        timeout=60,
    )
    assert issued.status_code == 201, issued.text
    document_id = issued.json()["document_id"]
    response = exchange.call(
        f"/r1/JP-KIT/GOV/LG-139998/residence/address-check/certificates/{document_id}",
        headers={
            "X-Madoguchi-Legal-Basis": "law:%E5%8E%9A%E7%94%9F%E5%B9%B4%E9%87%91",
            "X-Madoguchi-Purpose": "enrolment",
            "X-Madoguchi-On-Behalf-Of": "JP-KIT/GOV/JPS/pension",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["subject_still_at_address"], body["moved_on"]) == (True, None)
    spec = next(s for s in exchange.stack.manifest.services if s.instance == "residence")
    environment = exchange.stack.environment_for(spec)
    log_url = (
        f"{residence}/exchange/data-usage/residents/"
        f"{exchange_pseudonym(environment['KIT_EXCHANGE_PSEUDONYM_KEY'], 'H1-1')}/events"
    )
    headers = {"X-Road-Client": PORTAL, "X-Road-Id": "log-read"}
    around = requests.get(log_url, headers=headers, timeout=10)
    assert around.status_code == 403, around.text  # straight to the register: refused
    token = environment["RESIDENCE_SECURITY_SERVER_TOKEN"]  # as the city's server sends it
    events = requests.get(
        log_url, headers={**headers, SECURITY_SERVER_TOKEN_HEADER: token}, timeout=10
    )
    assert events.status_code == 200, events.text
    (event,) = [e for e in events.json()["events"] if e["service"].endswith("/address-check")]
    assert (event["client"], event["outcome"]) == (PORTAL, "served")
    assert event["purpose"] == "enrolment (for JP-KIT/GOV/JPS/pension)"


# -- metaservices, monitoring, health --------------------------------------------------------------


def test_list_clients_comes_from_global_configuration(exchange: Exchange) -> None:
    response = requests.get(exchange.consumer + "/listClients", timeout=10)
    ids = {json.dumps(m["id"], sort_keys=True) for m in response.json()["member"]}
    expected = [("DA", "portal"), ("LG-139998", "childcare"), ("LG-139998", "archive")]
    for member, subsystem in expected:
        client = {"object_type": "SUBSYSTEM", "xroad_instance": "JP-KIT", "member_class": "GOV",
                  "member_code": member, "subsystem_code": subsystem}  # fmt: skip
        assert json.dumps(client, sort_keys=True) in ids


def test_each_server_registered_itself_with_its_clients_at_central(exchange: Exchange) -> None:
    """kit.toml's exchange clients behind a server (running or not: childcare is not) and the
    subsystems of its catalogue, reported when the server was prepared."""
    for instance, catalogue_only in (("ss-lg139998", ["archive"]), ("ss-da", [])):
        [line] = [s for s in exchange.stack.reports[instance].seeded if "at central" in s]
        behind = exchange.stack.manifest.hosted_clients[instance]  # residence, childcare, …
        expected = [client.rsplit("/", 1)[-1] for client in behind] + catalogue_only
        assert line.endswith(f", hosting {', '.join(expected)}"), line


def test_list_and_allowed_methods(exchange: Exchange) -> None:
    base = "/r1/JP-KIT/GOV/LG-139998/residence"
    listed = exchange.call(f"{base}/listMethods").json()["service"]
    assert {s["service_code"] for s in listed} == {
        "echo", "private", "closed", "down", "address-check",
    }  # fmt: skip
    allowed = exchange.call(f"{base}/allowedMethods").json()["service"]
    by_code = {s["service_code"]: s["endpoint_list"] for s in allowed}
    # 'private' grants the portal nothing
    assert set(by_code) == {"echo", "closed", "down", "address-check"}
    assert {"method": "GET", "path": "/teapot"} in by_code["echo"]


def test_get_openapi_reduces_server_urls_to_paths(exchange: Exchange) -> None:
    base = "/r1/JP-KIT/GOV/LG-139998/residence"
    document = exchange.call(f"{base}/getOpenAPI?serviceCode=echo").json()
    assert document["servers"] == [{"url": "/base/v1"}]
    _fault(exchange.call(f"{base}/getOpenAPI"), 500, "Server.ServerProxy.InvalidRequest")
    _fault(
        exchange.call(f"{base}/getOpenAPI?serviceCode=private"),
        500,
        "Server.ServerProxy.InternalError",
    )


def test_operational_monitoring_records_each_message(exchange: Exchange) -> None:
    message = exchange.call(f"{ECHO}/echo", headers={"X-Road-Id": "opmon-1"})
    assert message.status_code == 200
    for instance in ("ss-da", "ss-lg139998"):
        url = exchange.stack.url(instance) + "/opmon"
        owner = PORTAL if instance == "ss-da" else "JP-KIT/GOV/LG-139998/residence"
        headers = {"X-Road-Client": owner, **exchange.token(instance)}
        records = requests.get(url, headers=headers, timeout=10).json()["records"]
        record = next(r for r in records if r["x_road_id"] == "opmon-1")
        assert record["side"] == ("Client" if instance == "ss-da" else "Producer")
        assert record["succeeded"] is True
        assert record["status_code"] == 200
        stamps = [
            record[f"{k}_ts"] for k in ("request_in", "request_out", "response_in", "response_out")
        ]
        assert stamps == sorted(stamps)
    refused = requests.get(
        exchange.consumer + "/opmon",
        headers={"X-Road-Client": "JP-KIT/GOV/JPS/pension", **exchange.token()},
        timeout=10,
    )
    assert refused.status_code == 500
    anonymous = requests.get(
        exchange.consumer + "/opmon", headers={"X-Road-Client": PORTAL}, timeout=10
    )
    _fault(anonymous, 500, "Server.ClientProxy.SslAuthenticationFailed")


@pytest.mark.parametrize(
    "query", ["from=%C2%B2", "to=abc", "from=-1", "from=9999999999999", "to=1.5"]
)
def test_operational_data_asked_for_a_time_that_is_not_unix_seconds_is_a_bad_request(
    exchange: Exchange, query: str
) -> None:
    """ "²" counts as a digit to Python, and 13 digits of seconds overflow the database's
    milliseconds: each is the caller's mistake, said as such."""
    answer = requests.get(
        f"{exchange.consumer}/opmon?{query}",
        headers={"X-Road-Client": PORTAL, **exchange.token()},
        timeout=10,
    )
    body = _fault(answer, 400, "Client.BadRequest")
    assert "Unix seconds" in body["message"]


def test_health_is_200_when_ready(exchange: Exchange) -> None:
    assert requests.get(exchange.consumer + "/health", timeout=10).status_code == 200


# -- the message log: both servers, a real archive, one changed byte ------------------------------


def test_the_message_log_archive_verifies_and_one_changed_byte_fails_it(
    exchange: Exchange, tmp_path: Path
) -> None:
    assert exchange.call(f"{ECHO}/echo", headers={"X-Road-Id": "archived-1"}).status_code == 200
    spec = next(s for s in exchange.stack.manifest.services if s.instance == "ss-lg139998")
    env = {**exchange.stack.environment_for(spec)}
    tool = [sys.executable, "-m", "securityserver.messagelog"]
    made = subprocess.run(
        [*tool, "archive"], env=env, check=False, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.split(" (records")[0])
    ok = subprocess.run(
        [*tool, "verify", str(archive)], check=False, capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK")
    with zipfile.ZipFile(archive) as zipped:  # the tokens of both hops are never logged
        logged = b"".join(zipped.read(name) for name in zipped.namelist())
    for instance in ("ss-da", "ss-lg139998"):
        secret = exchange.token(instance)[SECURITY_SERVER_TOKEN_HEADER].encode()
        assert secret not in logged
    assert SECURITY_SERVER_TOKEN_HEADER.lower().encode() not in logged.lower()
    changed = tmp_path / "changed.zip"
    _flip_one_byte_inside(archive, changed)
    bad = subprocess.run(
        [*tool, "verify", str(changed)], check=False, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert bad.stdout.startswith("FAILED")


def _flip_one_byte_inside(source: Path, target: Path) -> None:
    """Copy the archive, changing one byte of one logged body (inside the ZIP's content)."""
    with zipfile.ZipFile(source) as zipped, zipfile.ZipFile(target, "w") as out:
        for info in zipped.infolist():
            content = bytearray(zipped.read(info.filename))
            if info.filename.endswith(".jsonl") and b"archived-1" in content:
                at = content.index(b"archived-1")
                content[at] ^= 0x01
            out.writestr(info, bytes(content))


# -- killing the provider's security server mid-traffic -----------------------------------------


def test_killing_the_provider_server_mid_traffic_gives_clean_errors_then_resumes(
    exchange: Exchange,
) -> None:
    outcomes: list[tuple[int, str | None]] = []
    stop = threading.Event()

    headers = {"X-Road-Client": PORTAL, **exchange.token()}

    def traffic() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                r = session.get(
                    exchange.consumer + f"{ECHO}/echo",
                    headers=headers,
                    timeout=15,
                )
                outcomes.append((r.status_code, r.headers.get("X-Road-Error")))
            except requests.RequestException as exc:  # the consumer side must never drop us
                outcomes.append((0, type(exc).__name__))

    workers = [threading.Thread(target=traffic) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.0)
        exchange.stack.kill("ss-lg139998")
        time.sleep(1.5)
        down = len(outcomes)
        exchange.stack.restart("ss-lg139998")
        time.sleep(1.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=20)
    before, during, after = outcomes[: down // 2], outcomes[down // 2 : down], outcomes[down:]
    assert (200, None) in before
    assert all(status in (200, 500) for status, _ in outcomes), set(outcomes)
    errors = {code for status, code in outcomes if status == 500}
    assert errors <= {"Server.ClientProxy.NetworkError", "Server.ClientProxy.IOError"}, errors
    assert "Server.ClientProxy.NetworkError" in {code for _, code in during}
    assert (200, None) in after[-10:], after[-10:]
