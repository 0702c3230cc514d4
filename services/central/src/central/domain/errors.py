"""What can go wrong when the registry is changed, in the registry's own words.

The admin API maps each kind to an HTTP status; nothing here knows about HTTP.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base class: a registration or revocation that cannot be made (the message says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidIdentifier(RegistryError):
    """An identifier (class, code, subsystem, server code, group code) breaks the syntax."""

    def __init__(self, what: str, value: object, reason: str) -> None:
        super().__init__(f"{what} {value!r}: {reason}")
        self.what = what
        self.value = value
        self.reason = reason


class InvalidField(RegistryError):
    """A field other than an identifier (name, address, fingerprint, reason) is not valid."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Duplicate(RegistryError):
    """The thing is registered already (revoked ones included: identifiers are never reused)."""


class Unknown(RegistryError):
    """The thing the request names is not registered."""


class AlreadyRevoked(RegistryError):
    """The thing was revoked before."""


class Revoked(RegistryError):
    """The request builds on something revoked (a subsystem under a revoked member, say)."""
