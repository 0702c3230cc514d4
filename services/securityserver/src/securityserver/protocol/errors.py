"""The exchange layer's own errors (xroad.md §1.7).

When a security server itself fails (not the provider's information system), the answer carries
``X-Road-Error: <type>`` and a ``{"type", "message", "detail"}`` body, JSON by default and XML
when the caller's ``Accept`` asks for it. A type starting with ``Server.`` gives 500, anything
else (``Client.``) gives 400. Codes use the spec's CamelCase spelling (xroad.md §1.7, §7 "Keep" 1).

Errors the provider's information system answers with are *not* these: they pass through
unchanged (category 1 of §1.7).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from xml.sax.saxutils import escape

__all__ = [
    "JSON_CONTENT_TYPE",
    "X_ROAD_ERROR",
    "ErrorResponse",
    "ExchangeError",
    "FaultCode",
    "error_json",
    "error_xml",
    "render_error",
    "status_for",
    "wants_xml",
    "xml_content_type",
]

#: The header naming the fault type on every error the layer itself produces.
X_ROAD_ERROR = "X-Road-Error"

JSON_CONTENT_TYPE = "application/json;charset=utf-8"

_CODE = re.compile(r"^(?:Client|Server)(?:\.[A-Z][A-Za-z0-9]*)+$")
_XML_MEDIA_TYPES = frozenset({"text/xml", "application/xml", "text/*"})
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class FaultCode(StrEnum):
    """The fault types this kit emits (xroad.md §1.7, X-Road <= 7.7 CamelCase spelling).

    ``Client.*`` is category 3 (the consumer's request breaks PR-REST, 400);
    ``Server.ClientProxy.*`` arises at the consumer's security server and
    ``Server.ServerProxy.*`` at the provider's (both 500). More specific codes, such as
    ``Server.ServerProxy.ServiceFailed.HttpError``, are built with :meth:`sub`.
    """

    # Category 3: the request breaks the protocol.
    BAD_REQUEST = "Client.BadRequest"
    INVALID_CLIENT_IDENTIFIER = "Client.InvalidClientIdentifier"
    INVALID_PROTOCOL_VERSION = "Client.InvalidProtocolVersion"

    # The consumer's security server.
    CLIENT_PROXY_UNKNOWN_MEMBER = "Server.ClientProxy.UnknownMember"
    CLIENT_PROXY_SSL_AUTHENTICATION_FAILED = "Server.ClientProxy.SslAuthenticationFailed"
    OUTDATED_GLOBAL_CONF = "Server.ClientProxy.OutdatedGlobalConf"
    CLIENT_PROXY_NETWORK_ERROR = "Server.ClientProxy.NetworkError"
    CLIENT_PROXY_IO_ERROR = "Server.ClientProxy.IOError"
    INCONSISTENT_RESPONSE = "Server.ClientProxy.InconsistentResponse"
    CLIENT_PROXY_LOGGING_FAILED = "Server.ClientProxy.LoggingFailed"
    CLIENT_PROXY_INTERNAL_ERROR = "Server.ClientProxy.InternalError"

    # The provider's security server (or the provider IS it could not reach).
    SERVER_PROXY_UNKNOWN_MEMBER = "Server.ServerProxy.UnknownMember"
    UNKNOWN_SERVICE = "Server.ServerProxy.UnknownService"
    SERVICE_TYPE = "Server.ServerProxy.ServiceType"
    ACCESS_DENIED = "Server.ServerProxy.AccessDenied"
    SERVICE_DISABLED = "Server.ServerProxy.ServiceDisabled"
    SERVER_PROXY_SSL_AUTHENTICATION_FAILED = "Server.ServerProxy.SslAuthenticationFailed"
    SERVER_PROXY_NETWORK_ERROR = "Server.ServerProxy.NetworkError"
    SERVER_PROXY_IO_ERROR = "Server.ServerProxy.IOError"
    SERVICE_FAILED = "Server.ServerProxy.ServiceFailed"
    INVALID_SIGNATURE_VALUE = "Server.ServerProxy.InvalidSignatureValue"
    MALFORMED_SIGNATURE = "Server.ServerProxy.MalformedSignature"
    INVALID_HASH_CHAIN = "Server.ServerProxy.InvalidHashChain"
    SERVER_PROXY_INVALID_REQUEST = "Server.ServerProxy.InvalidRequest"
    SERVER_PROXY_INTERNAL_ERROR = "Server.ServerProxy.InternalError"

    def sub(self, *parts: str) -> str:
        """A more specific code under this one: ``SERVICE_FAILED.sub("HttpError")``."""
        code = ".".join([self.value, *parts])
        if not _CODE.match(code):
            raise ValueError(f"not a fault code: {code!r}")
        return code


def status_for(code: str) -> int:
    """The HTTP status of a fault type: ``Server.*`` gives 500, anything else 400 (§1.7)."""
    return 500 if code.startswith("Server.") else 400


class ExchangeError(Exception):
    """A fault of the exchange layer itself, with its protocol fault type.

    ``code`` is the CamelCase type (``Client.BadRequest``, ``Server.ServerProxy.AccessDenied``,
    ...); ``message`` is a one-line human explanation that never contains a stack trace.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        if not _CODE.match(code):
            raise ValueError(f"not a fault code: {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = str(code)
        self.message = message

    @property
    def status(self) -> int:
        """400 for ``Client.*``, 500 for ``Server.*``."""
        return status_for(self.code)

    def __repr__(self) -> str:
        return f"ExchangeError({self.code!r}, {self.message!r})"


def wants_xml(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for the error as XML (§1.7, content negotiation).

    It does when one of its media ranges is ``text/xml``, ``application/xml`` or ``text/*``
    (case-insensitive, parameters ignored, a range with ``q=0`` refused). No header, ``*/*``,
    JSON or anything unknown gives JSON.
    """
    return _xml_range(accept) is not None


def xml_content_type(accept: str | None) -> str:
    """The XML content type matching what was asked: ``application/xml`` or ``text/xml``."""
    if _xml_range(accept) == "application/xml":
        return "application/xml;charset=utf-8"
    return "text/xml;charset=utf-8"


def _xml_range(accept: str | None) -> str | None:
    if not accept:
        return None
    for item in accept.split(","):
        media, *params = (piece.strip() for piece in item.split(";"))
        media = media.lower()
        if media not in _XML_MEDIA_TYPES or _refused(params):
            continue
        return media
    return None


def _refused(params: list[str]) -> bool:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip()) == 0
            except ValueError:
                return False
    return False


def error_json(error: ExchangeError, detail: str) -> bytes:
    """The JSON body ``{"type", "message", "detail"}``; ``detail`` points to the log entry."""
    body = {"type": error.code, "message": error.message, "detail": detail}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def error_xml(error: ExchangeError, detail: str) -> bytes:
    """The XML body ``<error><type/><message/><detail/></error>``."""

    def text(value: str) -> str:
        return escape(_NOT_XML.sub("\ufffd", value))

    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<error><type>{text(error.code)}</type>"
        f"<message>{text(error.message)}</message>"
        f"<detail>{text(detail)}</detail></error>"
    ).encode()


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """Everything the HTTP boundary needs to answer with a layer error."""

    status: int
    content_type: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def render_error(error: ExchangeError, *, accept: str | None, detail: str) -> ErrorResponse:
    """The whole answer for ``error``: status, ``X-Road-Error`` and the negotiated body.

    ``detail`` is the identifier of the security server's log entry (a UUID the caller makes),
    never a stack trace.
    """
    if wants_xml(accept):
        content_type, body = xml_content_type(accept), error_xml(error, detail)
    else:
        content_type, body = JSON_CONTENT_TYPE, error_json(error, detail)
    headers = ((X_ROAD_ERROR, error.code), ("Content-Type", content_type))
    return ErrorResponse(error.status, content_type, headers, body)
