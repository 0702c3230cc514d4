"""Identifiers of the exchange (X-Road PR-REST §4.8, strict form) and the registry's other fields.

Every part of an identifier (instance, member class, member code, subsystem code, server code,
group code) uses only ``A–Z a–z 0–9`` and ``' ( ) + , - . = ?``: no ``/``, ``_``, space, ``%``,
``:``, ``;`` or ``\\``, so that ``CLASS/CODE/SUBSYSTEM`` splits on ``/`` without ambiguity,
and is never ``.`` or ``..`` (a path segment URLs resolve away). Identifiers are exact,
case-sensitive strings.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from central.domain.errors import InvalidField, InvalidIdentifier

#: The strict character set of PR-REST §4.8.
IDENTIFIER_CHARACTERS = "A-Z a-z 0-9 ' ( ) + , - . = ?"
_IDENTIFIER = re.compile(r"[A-Za-z0-9'()+,\-.=?]+")
MAX_IDENTIFIER_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_REASON_LENGTH = 500
MAX_DESCRIPTION_LENGTH = 500
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def check_identifier(value: object, what: str) -> str:
    """``value`` if it is a valid identifier part, else :class:`InvalidIdentifier`."""
    if not isinstance(value, str):
        raise InvalidIdentifier(what, value, "must be a string")
    if not value:
        raise InvalidIdentifier(what, value, "must not be empty")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise InvalidIdentifier(what, value, f"longer than {MAX_IDENTIFIER_LENGTH} characters")
    if not _IDENTIFIER.fullmatch(value):
        raise InvalidIdentifier(what, value, f"only {IDENTIFIER_CHARACTERS} are allowed")
    if value in {".", ".."}:
        # a URL path segment of its own: ``/r1/…/../…`` would be resolved away, so security
        # servers refuse it and no service could be reached under it
        raise InvalidIdentifier(what, value, "must not be '.' or '..'")
    return value


@dataclass(frozen=True, order=True)
class MemberId:
    """``CLASS/CODE``, e.g. ``GOV/LG-139998``."""

    member_class: str
    member_code: str

    def __post_init__(self) -> None:
        check_identifier(self.member_class, "member class")
        check_identifier(self.member_code, "member code")

    def __str__(self) -> str:
        return f"{self.member_class}/{self.member_code}"

    @classmethod
    def parse(cls, value: object) -> MemberId:
        parts = _split(value, 2, "member", "CLASS/CODE")
        return cls(parts[0], parts[1])


@dataclass(frozen=True, order=True)
class SubsystemId:
    """``CLASS/CODE/SUBSYSTEM``, e.g. ``GOV/LG-139998/residence`` (the instance is implied)."""

    member: MemberId
    subsystem_code: str

    def __post_init__(self) -> None:
        check_identifier(self.subsystem_code, "subsystem code")

    def __str__(self) -> str:
        return f"{self.member}/{self.subsystem_code}"

    @classmethod
    def parse(cls, value: object) -> SubsystemId:
        parts = _split(value, 3, "subsystem", "CLASS/CODE/SUBSYSTEM")
        return cls(MemberId(parts[0], parts[1]), parts[2])


@dataclass(frozen=True, order=True)
class ServerId:
    """``CLASS/CODE/SERVERCODE``: the owner member and the server's code, e.g. ``GOV/DA/ss-da``."""

    owner: MemberId
    server_code: str

    def __post_init__(self) -> None:
        check_identifier(self.server_code, "server code")

    def __str__(self) -> str:
        return f"{self.owner}/{self.server_code}"

    @classmethod
    def parse(cls, value: object) -> ServerId:
        parts = _split(value, 3, "security server", "CLASS/CODE/SERVERCODE")
        return cls(MemberId(parts[0], parts[1]), parts[2])


def _split(value: object, count: int, what: str, shape: str) -> list[str]:
    if not isinstance(value, str):
        raise InvalidIdentifier(what, value, f"must be a string {shape}")
    parts = value.split("/")
    if len(parts) != count:
        raise InvalidIdentifier(what, value, f"must have {count} parts: {shape}")
    return parts


# -- other fields ------------------------------------------------------------------------------


def check_text(value: object, field: str, *, max_length: int) -> str:
    """A one-line human text (a name, a reason): trimmed, not empty, no control characters."""
    if not isinstance(value, str):
        raise InvalidField(field, "must be a string")
    text = value.strip()
    if not text:
        raise InvalidField(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidField(field, f"longer than {max_length} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise InvalidField(field, "must not contain control or format characters")
    return text


def check_name(value: object) -> str:
    return check_text(value, "name", max_length=MAX_NAME_LENGTH)


def check_reason(value: object) -> str:
    return check_text(value, "reason", max_length=MAX_REASON_LENGTH)


def check_description(value: object) -> str:
    return check_text(value, "description", max_length=MAX_DESCRIPTION_LENGTH)


def check_address(value: object) -> str:
    """A security server's SS-to-SS address, ``host:port`` (a DNS name, IPv4, or ``[IPv6]``)."""
    if not isinstance(value, str):
        raise InvalidField("address", "must be a string host:port")
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        raise InvalidField("address", "must be host:port, e.g. localhost:8200")
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidField("address", "the port must be a number from 1 to 65535")
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidField("address", "not a valid IPv6 address") from None
        return f"{host.lower()}:{int(port)}"
    if len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in host.split(".")):
        raise InvalidField("address", "the host must be a DNS name or an IP address")
    return f"{host.lower()}:{int(port)}"


def check_fingerprint(value: object, field: str) -> str:
    """A SHA-256 certificate fingerprint: 64 hex digits (colons allowed), kept lower-case."""
    if not isinstance(value, str):
        raise InvalidField(field, "must be a string of 64 hex digits (SHA-256)")
    digits = value.replace(":", "").lower()
    if not _FINGERPRINT.fullmatch(digits):
        raise InvalidField(field, "must be a SHA-256 fingerprint: 64 hex digits")
    return digits
