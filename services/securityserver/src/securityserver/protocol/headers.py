"""Which headers cross the exchange, which the security servers add, and the request hash.

Headers are sequences of ``(name, value)`` pairs in the order they arrived; names compare
case-insensitively, duplicates are kept. References are xroad.md §1.3 (request headers), §1.4
(what the provider receives), §1.5 (response headers, request hash) and §1.6 (filtering).

* Never passed on: the hop-by-hop headers (``Connection`` and every header it names,
  ``Keep-Alive``, ``Proxy-*``, ``TE``, ``Trailer``, ``Transfer-Encoding``, ``Upgrade``), the
  origin headers (``Host``, ``User-Agent``, ``Server``), ``Content-Length`` and ``Expect``
  (recomputed or answered by the HTTP layer), and the headers the security servers own
  (``X-Road-Request-Id``, ``X-Road-Request-Hash``, ``X-Road-Service``, ``X-Road-Error``; a
  client's ``X-Road-Client`` and ``X-Road-Id`` are replaced by the checked values).
* Everything else passes unchanged: ``Content-Type``, ``Accept``, ``Authorization``, cache
  headers, ``X-Road-UserId``, ``X-Road-Issue``, any other ``X-Road-*`` or custom header.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Sequence

from securityserver.protocol.errors import ExchangeError, FaultCode
from securityserver.protocol.identifiers import (
    ClientId,
    ServiceId,
    parse_client_header,
    parse_service_header,
)

__all__ = [
    "HOP_BY_HOP",
    "ORIGIN",
    "X_ROAD_CLIENT",
    "X_ROAD_ID",
    "X_ROAD_ISSUE",
    "X_ROAD_REQUEST_HASH",
    "X_ROAD_REQUEST_ID",
    "X_ROAD_SERVICE",
    "X_ROAD_USER_ID",
    "Headers",
    "check_response_headers",
    "client_response_headers",
    "filter_request_headers",
    "filter_response_headers",
    "keep_or_generate_id",
    "last_value",
    "provider_request_headers",
    "request_hash",
    "request_header_part",
    "response_header_part",
]

Headers = Sequence[tuple[str, str]]

X_ROAD_CLIENT = "X-Road-Client"
X_ROAD_ID = "X-Road-Id"
X_ROAD_USER_ID = "X-Road-UserId"
X_ROAD_ISSUE = "X-Road-Issue"
X_ROAD_SERVICE = "X-Road-Service"
X_ROAD_REQUEST_ID = "X-Road-Request-Id"
X_ROAD_REQUEST_HASH = "X-Road-Request-Hash"
#: The secret a security server and its member's information systems show each other (the
#: kit's stand-in for X-Road's IS TLS authentication; govkit.exchange.provider has the same).
INFORMATION_SYSTEM_TOKEN = "X-Madoguchi-Security-Server-Token"  # noqa: S105 - a header name

#: Hop-by-hop headers (RFC 9110 §7.6.1, xroad.md §1.6); any ``Proxy-*`` header is one too.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

#: Headers that would tell one side where the other runs (xroad.md §1.6).
ORIGIN = frozenset({"host", "user-agent", "server"})

# Framing the HTTP layer recomputes or answers itself (xroad.md §1.4, §1.6).
_FRAMING = frozenset({"content-length", "expect"})

# Headers only a security server sets, whoever else sends them; the token never leaves the
# hop between a server and its own information systems (not signed, logged or relayed).
_SS_OWNED = frozenset(
    {
        "x-road-request-id",
        "x-road-request-hash",
        "x-road-service",
        "x-road-error",
        "x-road-client",
        "x-road-id",
        INFORMATION_SYSTEM_TOKEN.lower(),
    }
)

_CRLF = b"\r\n"


def _connection_named(headers: Headers) -> frozenset[str]:
    named = set()
    for name, value in headers:
        if name.lower() == "connection":
            named.update(token.strip().lower() for token in value.split(","))
    return frozenset(named - {""})


def _filter(headers: Headers) -> list[tuple[str, str]]:
    named = _connection_named(headers)
    kept = []
    for name, value in headers:
        lower = name.lower()
        if (
            lower in HOP_BY_HOP
            or lower.startswith("proxy-")
            or lower in named
            or lower in ORIGIN
            or lower in _FRAMING
            or lower in _SS_OWNED
        ):
            continue
        kept.append((name, value))
    return kept


def last_value(headers: Headers, name: str) -> str | None:
    """The value of the last header called ``name`` (the last ``X-Road-Client`` wins, §1.3)."""
    lower = name.lower()
    found = None
    for key, value in headers:
        if key.lower() == lower:
            found = value
    return found


#: The longest ``X-Road-Id``, ``X-Road-UserId`` and ``X-Road-Issue`` a server keeps (its
#: message log and monitoring records hold 255 characters), and the longest client and
#: service identifiers (300 and 400).
MAX_HEADER_VALUE = 255
MAX_CLIENT_ID = 300
MAX_SERVICE_ID = 400


def check_lengths(headers: Headers, client: str, service: str) -> None:
    """``Client.BadRequest`` for a value longer than this server keeps: said to the caller
    before anything is logged or monitored (a record that does not fit would be lost, and
    other callers' records with it)."""
    for name in (X_ROAD_ID, X_ROAD_USER_ID, X_ROAD_ISSUE):
        value = last_value(headers, name)
        if value is not None and len(value) > MAX_HEADER_VALUE:
            raise ExchangeError(
                FaultCode.BAD_REQUEST, f"{name} is longer than {MAX_HEADER_VALUE} characters"
            )
    if len(client) > MAX_CLIENT_ID or len(service) > MAX_SERVICE_ID:
        raise ExchangeError(
            FaultCode.BAD_REQUEST,
            f"The client or service identifier is longer than {MAX_CLIENT_ID} or "
            f"{MAX_SERVICE_ID} characters",
        )


def keep_or_generate_id(supplied: str | None, generate: Callable[[], str]) -> str:
    """The ``X-Road-Id``: the client's value kept as it is, or a new one when absent or empty.

    ``generate`` makes the new value; the reference uses ``"{INSTANCE}-{uuid4}"`` (§1.3).
    """
    if supplied is not None and supplied.strip(" \t") != "":
        return supplied
    return generate()


def filter_request_headers(headers: Headers) -> list[tuple[str, str]]:
    """The client's request headers that are forwarded, in order (§1.3, §1.6)."""
    return _filter(headers)


def provider_request_headers(
    headers: Headers, *, client: ClientId, message_id: str, request_id: str
) -> list[tuple[str, str]]:
    """What the provider IS receives: the filtered client headers plus the checked
    ``X-Road-Client``, the ``X-Road-Id`` and the exchange's fresh ``X-Road-Request-Id`` (§1.4).
    """
    return [
        *_filter(headers),
        (X_ROAD_CLIENT, str(client)),
        (X_ROAD_ID, message_id),
        (X_ROAD_REQUEST_ID, request_id),
    ]


def filter_response_headers(headers: Headers) -> list[tuple[str, str]]:
    """The provider's response headers that are returned, in order (§1.5, §1.6).

    A ``Location`` is kept (redirects are returned, never followed); only the first ``Date``
    is kept; the X-Road headers the security servers own are dropped, so a provider cannot
    forge them (they are set again by :func:`client_response_headers`).
    """
    kept = []
    seen_date = False
    for name, value in _filter(headers):
        if name.lower() == "date":
            if seen_date:
                continue
            seen_date = True
        kept.append((name, value))
    return kept


def client_response_headers(
    headers: Headers,
    *,
    message_id: str,
    client: ClientId,
    service: ServiceId,
    request_id: str,
    request_hash: str,
) -> list[tuple[str, str]]:
    """The response headers the consumer IS receives: the provider's, filtered, plus the five
    the provider's security server sets (§1.5).
    """
    return [
        *filter_response_headers(headers),
        (X_ROAD_ID, message_id),
        (X_ROAD_CLIENT, str(client)),
        (X_ROAD_SERVICE, str(service)),
        (X_ROAD_REQUEST_ID, request_id),
        (X_ROAD_REQUEST_HASH, request_hash),
    ]


def _header_lines(headers: Iterable[tuple[str, str]]) -> bytes:
    lines = []
    for name, value in headers:
        if any(c in name + value for c in "\r\n\x00") or ":" in name:
            raise ValueError(f"header {name!r} cannot be serialised")
        lines.append(f"{name}:{value}".encode() + _CRLF)
    return b"".join(lines)


def request_header_part(method: str, raw_target: str, headers: Headers) -> bytes:
    """The REST header part of a request, which both security servers sign and hash (§1.5).

    UTF-8 of ``METHOD CRLF raw-path[?raw-query] CRLF`` then one ``Name:Value CRLF`` line per
    forwarded header, in order, without a space after the colon.
    """
    if any(c in method + raw_target for c in "\r\n\x00"):
        raise ValueError("the request line cannot be serialised")
    return method.encode() + _CRLF + raw_target.encode() + _CRLF + _header_lines(headers)


def response_header_part(status: int, reason: str, headers: Headers) -> bytes:
    """The REST header part of a response: ``STATUS CRLF REASON CRLF Name:Value CRLF...``."""
    if any(c in reason for c in "\r\n\x00"):
        raise ValueError("the reason phrase cannot be serialised")
    return str(status).encode() + _CRLF + reason.encode() + _CRLF + _header_lines(headers)


def request_hash(header_part: bytes, body: bytes | None) -> str:
    """``X-Road-Request-Hash``: base64 of ``SHA512(SHA512(headers) + SHA512(body))``, or of
    ``SHA512(headers)`` when there is no body (§1.5). Digests are concatenated as raw bytes;
    an empty body counts as no body. Standard base64 with padding.
    """
    headers_digest = hashlib.sha512(header_part).digest()
    if not body:
        return base64.b64encode(headers_digest).decode("ascii")
    combined = headers_digest + hashlib.sha512(body).digest()
    return base64.b64encode(hashlib.sha512(combined).digest()).decode("ascii")


def check_response_headers(
    headers: Headers,
    *,
    message_id: str,
    client: ClientId,
    service: ServiceId,
    request_id: str,
    request_hash: str,
) -> None:
    """The consumer's security server's check of a response against its request (§1.5).

    Any missing or different ``X-Road-Id``, ``X-Road-Client``, ``X-Road-Service``,
    ``X-Road-Request-Id`` or ``X-Road-Request-Hash`` raises
    ``Server.ClientProxy.InconsistentResponse``; the response must then not be forwarded.
    """
    code = FaultCode.INCONSISTENT_RESPONSE
    for name, expected in (
        (X_ROAD_ID, message_id),
        (X_ROAD_REQUEST_ID, request_id),
        (X_ROAD_REQUEST_HASH, request_hash),
    ):
        if last_value(headers, name) != expected:
            raise ExchangeError(code, f"The response's {name} does not match the request")
    try:
        got_client = parse_client_header(last_value(headers, X_ROAD_CLIENT))
    except ExchangeError as exc:
        raise ExchangeError(code, f"The response's {X_ROAD_CLIENT} is invalid") from exc
    if got_client != client:
        raise ExchangeError(code, f"The response's {X_ROAD_CLIENT} does not match the request")
    got_service = parse_service_header(last_value(headers, X_ROAD_SERVICE), code=code)
    if got_service != service:
        raise ExchangeError(code, f"The response's {X_ROAD_SERVICE} does not match the request")
