"""The IS-facing request target of PR-REST ``r1`` (xroad.md §1.3).

``{METHOD} /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICECODE}[/{path}][?{query}]``

Parsing works on the **raw** request target, before any percent-decoding, as the reference
``RestRequest.decodeIdentifiers`` does: split the raw path on ``/`` into at most eight pieces;
piece 1 is the protocol version and must be ``r1``; pieces 2-6 are the service id, each
percent-decoded on its own and checked (so ``%2F`` inside a part decodes to ``/``, which the
strict character set refuses); piece 7, if present, is the service path, kept raw. The query
string is kept byte for byte. The boundary must hand over the raw target (e.g. gunicorn's
``RAW_URI``), never WSGI's decoded ``PATH_INFO``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from securityserver.protocol.errors import ExchangeError, FaultCode
from securityserver.protocol.identifiers import SERVICE_PARTS, ClientId, ServiceId, decode_parts

__all__ = [
    "METASERVICES",
    "METHODS",
    "PROTOCOL_VERSION",
    "RESERVED_SERVICE_CODES",
    "RestTarget",
    "check_method",
    "parse_path",
    "parse_target",
    "split_target",
]

PROTOCOL_VERSION = "r1"

#: Every method PR-REST accepts; whether one is *allowed* is for the access rights (§3.6).
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"})

#: Metaservices answered by the provider's security server under ``/r1/{subsystem}/...`` (§2).
METASERVICES = frozenset({"listMethods", "allowedMethods", "getOpenAPI"})

#: Service codes a provider may not register (xroad.md §2, X-Road issue #1363).
RESERVED_SERVICE_CODES = frozenset(
    {"listClients", "listCentralServices", "listMethods", "allowedMethods", "getWsdl", "getOpenAPI"}
)

_VERSION = re.compile(r"r[0-9]+")
# Bytes that may never appear raw in a request target: controls, space, DEL, non-ASCII and
# the fragment mark. They would let a client smuggle a new request line to the provider.
_NOT_IN_TARGET = re.compile(r"[\x00-\x20\x7f-\U0010ffff#]")
_ENCODED_SLASH = re.compile(r"%2[fF]")
#: A '%' that does not start an escape: HTTP libraries would "repair" it on the way on, so the
#: provider would not get the bytes the client sent.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

_SHAPE = "/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path][?query]"


@dataclass(frozen=True, slots=True)
class RestTarget:
    """A parsed ``r1`` request target.

    ``service_path`` is the raw rest of the path after the service code: ``""`` when there is
    none, ``"/"`` for a trailing slash, otherwise ``"/..."`` exactly as sent. ``query`` is the
    raw query string, ``None`` when the target had no ``?`` and ``""`` for a bare ``?``.
    """

    raw_path: str
    service: ServiceId
    service_path: str
    query: str | None

    @property
    def provider_target(self) -> str:
        """What follows the service's base URL at the provider: ``{path}[?{query}]`` (§1.4)."""
        return self.service_path if self.query is None else f"{self.service_path}?{self.query}"

    @property
    def raw_target(self) -> str:
        """The raw path and query as received (the second line of the signed header part)."""
        return self.raw_path if self.query is None else f"{self.raw_path}?{self.query}"

    @property
    def provider(self) -> ClientId:
        return self.service.provider

    @property
    def is_metaservice(self) -> bool:
        """A ``listMethods``/``allowedMethods``/``getOpenAPI`` call, which skips the ACL (§3.5)."""
        return self.service.service_code in METASERVICES


def split_target(raw_target: str) -> tuple[str, str | None]:
    """Split a raw request target into its raw path and raw query (``None`` without ``?``)."""
    path, mark, query = raw_target.partition("?")
    return path, (query if mark else None)


def parse_target(raw_target: str) -> RestTarget:
    """Parse a raw origin-form request target ``/r1/...[?query]``; see :func:`parse_path`."""
    return parse_path(*split_target(raw_target))


def parse_path(raw_path: str, raw_query: str | None = None) -> RestTarget:
    """Parse the raw ``/r1/...`` path (and keep the raw query) into a :class:`RestTarget`.

    * a character that may not appear raw in a target (control, space, non-ASCII, ``#``), a
      ``%`` that starts no escape, no leading ``/``, or no version segment: ``Client.BadRequest``;
    * a version other than ``r1`` (``/r2/...``): ``Client.InvalidProtocolVersion``;
    * fewer than five service-id parts, including a whole id encoded as one segment
      (``JP-KIT%2FGOV%2F...``): ``Client.BadRequest``;
    * a part with a bad escape or a forbidden character once decoded: ``Client.BadRequest``.
    """
    bad = FaultCode.BAD_REQUEST
    for name, value in (("path", raw_path), ("query", raw_query or "")):
        found = _NOT_IN_TARGET.search(value)
        if found:
            raise ExchangeError(
                bad, f"The request {name} contains U+{ord(found.group()):04X}, not allowed raw"
            )
        if _BAD_ESCAPE.search(value):
            raise ExchangeError(bad, f"The request {name} has a '%' that starts no escape (%XX)")
    if not raw_path.startswith("/"):
        raise ExchangeError(bad, f"The request path must have the form {_SHAPE}")
    pieces = raw_path.split("/", 7)
    version = pieces[1]
    if version != PROTOCOL_VERSION:
        if _VERSION.fullmatch(version):
            raise ExchangeError(
                FaultCode.INVALID_PROTOCOL_VERSION,
                f"Protocol version {version!r} is not supported; use {PROTOCOL_VERSION!r}",
            )
        raise ExchangeError(bad, f"The request path must have the form {_SHAPE}")
    if len(pieces) < 7:
        raise ExchangeError(bad, _too_few(pieces[2:]))
    parts = decode_parts(pieces[2:7], fields=SERVICE_PARTS, code=bad)
    service = ServiceId(ClientId(*parts[:4]), parts[4])
    service_path = "/" + pieces[7] if len(pieces) == 8 else ""
    return RestTarget(raw_path, service, service_path, raw_query)


def _too_few(id_pieces: list[str]) -> str:
    message = (
        f"The request path has {len(id_pieces)} of the 5 service-id parts; "
        f"it must have the form {_SHAPE}"
    )
    if any(_ENCODED_SLASH.search(piece) for piece in id_pieces):
        message += " with each part percent-encoded on its own (not the whole id as one segment)"
    return message


def check_method(method: str) -> str:
    """Return ``method`` if PR-REST accepts it (exact, upper case), else ``Client.BadRequest``."""
    if method not in METHODS:
        raise ExchangeError(FaultCode.BAD_REQUEST, f"HTTP method {method!r} is not supported")
    return method
