"""The parts of one exchange message a service deals with: the call's context (who for, why)
and the answer (status, headers, body, the X-Road response headers).

Request headers a call sends (xroad.md §1.3, §7 "Fit with the rest of the kit"):

=========================== ===============================================================
``X-Road-Client``           this service's subsystem, each part percent-encoded
``X-Road-Id``               :attr:`CallContext.x_road_id`, or a fresh UUID (kept end to end)
``X-Road-UserId``           :attr:`CallContext.user_id`: the citizen's *pseudonymous* id
``X-Road-Issue``            :attr:`CallContext.issue`: the case or application id
``X-Madoguchi-Legal-Basis`` :attr:`CallContext.legal_basis`, percent-encoded UTF-8
``X-Madoguchi-Purpose``     :attr:`CallContext.purpose`, percent-encoded UTF-8
``X-Request-Id``            :attr:`CallContext.request_id`: the incoming request's id
=========================== ===============================================================
"""

from __future__ import annotations

import json as jsonlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from govkit.exchange.errors import ExchangeFault, InvalidResponse, ProviderError

__all__ = [
    "CONTROLLED_HEADERS",
    "LEGAL_BASIS_HEADER",
    "LEGAL_BASIS_SCHEMES",
    "PURPOSE_HEADER",
    "SECURITY_SERVER_TOKEN_HEADER",
    "CallContext",
    "ExchangeResponse",
    "decode_legal_basis",
    "encode_legal_basis",
    "looks_like_resident_number",
    "parse_fault",
]

X_ROAD_CLIENT = "X-Road-Client"
X_ROAD_ID = "X-Road-Id"
X_ROAD_USER_ID = "X-Road-UserId"
X_ROAD_ISSUE = "X-Road-Issue"
X_ROAD_SERVICE = "X-Road-Service"
X_ROAD_REQUEST_ID = "X-Road-Request-Id"
X_ROAD_REQUEST_HASH = "X-Road-Request-Hash"
X_ROAD_ERROR = "X-Road-Error"
REQUEST_ID = "X-Request-Id"
#: The legal basis of a call (statutory article or consent id), logged by the provider.
LEGAL_BASIS_HEADER = "X-Madoguchi-Legal-Basis"
#: How a legal basis starts: ``consent:<consent id>`` or ``law:<statutory article>``.
LEGAL_BASIS_SCHEMES = ("consent:", "law:")
#: What the data is wanted for, in words the citizen will read in their data tracker.
PURPOSE_HEADER = "X-Madoguchi-Purpose"
#: The secret a security server and its member's information systems show each other, both
#: ways (``<PREFIX>SECURITY_SERVER_TOKEN``; :mod:`govkit.exchange.provider`).
SECURITY_SERVER_TOKEN_HEADER = "X-Madoguchi-Security-Server-Token"  # noqa: S105 - a name

#: Headers the client sets itself (from :class:`CallContext`) or the security server owns;
#: a call's ``headers=`` may not name them.
CONTROLLED_HEADERS = frozenset(
    name.lower()
    for name in (
        X_ROAD_CLIENT,
        X_ROAD_ID,
        X_ROAD_USER_ID,
        X_ROAD_ISSUE,
        X_ROAD_REQUEST_ID,
        X_ROAD_REQUEST_HASH,
        LEGAL_BASIS_HEADER,
        PURPOSE_HEADER,
        REQUEST_ID,
        SECURITY_SERVER_TOKEN_HEADER,
    )
)

_HEADER_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
_MAX_HEADER_VALUE = 1024
# Characters kept as they are in an encoded legal basis (RFC 3986 pchar and "/"); "%" and
# everything else is escaped, so decoding is unambiguous.
_LEGAL_BASIS_SAFE = "!$&'()*+,;=:@/"
# Digit groups of an identity number may be written with spaces, dashes or dots.
_SEPARATORS = re.compile(r"(?<=\d)[\s\-‐‑‒–—―−ー.・]+(?=\d)")
_DIGIT_RUN = re.compile(r"\d+", re.ASCII)
_ERROR_TEXT_LIMIT = 1000


