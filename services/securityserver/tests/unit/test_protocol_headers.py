"""Header filtering, the X-Road headers added on the way, the request hash (xroad.md §1.3-§1.6)."""

import base64
import hashlib

import pytest

from govkit.exchange.provider import SECURITY_SERVER_TOKEN_HEADER
from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.headers import (
    check_response_headers,
    client_response_headers,
    filter_request_headers,
    filter_response_headers,
    keep_or_generate_id,
    last_value,
    provider_request_headers,
    request_hash,
    request_header_part,
    response_header_part,
)
from securityserver.protocol.identifiers import ClientId, ServiceId

CLIENT = ClientId("JP-KIT", "GOV", "LG-131016", "childcare")
SERVICE = ServiceId(ClientId("JP-KIT", "GOV", "LG-139998", "resident"), "basic4")
MESSAGE_ID = "JP-KIT-5b1a3c1e-8a3f-4d37-9b35-4f6f0e4b2d10"
REQUEST_ID = "0d9f0f45-7a44-4d1a-a8c3-1c5e9b0f0b7e"

DROPPED_BOTH_WAYS = [
    "Connection",
    "connection",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Proxy-Connection",
    "Proxy-Anything",
    "TE",
    "te",
    "Trailer",
    "Transfer-Encoding",
    "TRANSFER-ENCODING",
    "Upgrade",
    "Host",
    "User-Agent",
    "Server",
    "Content-Length",
    "Expect",
    "X-Road-Request-Id",
    "x-road-request-id",
    "X-Road-Request-Hash",
    "X-Road-Service",
    "X-Road-Error",
    "X-Road-Client",
    "X-Road-Id",
    "X-ROAD-ID",
    SECURITY_SERVER_TOKEN_HEADER,  # only the provider's own server sets it, after logging
    SECURITY_SERVER_TOKEN_HEADER.upper(),
]

PASSED_BOTH_WAYS = [
    ("Content-Type", "application/json; charset=utf-8"),
    ("Accept", "application/json"),
    ("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
    ("Cache-Control", "no-store"),
    ("X-Powered-By", "Flask"),
    ("X-Road-UserId", "JP-a1b2c3"),
    ("X-Road-Issue", "CASE-2026-0042"),
    ("X-Road-Represented-Party", "COM/12345"),
    ("X-Road-Legal-Basis", "art. 30-44"),
    ("X-Custom", "  spaced  value "),
]


@pytest.mark.parametrize("name", DROPPED_BOTH_WAYS)
def test_hop_by_hop_origin_framing_and_owned_headers_are_not_forwarded(name: str) -> None:
    headers = [("Accept", "*/*"), (name, "x"), ("X-Custom", "1")]
    assert filter_request_headers(headers) == [("Accept", "*/*"), ("X-Custom", "1")]


@pytest.mark.parametrize("name", DROPPED_BOTH_WAYS)
def test_the_same_headers_are_not_returned(name: str) -> None:
    headers = [("Content-Type", "text/plain"), (name, "x")]
    assert filter_response_headers(headers) == [("Content-Type", "text/plain")]


@pytest.mark.parametrize("header", PASSED_BOTH_WAYS)
def test_end_to_end_headers_pass_unchanged(header: tuple[str, str]) -> None:
    assert filter_request_headers([header]) == [header]
    assert filter_response_headers([header]) == [header]


def test_order_case_and_duplicates_are_kept() -> None:
    headers = [
        ("x-b", "1"),
        ("Host", "consumer-ss"),
        ("X-A", "2"),
        ("x-b", "3"),
        ("Accept", "text/xml"),
    ]
    assert filter_request_headers(headers) == [
        ("x-b", "1"),
        ("X-A", "2"),
        ("x-b", "3"),
        ("Accept", "text/xml"),
    ]


@pytest.mark.parametrize(
    "connection",
    ["X-Secret", "close, X-Secret", "x-secret , keep-alive", "Keep-Alive,X-SECRET,"],
)
def test_headers_named_by_connection_are_hop_by_hop(connection: str) -> None:
    headers = [("Connection", connection), ("X-Secret", "s"), ("X-Kept", "k")]
    assert filter_request_headers(headers) == [("X-Kept", "k")]
    assert filter_response_headers(headers) == [("X-Kept", "k")]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        ([("Accept", "x")], None),
        ([("X-Road-Client", "A/B/C/D")], "A/B/C/D"),
        ([("X-Road-Client", "A/B/C/D"), ("x-road-client", "E/F/G/H")], "E/F/G/H"),
        ([("x-road-client", "E/F/G/H"), ("Accept", "x"), ("X-ROAD-CLIENT", "")], ""),
    ],
)
def test_the_last_header_of_a_name_wins(
    headers: list[tuple[str, str]], expected: str | None
) -> None:
    assert last_value(headers, "X-Road-Client") == expected


def _never() -> str:
    raise AssertionError("a supplied X-Road-Id must not be replaced")


