"""The message between two security servers: the signed REST header part, the body, the JWS.

xroad.md §7 lets the kit pick its own SS-to-SS encoding, invisible to information systems. One
HTTP message carries one exchange message::

    POST /exchange/v1/message            (request)   |   200 OK   (response)
    X-Madoguchi-Signature: <compact JWS, securityserver.signing>
    X-Madoguchi-Header-Length: <bytes of the header part>
    Content-Type: application/octet-stream

    <REST header part><body>

The header part is exactly what both servers sign and hash (``request_header_part`` /
``response_header_part``), so nothing the HTTP layer adds or reorders on the way can change
what was signed. A security server's own refusal comes back instead as the X-Road error JSON
with ``X-Road-Error`` (not signed, as X-Road's SOAP faults are not).

Pure: parsing only, no network.
"""

from __future__ import annotations

from dataclasses import dataclass

from securityserver.protocol.errors import ExchangeError, FaultCode

SIGNATURE_HEADER = "X-Madoguchi-Signature"
HEADER_LENGTH_HEADER = "X-Madoguchi-Header-Length"
PATH = "/exchange/v1/message"
CONTENT_TYPE = "application/octet-stream"

_MAX_HEADER_PART = 256 * 1024


@dataclass(frozen=True, slots=True)
class Envelope:
    """One signed message: its header part, body and signature."""

    header_part: bytes
    body: bytes
    signature: str

    def http_headers(self) -> dict[str, str]:
        return {
            SIGNATURE_HEADER: self.signature,
            HEADER_LENGTH_HEADER: str(len(self.header_part)),
            "Content-Type": CONTENT_TYPE,
        }

    @property
    def payload(self) -> bytes:
        return self.header_part + self.body


@dataclass(frozen=True, slots=True)
class RequestHead:
    method: str
    raw_target: str
    headers: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ResponseHead:
    status: int
    reason: str
    headers: list[tuple[str, str]]


def open_envelope(
    signature: str | None, header_length: str | None, payload: bytes, code: str
) -> Envelope:
    """Split what arrived into header part and body; ``code`` is the fault to raise (the
    receiving side's ``MalformedSignature``/``InvalidRequest``)."""
    if not signature:
        raise ExchangeError(code, f"The message has no {SIGNATURE_HEADER}")
    if header_length is None or not header_length.isdigit():
        raise ExchangeError(code, f"The message has no valid {HEADER_LENGTH_HEADER}")
    length = int(header_length)
    if length > min(len(payload), _MAX_HEADER_PART):
        raise ExchangeError(code, "The message's header part is longer than the message")
    return Envelope(payload[:length], payload[length:], signature)


def _lines(part: bytes, code: str) -> list[str]:
    try:
        text = part.decode("utf-8")
    except UnicodeDecodeError:
        raise ExchangeError(code, "The header part is not UTF-8") from None
    if not text.endswith("\r\n"):
        raise ExchangeError(code, "The header part does not end with CRLF")
    return text[:-2].split("\r\n")


def _headers(lines: list[str], code: str) -> list[tuple[str, str]]:
    headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name:
            raise ExchangeError(code, "The header part has a line that is not Name:Value")
        headers.append((name, value))
    return headers


def parse_request_head(
    part: bytes, code: str = FaultCode.SERVER_PROXY_INVALID_REQUEST
) -> RequestHead:
    """The method, raw target and headers of a request header part."""
    lines = _lines(part, code)
    if len(lines) < 2 or not lines[0] or not lines[1].startswith("/"):
        raise ExchangeError(code, "The header part has no request line")
    return RequestHead(lines[0], lines[1], _headers(lines[2:], code))


def parse_response_head(part: bytes, code: str = FaultCode.INCONSISTENT_RESPONSE) -> ResponseHead:
    """The status, reason and headers of a response header part."""
    lines = _lines(part, code)
    if len(lines) < 2 or not lines[0].isdigit() or not 100 <= int(lines[0]) <= 599:
        raise ExchangeError(code, "The response's header part has no status line")
    return ResponseHead(int(lines[0]), lines[1], _headers(lines[2:], code))
