"""X-Road identifiers: clients (members and subsystems) and services (xroad.md §1.2).

* A **client** is ``INSTANCE/CLASS/MEMBER[/SUBSYSTEM]``. The spec makes the subsystem optional,
  but access rights are only granted to subsystems and the reference parser of ``X-Road-Client``
  demands exactly four parts, so on the wire a client is always a subsystem; a member-level
  :class:`ClientId` exists for signers and global configuration (``client.member``).
* A **service** is ``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE``. REST services have no
  version part (put the version in the path).
* Each part is UTF-8, **percent-encoded on its own** and joined with a literal ``/``; a
  decoded part may only use ``A-Z a-z 0-9`` and ``' ( ) + , - . = ?`` (PR-REST §4.8 as made
  stricter in 2023). So ``/``, ``\\``, ``;``, ``%``, ``:``, ``_``, spaces, control characters,
  zero-width spaces and the BOM are refused, at registration and at request time alike.
* Kit rule, stricter than the spec: a part may not be ``.`` or ``..``, which URL
  normalisation would read as a dot-segment.

Identifiers are exact, case-sensitive strings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from securityserver.protocol import percent
from securityserver.protocol.errors import ExchangeError, FaultCode

__all__ = [
    "CLIENT_PARTS",
    "SERVICE_PARTS",
    "ClientId",
    "InvalidIdentifier",
    "ServiceId",
    "check_part",
    "decode_parts",
    "identifier_problem",
    "parse_client_header",
    "parse_service_header",
]

_ALLOWED = re.compile(r"[A-Za-z0-9'()+,\-.=?]+")
_ALLOWED_CHAR = re.compile(r"[A-Za-z0-9'()+,\-.=?]")

CLIENT_PARTS = ("instance", "member class", "member code", "subsystem code")
SERVICE_PARTS = (*CLIENT_PARTS, "service code")


class InvalidIdentifier(ValueError):
    """An identifier built in code (configuration, global configuration) breaks the rules.

    Identifiers read from a request are refused with :class:`ExchangeError` instead, with the
    fault code that fits where they came from.
    """


def identifier_problem(value: str) -> str | None:
    """Why ``value`` (already decoded) is not a valid identifier part, or ``None`` if it is."""
    if value == "":
        return "is empty"
    if value in {".", ".."}:
        return f"may not be {value!r}"
    if _ALLOWED.fullmatch(value):
        return None
    bad = next(char for char in value if not _ALLOWED_CHAR.fullmatch(char))
    return f"contains the forbidden character {_describe(bad)}"


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    shown = f"'{char}' " if char.isprintable() and not char.isspace() else ""
    return f"{shown}(U+{ord(char):04X}{' ' + name if name else ''})"


def check_part(value: str, *, field: str, code: str) -> None:
    """Raise :class:`ExchangeError` with ``code`` when ``value`` is not a valid part."""
    problem = identifier_problem(value)
    if problem is not None:
        raise ExchangeError(code, f"The {field} {problem}")


def decode_parts(raw_parts: Sequence[str], *, fields: Sequence[str], code: str) -> list[str]:
    """Percent-decode each raw part on its own and check it; failures raise ``code``."""
    decoded = []
    for raw, field in zip(raw_parts, fields, strict=True):
        try:
            value = percent.decode(raw)
        except percent.PercentDecodingError as exc:
            message = f"The {field} is not percent-encoded correctly: {exc}"
            raise ExchangeError(code, message) from exc
        check_part(value, field=field, code=code)
        decoded.append(value)
    return decoded


def _validate(values: Sequence[str], fields: Sequence[str]) -> None:
    for value, field in zip(values, fields, strict=True):
        problem = identifier_problem(value)
        if problem is not None:
            raise InvalidIdentifier(f"The {field} {problem}")


def _encode(parts: Sequence[str]) -> str:
    return "/".join(percent.encode_part(part) for part in parts)


@dataclass(frozen=True, slots=True)
class ClientId:
    """A member (``subsystem_code=None``) or one of its subsystems."""

    instance: str
    member_class: str
    member_code: str
    subsystem_code: str | None = None

    def __post_init__(self) -> None:
        _validate(self.parts, CLIENT_PARTS[: len(self.parts)])

    @property
    def parts(self) -> tuple[str, ...]:
        """The decoded parts, three for a member and four for a subsystem."""
        member = (self.instance, self.member_class, self.member_code)
        return member if self.subsystem_code is None else (*member, self.subsystem_code)

    @property
    def is_subsystem(self) -> bool:
        return self.subsystem_code is not None

    @property
    def object_type(self) -> str:
        """``SUBSYSTEM`` or ``MEMBER``, as the metaservices name it (xroad.md §2)."""
        return "SUBSYSTEM" if self.is_subsystem else "MEMBER"

    @property
    def member(self) -> ClientId:
        """The member this client belongs to (itself when it is a member)."""
        return ClientId(self.instance, self.member_class, self.member_code)

    def __str__(self) -> str:
        """The header form, each part percent-encoded on its own (``X-Road-Client``)."""
        return _encode(self.parts)


@dataclass(frozen=True, slots=True)
class ServiceId:
    """A service of a provider subsystem."""

    provider: ClientId
    service_code: str

    def __post_init__(self) -> None:
        if not self.provider.is_subsystem:
            raise InvalidIdentifier("A service belongs to a subsystem, not to a member")
        _validate([self.service_code], ["service code"])

    @property
    def parts(self) -> tuple[str, ...]:
        """The five decoded parts."""
        return (*self.provider.parts, self.service_code)

    def __str__(self) -> str:
        """``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``, each part percent-encoded on its own.

        This is both the ``X-Road-Service`` header value and the URL path after ``/r1/``.
        """
        return _encode(self.parts)


def _strip_ows(value: str) -> str:
    # HTTP field values lose leading and trailing spaces and tabs (RFC 9110 §5.5).
    return value.strip(" \t")


def parse_client_header(value: str | None) -> ClientId:
    """Parse an ``X-Road-Client`` value: exactly ``INSTANCE/CLASS/MEMBER/SUBSYSTEM``.

    Each part is percent-decoded on its own and checked. Missing, empty, fewer or more than
    four parts, a bad escape or a forbidden character give ``Client.InvalidClientIdentifier``.
    When the request had several ``X-Road-Client`` headers, pass the last one (§1.3).
    """
    code = FaultCode.INVALID_CLIENT_IDENTIFIER
    if value is None or _strip_ows(value) == "":
        raise ExchangeError(code, "The X-Road-Client header is missing")
    raw_parts = _strip_ows(value).split("/")
    if len(raw_parts) != len(CLIENT_PARTS):
        raise ExchangeError(
            code,
            "X-Road-Client must be INSTANCE/CLASS/MEMBER/SUBSYSTEM "
            f"(4 parts), not {len(raw_parts)} parts",
        )
    return ClientId(*decode_parts(raw_parts, fields=CLIENT_PARTS, code=code))


def parse_service_header(value: str | None, *, code: str = FaultCode.BAD_REQUEST) -> ServiceId:
    """Parse an ``X-Road-Service`` value: exactly ``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``.

    ``code`` is the fault to raise: the consumer's security server checking a response passes
    ``Server.ClientProxy.InconsistentResponse``.
    """
    if value is None or _strip_ows(value) == "":
        raise ExchangeError(code, "The X-Road-Service header is missing")
    raw_parts = _strip_ows(value).split("/")
    if len(raw_parts) != len(SERVICE_PARTS):
        raise ExchangeError(
            code,
            "X-Road-Service must be INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE "
            f"(5 parts), not {len(raw_parts)} parts",
        )
    *client, service_code = decode_parts(raw_parts, fields=SERVICE_PARTS, code=code)
    return ServiceId(ClientId(*client), service_code)
