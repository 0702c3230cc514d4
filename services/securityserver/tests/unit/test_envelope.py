"""The SS-to-SS message: header part and body split exactly as signed; bad ones named."""

from __future__ import annotations

import pytest

from securityserver.envelope import (
    HEADER_LENGTH_HEADER,
    SIGNATURE_HEADER,
    Envelope,
    open_envelope,
    parse_request_head,
    parse_response_head,
)
from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.headers import request_header_part, response_header_part
from securityserver.proxy import anonymise_servers

CODE = "Server.ServerProxy.InvalidRequest"


def test_an_envelope_round_trips_header_part_and_body() -> None:
    headers = [("X-Road-Client", "JP-KIT/GOV/DA/portal"), ("Accept", "a:b")]
    part = request_header_part("POST", "/r1/JP-KIT/GOV/DA/portal/x/y?z=1", headers)
    sent = Envelope(part, b"\r\nbody bytes", "jws")
    http = sent.http_headers()
    got = open_envelope(http[SIGNATURE_HEADER], http[HEADER_LENGTH_HEADER], sent.payload, CODE)
    assert got == sent
    head = parse_request_head(got.header_part)
    assert (head.method, head.raw_target) == ("POST", "/r1/JP-KIT/GOV/DA/portal/x/y?z=1")
    assert head.headers == headers  # values keep their colons


def test_a_response_head_parses_back() -> None:
    part = response_header_part(418, "I'm a teapot", [("X-Road-Id", "1")])
    head = parse_response_head(part)
    assert (head.status, head.reason, head.headers) == (418, "I'm a teapot", [("X-Road-Id", "1")])
    empty = parse_response_head(response_header_part(204, "", []))
    assert (empty.status, empty.reason, empty.headers) == (204, "", [])


@pytest.mark.parametrize(
    ("signature", "length", "payload", "says"),
    [
        (None, "3", b"abc", "no X-Madoguchi-Signature"),
        ("jws", None, b"abc", "no valid"),
        ("jws", "-1", b"abc", "no valid"),
        ("jws", "9", b"abc", "longer than the message"),
    ],
)
def test_a_broken_envelope_is_refused(
    signature: str | None, length: str | None, payload: bytes, says: str
) -> None:
    with pytest.raises(ExchangeError, match=says) as caught:
        open_envelope(signature, length, payload, CODE)
    assert caught.value.code == CODE


@pytest.mark.parametrize(
    "part",
    [b"GET\r\n", b"\xff\r\n/x\r\n", b"GET\r\n/x", b"GET\r\n/x\r\nno colon\r\n", b"GET\r\nx\r\n"],
)
def test_a_broken_request_head_is_refused(part: bytes) -> None:
    with pytest.raises(ExchangeError) as caught:
        parse_request_head(part)
    assert caught.value.code == CODE


@pytest.mark.parametrize("part", [b"", b"OK\r\n\r\n", b"99\r\nx\r\n", b"200\r\n"])
def test_a_broken_response_head_is_an_inconsistent_response(part: bytes) -> None:
    with pytest.raises(ExchangeError) as caught:
        parse_response_head(part)
    assert caught.value.code == "Server.ClientProxy.InconsistentResponse"


def test_get_openapi_keeps_only_paths_of_server_urls() -> None:
    document = {
        "openapi": "3.1.0",
        "servers": [
            {"url": "http://localhost:8011/exchange", "description": "internal"},
            {"url": "https://{host}/v1"},
            {"url": "/already/relative"},
            "not a server",
        ],
    }
    assert anonymise_servers(document)["servers"] == [
        {"url": "/exchange", "description": "internal"},
        {"url": "https://{host}/v1"},
        {"url": "/already/relative"},
        "not a server",
    ]
    assert anonymise_servers({"openapi": "3.0.0"}) == {"openapi": "3.0.0"}
