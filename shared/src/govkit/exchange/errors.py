"""What can go wrong on an exchange call, as types (never a bare ``requests`` exception).

* :class:`ExchangeUnavailable` — the own security server could not be reached or dropped the
  connection (refused, DNS, reset, TLS); nothing was answered.
* :class:`ExchangeTimeout` — no connection in time (``phase="connect"``) or no answer in time
  (``phase="read"``; the provider may still have acted on the request).
* :class:`ExchangeFault` — the exchange layer itself refused or failed: the answer carries
  ``X-Road-Error`` (xroad.md §1.7). ``Client.*`` means this service sent a bad request.
* :class:`ProviderError` — the provider answered outside 2xx; only raised by
  :meth:`ExchangeResponse.raise_for_status <govkit.exchange.ExchangeResponse.raise_for_status>`,
  since a provider's 404 is often an expected outcome.
* :class:`ResponseTooLarge` — the answer's body is over the client's cap.
* :class:`InvalidResponse` — the answer cannot be read as asked (not JSON, bad encoding).

Messages never carry bodies or header values of the request (they may hold personal data).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ExchangeError",
    "ExchangeFault",
    "ExchangeTimeout",
    "ExchangeUnavailable",
    "InvalidResponse",
    "ProviderError",
    "ResponseTooLarge",
]


class ExchangeError(Exception):
    """An exchange call did not give a usable answer; subclasses say why.

    ``service`` is the called service (string form) and ``x_road_id`` the message id the call
    went out with, so that a log line can be matched with the security servers' logs.
    """

    def __init__(
        self, message: str, *, service: str | None = None, x_road_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.service = service
        self.x_road_id = x_road_id


class ExchangeUnavailable(ExchangeError):
    """The own security server is down or unreachable (refused, DNS, reset, TLS failure)."""


class ExchangeTimeout(ExchangeError):
    """No connection (``phase == "connect"``) or no answer (``phase == "read"``) in time."""

    def __init__(
        self,
        message: str,
        *,
        phase: str,
        service: str | None = None,
        x_road_id: str | None = None,
    ) -> None:
        super().__init__(message, service=service, x_road_id=x_road_id)
        self.phase = phase


class ExchangeFault(ExchangeError):
    """The exchange layer's own error: the answer carried ``X-Road-Error: <code>``.

    ``code`` comes from the header (authoritative); ``message`` and ``detail`` from the
    ``{type, message, detail}`` body when it could be read, else ``""``.
    """

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        detail: str = "",
        status: int,
        service: str | None = None,
        x_road_id: str | None = None,
    ) -> None:
        super().__init__(
            f"{code}: {message}" if message else code, service=service, x_road_id=x_road_id
        )
        self.code = code
        self.message = message
        self.detail = detail
        self.status = status

    @property
    def is_client_fault(self) -> bool:
        """The request broke the protocol (``Client.*``; 7.8's lower-case spelling too)."""
        return self.code.lower().startswith("client.")

    @property
    def is_server_fault(self) -> bool:
        """A security server or the provider's reachability failed (``Server.*``)."""
        return self.code.lower().startswith("server.")


class ProviderError(ExchangeError):
    """The provider answered outside 2xx (no ``X-Road-Error``); status, headers and body kept."""

    def __init__(
        self,
        status: int,
        body: bytes,
        headers: Mapping[str, str],
        *,
        service: str | None = None,
        x_road_id: str | None = None,
    ) -> None:
        super().__init__(f"the provider answered {status}", service=service, x_road_id=x_road_id)
        self.status = status
        self.body = body
        self.headers = headers


class ResponseTooLarge(ExchangeError):
    """The answer's body is larger than ``limit`` bytes; it was not read further."""

    def __init__(
        self, limit: int, *, service: str | None = None, x_road_id: str | None = None
    ) -> None:
        super().__init__(
            f"the answer is larger than {limit} bytes", service=service, x_road_id=x_road_id
        )
        self.limit = limit


class InvalidResponse(ExchangeError):
    """The answer cannot be read as asked (its body is not JSON, or not decodable)."""