@pytest.mark.parametrize(
    "supplied",
    [MESSAGE_ID, "my id with spaces", "  padded", "x" * 300, "日本語"],
)
def test_a_supplied_x_road_id_is_kept_as_it_is(supplied: str) -> None:
    assert keep_or_generate_id(supplied, _never) == supplied


@pytest.mark.parametrize("supplied", [None, "", " ", "\t "])
def test_a_missing_x_road_id_is_generated(supplied: str | None) -> None:
    assert keep_or_generate_id(supplied, lambda: "JP-KIT-generated") == "JP-KIT-generated"


def test_the_provider_receives_filtered_headers_and_the_checked_x_road_headers() -> None:
    sent = [
        ("Host", "consumer-ss:8080"),
        ("X-Road-Client", "JP-KIT/GOV/LG-131016/childcare"),
        ("X-Road-Id", MESSAGE_ID),
        ("X-Road-Request-Id", "forged"),
        ("X-Road-Request-Hash", "forged"),
        ("X-Road-UserId", "JP-a1b2c3"),
        ("Content-Type", "application/json"),
        ("Content-Length", "2048"),
    ]
    forwarded = provider_request_headers(
        sent, client=CLIENT, message_id=MESSAGE_ID, request_id=REQUEST_ID
    )
    assert forwarded == [
        ("X-Road-UserId", "JP-a1b2c3"),
        ("Content-Type", "application/json"),
        ("X-Road-Client", "JP-KIT/GOV/LG-131016/childcare"),
        ("X-Road-Id", MESSAGE_ID),
        ("X-Road-Request-Id", REQUEST_ID),
    ]


def test_redirects_are_returned_with_their_location() -> None:
    headers = [("Location", "https://provider.example/elsewhere"), ("Content-Type", "text/html")]
    assert filter_response_headers(headers) == headers


