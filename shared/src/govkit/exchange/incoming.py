"""The provider's side: what an exchange request says about itself (who asks, for whom, why).

A provider service's exchange endpoints sit behind its own security server, which has already
checked the caller's identity, signature and access rights; what reaches the service is the
request with the ``X-Road-*`` headers the consumer's security server vouched for. A provider
reads them once::

    call = IncomingCall.from_headers(request.headers)   # InvalidCall → 400 problem+json
    if call.legal_basis is None: ...

:class:`InvalidCall` says which header is wrong, so the provider can answer with a clear
problem instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govkit.exchange.identifiers import ClientRef
from govkit.exchange.messages import (
    LEGAL_BASIS_HEADER,
    LEGAL_BASIS_SCHEMES,
    PURPOSE_HEADER,
    X_ROAD_CLIENT,
    X_ROAD_ID,
    X_ROAD_ISSUE,
    X_ROAD_USER_ID,
    decode_legal_basis,
)

__all__ = ["IncomingCall", "InvalidCall"]

_MAX_TEXT = 500
#: The longest X-Road-Id, X-Road-UserId or X-Road-Issue a provider takes (X-Road's columns).
MAX_ID = 255


class InvalidCall(ValueError):
    """An exchange request whose ``X-Road-*`` or Madoguchi headers cannot be used."""

    def __init__(self, header: str, message: str) -> None:
        super().__init__(f"{header}: {message}")
        self.header = header
        self.message = message


@dataclass(frozen=True, slots=True)
class IncomingCall:
    """The context of one exchange request as the provider received it."""

    client: ClientRef
    x_road_id: str | None
    user_id: str | None
    issue: str | None
    legal_basis: str | None
    purpose: str | None

    @property
    def consent_id(self) -> str | None:
        """The consent the call relies on (``consent:<id>``), or ``None`` for a statutory one."""
        if self.legal_basis and self.legal_basis.startswith("consent:"):
            return self.legal_basis.removeprefix("consent:").strip()
        return None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> IncomingCall:
        """Read the headers (any case-insensitive mapping, e.g. Flask's ``request.headers``)."""
        raw_client = headers.get(X_ROAD_CLIENT)
        if not raw_client:
            raise InvalidCall(
                X_ROAD_CLIENT, "missing: the request did not come through the exchange"
            )
        try:
            client = ClientRef.parse(raw_client)
        except ValueError as exc:
            raise InvalidCall(X_ROAD_CLIENT, str(exc)) from None
        return cls(
            client=client,
            x_road_id=_identifier(headers, X_ROAD_ID),
            user_id=_identifier(headers, X_ROAD_USER_ID),
            issue=_identifier(headers, X_ROAD_ISSUE),
            legal_basis=_legal_basis(headers.get(LEGAL_BASIS_HEADER)),
            purpose=_decoded(headers.get(PURPOSE_HEADER), PURPOSE_HEADER),
        )


def _identifier(headers: Mapping[str, str], header: str) -> str | None:
    value = headers.get(header) or None
    if value is not None and len(value) > MAX_ID:
        raise InvalidCall(header, f"longer than {MAX_ID} characters")
    return value


def _decoded(value: str | None, header: str) -> str | None:
    if not value:
        return None
    try:
        text = decode_legal_basis(value).strip()
    except ValueError as exc:
        raise InvalidCall(header, str(exc).replace("the legal basis", "the value")) from None
    if len(text) > _MAX_TEXT:
        raise InvalidCall(header, f"longer than {_MAX_TEXT} characters")
    return text or None


def _legal_basis(value: str | None) -> str | None:
    basis = _decoded(value, LEGAL_BASIS_HEADER)
    if basis is not None and not any(
        basis.startswith(scheme) and basis[len(scheme) :].strip() for scheme in LEGAL_BASIS_SCHEMES
    ):
        raise InvalidCall(LEGAL_BASIS_HEADER, "must be consent:<consent id> or law:<article>")
    return basis