def looks_like_resident_number(value: str) -> bool:
    """Whether ``value`` holds something shaped like a My Number (12 digits) or a resident
    record code (住民票コード, 11 digits): a run of exactly 11 or 12 digits, counting
    full-width digits and digits grouped with spaces, dashes or dots."""
    normal = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    return any(len(run) in (11, 12) for run in _DIGIT_RUN.findall(normal))


def check_header_value(value: str, name: str) -> str:
    """``value`` if it can go out as a header as it is: visible ASCII (inner spaces allowed),
    no line breaks, at most 1024 characters; ``ValueError`` naming the header otherwise."""
    if not isinstance(value, str) or not _HEADER_VALUE.fullmatch(value):
        raise ValueError(f"{name} must be visible ASCII without line breaks or surrounding spaces")
    if len(value) > _MAX_HEADER_VALUE:
        raise ValueError(f"{name} is longer than {_MAX_HEADER_VALUE} characters")
    return value


def encode_legal_basis(value: str) -> str:
    """The header form of a legal basis: UTF-8, percent-encoded (``law:%E4%BD%8F…``)."""
    return quote(value, safe=_LEGAL_BASIS_SAFE)


def decode_legal_basis(header: str) -> str:
    """The legal basis a provider reads back from :data:`LEGAL_BASIS_HEADER`; ``ValueError``
    when it is not percent-encoded UTF-8."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", header):
        raise ValueError("the legal basis has a '%' that starts no escape")
    try:
        text = unquote_to_bytes(header).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("the legal basis is not UTF-8") from exc
    if re.search("[\x00-\x1f\x7f]", text):
        raise ValueError("the legal basis holds a control character")
    return text


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who a call is for and why; each field becomes a header (see the module's table).

    * ``issue`` — the case or application id (``X-Road-Issue``);
    * ``user_id`` — the citizen's pseudonymous id, e.g. ``"JP" + sub`` (``X-Road-UserId``).
      Anything holding 11 or 12 digits in a row is refused with ``ValueError`` before
      anything is sent: the My Number and the 住民票コード never leave in a header;
    * ``legal_basis`` — ``"consent:<consent id>"`` or ``"law:<statutory article>"``
      (``X-Madoguchi-Legal-Basis``, percent-encoded UTF-8 so 住民基本台帳法第30条の11 survives);
    * ``purpose`` — what the data is for, in plain words (``X-Madoguchi-Purpose``,
      percent-encoded UTF-8); the provider shows it to the citizen in their data tracker;
    * ``x_road_id`` — a message id to keep end to end (a fresh UUID when ``None``);
    * ``request_id`` — the incoming request's id, to follow one citizen request across services.
    """

    issue: str | None = None
    user_id: str | None = None
    legal_basis: str | None = None
    x_road_id: str | None = None
    request_id: str | None = None
    purpose: str | None = None

    def __post_init__(self) -> None:
        if self.user_id is not None:
            if not isinstance(self.user_id, str):
                raise TypeError("user_id must be a string")
            # Checked first, and the message never shows the value.
            if looks_like_resident_number(self.user_id):
                raise ValueError(
                    "user_id looks like a My Number or a resident record code; "
                    "send the citizen's pseudonymous id instead"
                )
            check_header_value(self.user_id, "user_id")
        for name in ("issue", "x_road_id", "request_id"):
            value = getattr(self, name)
            if value is not None:
                check_header_value(value, name)
        if self.legal_basis is not None:
            basis = self.legal_basis
            if not isinstance(basis, str) or not any(
                basis.startswith(scheme) and basis[len(scheme) :].strip()
                for scheme in LEGAL_BASIS_SCHEMES
            ):
                raise ValueError(
                    "legal_basis must be 'consent:<consent id>' or 'law:<statutory article>'"
                )
            if any(unicodedata.category(char)[0] == "C" for char in basis):
                raise ValueError("legal_basis may not hold control characters")
            check_header_value(encode_legal_basis(basis), "legal_basis (encoded)")
        if self.purpose is not None:
            if not isinstance(self.purpose, str) or not self.purpose.strip():
                raise ValueError("purpose must be a non-empty string")
            if any(unicodedata.category(char)[0] == "C" for char in self.purpose):
                raise ValueError("purpose may not hold control characters")
            check_header_value(encode_legal_basis(self.purpose), "purpose (encoded)")

    def headers(self, x_road_id: str) -> dict[str, str]:
        """The headers this context adds to a call sent with message id ``x_road_id``."""
        headers = {X_ROAD_ID: x_road_id}
        if self.user_id is not None:
            headers[X_ROAD_USER_ID] = self.user_id
        if self.issue is not None:
            headers[X_ROAD_ISSUE] = self.issue
        if self.legal_basis is not None:
            headers[LEGAL_BASIS_HEADER] = encode_legal_basis(self.legal_basis)
        if self.purpose is not None:
            headers[PURPOSE_HEADER] = encode_legal_basis(self.purpose)
        if self.request_id is not None:
            headers[REQUEST_ID] = self.request_id
        return headers


