"""Client-side X-Road identifiers: who calls (:class:`ClientRef`) and what (:class:`ServiceRef`).

Format only (xroad.md §1.2): each part is UTF-8, percent-encoded **on its own** and joined with a
literal ``/``, so a ``/`` inside a part travels as ``%2F`` and can never be read as two parts. The
security server checks the strict character set and refuses what breaks it with a
``Client.*`` fault; the client only refuses what would change the shape of the URL (an empty
part, ``.`` or ``..``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self
from urllib.parse import quote, unquote

__all__ = ["PROTOCOL_VERSION", "ClientRef", "ServiceRef", "encode_part", "encode_path"]

#: The REST message protocol version this client speaks (xroad.md §1.8).
PROTOCOL_VERSION = "r1"


def encode_part(value: str) -> str:
    """One identifier part or path segment, percent-encoded on its own (``/`` → ``%2F``)."""
    return quote(value, safe="")


def encode_path(*segments: str) -> str:
    """A service path from raw segments, each encoded on its own: ``("v1", "a/b")`` →
    ``/v1/a%2Fb``. Use it for values (codes, pseudonyms) that go into a path."""
    return "".join("/" + encode_part(segment) for segment in segments)


def _check(parts: tuple[str, ...], names: tuple[str, ...]) -> None:
    for value, name in zip(parts, names, strict=True):
        if not isinstance(value, str) or value == "":
            raise ValueError(f"the {name} must be a non-empty string")
        if value in {".", ".."}:
            raise ValueError(f"the {name} may not be {value!r}")


def _parse(text: str, count: int, what: str) -> list[str]:
    raw = text.strip().split("/")
    if len(raw) != count:
        raise ValueError(f"{what} has {count} parts separated by '/', not {len(raw)}")
    return [unquote(part, errors="strict") for part in raw]


_CLIENT_PARTS = ("instance", "member class", "member code", "subsystem code")


@dataclass(frozen=True, slots=True)
class ClientRef:
    """A client subsystem ``INSTANCE/CLASS/MEMBER/SUBSYSTEM`` (decoded parts)."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str

    def __post_init__(self) -> None:
        _check(self.parts, _CLIENT_PARTS)

    @classmethod
    def parse(cls, text: str) -> Self:
        """From the header form, each part percent-decoded on its own
        (``"JP-KIT/GOV/LG-139998/residence"``)."""
        return cls(*_parse(text, 4, "a client id"))

    @property
    def parts(self) -> tuple[str, str, str, str]:
        return (self.instance, self.member_class, self.member_code, self.subsystem)

    def __str__(self) -> str:
        """The ``X-Road-Client`` header value."""
        return "/".join(encode_part(part) for part in self.parts)


_SERVICE_PARTS = (*_CLIENT_PARTS, "service code")


@dataclass(frozen=True, slots=True)
class ServiceRef:
    """A provider's service ``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`` (decoded parts)."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str
    service: str

    def __post_init__(self) -> None:
        _check(self.parts, _SERVICE_PARTS)

    @classmethod
    def parse(cls, text: str) -> Self:
        """From the string form, each part percent-decoded on its own
        (``"JP-KIT/GOV/LG-139998/jumin/basic4"``), e.g. from a setting."""
        return cls(*_parse(text, 5, "a service id"))

    @classmethod
    def of(cls, provider: ClientRef, service: str) -> Self:
        return cls(*provider.parts, service)

    @property
    def provider(self) -> ClientRef:
        """The subsystem that provides the service."""
        return ClientRef(self.instance, self.member_class, self.member_code, self.subsystem)

    @property
    def parts(self) -> tuple[str, str, str, str, str]:
        return (self.instance, self.member_class, self.member_code, self.subsystem, self.service)

    def __str__(self) -> str:
        """``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``, each part percent-encoded on its own
        (the form of the ``X-Road-Service`` response header)."""
        return "/".join(encode_part(part) for part in self.parts)

    def path(self, service_path: str = "") -> str:
        """The request path on the security server: ``/r1/{id}{service_path}``.

        ``service_path`` is appended as given (already encoded; see :func:`encode_path`)."""
        return f"/{PROTOCOL_VERSION}/{self}{service_path}"
