"""What makes a registration valid, beyond the syntax of its identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from central.domain.errors import Duplicate, InvalidField, Revoked
from central.domain.identifiers import ServerId, check_address, check_fingerprint


@dataclass(frozen=True)
class ServerDetails:
    """What a security server reports about itself; ``None`` means "not known yet"."""

    address: str | None = None
    tls_fingerprint: str | None = None
    signing_fingerprint: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        address: object = None,
        tls_fingerprint: object = None,
        signing_fingerprint: object = None,
    ) -> ServerDetails:
        return cls(
            address=None if address is None else check_address(address),
            tls_fingerprint=(
                None
                if tls_fingerprint is None
                else check_fingerprint(tls_fingerprint, "tls_fingerprint")
            ),
            signing_fingerprint=(
                None
                if signing_fingerprint is None
                else check_fingerprint(signing_fingerprint, "signing_fingerprint")
            ),
        )

    def is_empty(self) -> bool:
        return (
            self.address is None
            and self.tls_fingerprint is None
            and self.signing_fingerprint is None
        )


def ensure_not_revoked(what: str, identifier: object, revoked: bool) -> None:
    """Nothing new may be attached to a revoked member, subsystem or server."""
    if revoked:
        raise Revoked(f"{what} {identifier} is revoked")


def ensure_tls_fingerprint_free(
    fingerprint: str | None, server: ServerId, holder: ServerId | None
) -> None:
    """A TLS certificate authenticates one security server: two active servers may not share
    one (the peer's fingerprint must lead to exactly one server in the configuration)."""
    if fingerprint is not None and holder is not None and holder != server:
        raise Duplicate(f"TLS certificate {fingerprint} is registered for {holder} already")


def ensure_changes(details: ServerDetails) -> None:
    if details.is_empty():
        raise InvalidField(
            "body", "give at least one of address, tls_fingerprint, signing_fingerprint"
        )