def test_only_the_first_date_is_returned() -> None:
    headers = [
        ("Date", "Sat, 21 Nov 2026 09:00:00 GMT"),
        ("Set-Cookie", "a=1"),
        ("date", "Sat, 21 Nov 2026 09:00:01 GMT"),
        ("Set-Cookie", "b=2"),
    ]
    assert filter_response_headers(headers) == [
        ("Date", "Sat, 21 Nov 2026 09:00:00 GMT"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]


def test_the_consumer_receives_the_five_x_road_headers_once_each() -> None:
    provider_headers = [
        ("Content-Type", "application/json"),
        ("X-Road-Request-Hash", "forged-by-provider"),
        ("X-Road-Error", "Server.Forged"),
        ("Server", "gunicorn"),
    ]
    returned = client_response_headers(
        provider_headers,
        message_id=MESSAGE_ID,
        client=CLIENT,
        service=SERVICE,
        request_id=REQUEST_ID,
        request_hash="hash==",
    )
    assert returned == [
        ("Content-Type", "application/json"),
        ("X-Road-Id", MESSAGE_ID),
        ("X-Road-Client", "JP-KIT/GOV/LG-131016/childcare"),
        ("X-Road-Service", "JP-KIT/GOV/LG-139998/resident/basic4"),
        ("X-Road-Request-Id", REQUEST_ID),
        ("X-Road-Request-Hash", "hash=="),
    ]


def test_the_request_header_part_is_the_signed_text_form() -> None:
    part = request_header_part(
        "POST",
        "/r1/JP-KIT/GOV/LG-139998/resident/basic4/v1/people?q=a%20b",
        [("Content-Type", "application/json"), ("X-Road-Client", "JP-KIT/GOV/LG-131016/childcare")],
    )
    assert part == (
        b"POST\r\n"
        b"/r1/JP-KIT/GOV/LG-139998/resident/basic4/v1/people?q=a%20b\r\n"
        b"Content-Type:application/json\r\n"
        b"X-Road-Client:JP-KIT/GOV/LG-131016/childcare\r\n"
    )


def test_the_response_header_part_is_the_signed_text_form() -> None:
    part = response_header_part(404, "Not Found", [("Content-Type", "application/json")])
    assert part == b"404\r\nNot Found\r\nContent-Type:application/json\r\n"


@pytest.mark.parametrize(
    "headers",
    [
        [("X-A", "1\r\nX-Injected: 2")],
        [("X-A\r\nX-B", "1")],
        [("X-A", "a\x00")],
        [("X:A", "1")],
    ],
)
def test_a_header_that_could_forge_lines_cannot_be_serialised(
    headers: list[tuple[str, str]],
) -> None:
    with pytest.raises(ValueError, match="cannot be serialised"):
        request_header_part("GET", "/r1/a", headers)
    with pytest.raises(ValueError, match="cannot be serialised"):
        response_header_part(200, "OK", headers)


def test_a_request_line_or_reason_that_could_forge_lines_cannot_be_serialised() -> None:
    with pytest.raises(ValueError, match="cannot be serialised"):
        request_header_part("GET", "/r1/a\r\nX: 1", [])
    with pytest.raises(ValueError, match="cannot be serialised"):
        response_header_part(200, "OK\r\nX: 1", [])


HEADER_PART = b"GET\r\n/r1/JP-KIT/GOV/LG-139998/resident/basic4\r\nX-Road-Id:1\r\n"


def test_the_request_hash_without_a_body_is_base64_of_sha512_of_the_headers() -> None:
    expected = base64.b64encode(hashlib.sha512(HEADER_PART).digest()).decode()
    assert request_hash(HEADER_PART, None) == expected
    assert request_hash(HEADER_PART, b"") == expected


def test_the_request_hash_with_a_body_hashes_both_digests() -> None:
    body = b'{"pseudonym": "JP-a1b2c3"}'
    inner = hashlib.sha512(HEADER_PART).digest() + hashlib.sha512(body).digest()
    expected = base64.b64encode(hashlib.sha512(inner).digest()).decode()

    assert request_hash(HEADER_PART, body) == expected
    assert len(base64.b64decode(expected, validate=True)) == 64
    assert expected != base64.b64encode(hashlib.sha512(HEADER_PART + body).digest()).decode()


def test_the_request_hash_is_a_known_value() -> None:
    # Pinned so that a change of the formula (hex digests, another hash) cannot pass unnoticed.
    assert request_hash(b"GET\r\n/r1/A/B/C/D/E\r\n", b"{}") == (
        "9uYMCHu2gDy8mjVkf6lu8E3/F4qFUL680mqSvG97UHo+VHj6baWMglpl3ryWKazHa4c9roAQOeF3nBMCgmYQpA=="
    )


@pytest.mark.parametrize(
    ("part", "body"),
    [
        (HEADER_PART, b"{}"),
        (HEADER_PART.replace(b"X-Road-Id:1", b"X-Road-Id:2"), None),
        (HEADER_PART.replace(b"GET", b"PUT"), None),
        (HEADER_PART, b"x"),
    ],
)
def test_any_change_of_headers_or_body_changes_the_hash(part: bytes, body: bytes | None) -> None:
    assert request_hash(part, body) != request_hash(HEADER_PART, None)


def test_two_identical_requests_hash_differently_because_of_the_request_id() -> None:
    def part(request_id: str) -> bytes:
        return request_header_part("GET", "/r1/A/B/C/D/E", [("X-Road-Request-Id", request_id)])

    assert request_hash(part("id-1"), b"{}") != request_hash(part("id-2"), b"{}")


def _response_headers(**overrides: str) -> list[tuple[str, str]]:
    headers = {
        "X-Road-Id": MESSAGE_ID,
        "X-Road-Client": "JP-KIT/GOV/LG-131016/childcare",
        "X-Road-Service": "JP-KIT/GOV/LG-139998/resident/basic4",
        "X-Road-Request-Id": REQUEST_ID,
        "X-Road-Request-Hash": "hash==",
    }
    headers.update(overrides)
    return [("Content-Type", "application/json"), *headers.items()]


def _check(headers: list[tuple[str, str]]) -> None:
    check_response_headers(
        headers,
        message_id=MESSAGE_ID,
        client=CLIENT,
        service=SERVICE,
        request_id=REQUEST_ID,
        request_hash="hash==",
    )


def test_a_consistent_response_passes_the_consumer_check() -> None:
    _check(_response_headers())
    _check(_response_headers(**{"X-Road-Client": "JP-KIT/GOV/LG%2D131016/childcare"}))


@pytest.mark.parametrize(
    "overrides",
    [
        {"X-Road-Id": "other"},
        {"X-Road-Request-Id": "other"},
        {"X-Road-Request-Hash": "wrong=="},
        {"X-Road-Request-Hash": ""},
        {"X-Road-Client": "JP-KIT/GOV/LG-131016/pension"},
        {"X-Road-Client": "JP-KIT/GOV/LG-131016"},
        {"X-Road-Client": "JP-KIT/GOV/LG-131016/child_care"},
        {"X-Road-Service": "JP-KIT/GOV/LG-139998/resident/other"},
        {"X-Road-Service": "JP-KIT/GOV/LG-139998/resident"},
        {"X-Road-Service": ""},
    ],
)
def test_a_response_with_a_wrong_id_or_hash_is_inconsistent(overrides: dict[str, str]) -> None:
    with pytest.raises(ExchangeError) as info:
        _check(_response_headers(**overrides))
    assert info.value.code == "Server.ClientProxy.InconsistentResponse"
    assert info.value.status == 500


@pytest.mark.parametrize(
    "missing",
    ["X-Road-Id", "X-Road-Client", "X-Road-Service", "X-Road-Request-Id", "X-Road-Request-Hash"],
)
def test_a_response_missing_an_x_road_header_is_inconsistent(missing: str) -> None:
    headers = [(name, value) for name, value in _response_headers() if name != missing]
    with pytest.raises(ExchangeError) as info:
        _check(headers)
    assert info.value.code == "Server.ClientProxy.InconsistentResponse"