def _text(value: Any) -> str:
    """A short, printable string from an untrusted error field."""
    if not isinstance(value, str):
        return ""
    cleaned = "".join(char for char in value if char.isprintable())
    return cleaned[:_ERROR_TEXT_LIMIT]


def parse_fault(
    code: str,
    body: bytes | None,
    *,
    status: int,
    service: str | None = None,
    x_road_id: str | None = None,
) -> ExchangeFault:
    """An :class:`ExchangeFault` from the ``X-Road-Error`` value and the error body.

    The header's code is authoritative. The body is read defensively: ``None`` (too large,
    not read), bad JSON, a non-object or non-string fields only lose ``message``/``detail``.
    """
    message = detail = kind = ""
    if body:
        try:
            document = jsonlib.loads(body)
        except (ValueError, RecursionError):
            document = None
        if isinstance(document, dict):
            message = _text(document.get("message"))
            detail = _text(document.get("detail"))
            kind = _text(document.get("type"))
    code = _text(code).strip()[:200] or kind.strip()[:200] or "Server.Unknown"
    return ExchangeFault(
        code, message, detail=detail, status=status, service=service, x_road_id=x_road_id
    )


@dataclass(frozen=True, slots=True)
class ExchangeResponse:
    """The provider's answer, as the own security server returned it.

    Redirects are answers too: a 3xx comes back with its ``Location``, never followed.
    ``headers`` is case-insensitive; ``x_road_id``, ``request_id``, ``request_hash``,
    ``service`` and ``client`` are the X-Road response headers (``None`` when absent).
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    reason: str = ""
    #: The service called (string form), for error messages.
    called: str | None = field(default=None, repr=False)
    #: The message id the call went out with.
    sent_x_road_id: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def x_road_id(self) -> str | None:
        return self.headers.get(X_ROAD_ID)

    @property
    def request_id(self) -> str | None:
        return self.headers.get(X_ROAD_REQUEST_ID)

    @property
    def request_hash(self) -> str | None:
        return self.headers.get(X_ROAD_REQUEST_HASH)

    @property
    def service(self) -> str | None:
        return self.headers.get(X_ROAD_SERVICE)

    @property
    def client(self) -> str | None:
        return self.headers.get(X_ROAD_CLIENT)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (the kit's services answer in UTF-8)."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise self._invalid("the answer is not UTF-8 text") from None

    def json(self) -> Any:
        """The body parsed as JSON; :class:`InvalidResponse` when it is not JSON."""
        try:
            return jsonlib.loads(self.body)
        except (ValueError, RecursionError):
            raise self._invalid(f"the answer ({self.status}) is not JSON") from None

    def raise_for_status(self) -> ExchangeResponse:
        """``self`` when the provider answered 2xx, else :class:`ProviderError` (3xx too)."""
        if not self.ok:
            raise ProviderError(
                self.status,
                self.body,
                self.headers,
                service=self.called,
                x_road_id=self.x_road_id or self.sent_x_road_id,
            )
        return self

    def _invalid(self, message: str) -> InvalidResponse:
        return InvalidResponse(
            message, service=self.called, x_road_id=self.x_road_id or self.sent_x_road_id
        )
