"""Adapters over the exchange: what the register asks other agencies, as domain types.

:class:`ExchangeConsents` asks the portal's ``consents`` service (the Digital Agency keeps the
citizen's consents) through the register's own security server. Whatever goes wrong on the
way comes back as one of two domain errors, so the use case never sees an exchange type:

* :class:`~residence.domain.errors.ConsentNotFound` — the portal answered 404;
* :class:`~residence.domain.errors.ConsentUnverifiable` — anything else (security server
  down or slow, an exchange fault, the portal failing, an answer that is not a consent).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from govkit.config import ServiceSettings
from govkit.exchange import (
    CallContext,
    ExchangeClient,
    ExchangeError,
    ExchangeFault,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ProviderError,
    ResponseTooLarge,
    ServiceRef,
    encode_path,
)
from residence.domain.consent import Consent, InvalidConsent
from residence.domain.errors import ConsentNotFound, ConsentUnverifiable

#: The portal's consent register on the exchange.
CONSENTS = ServiceRef.parse("JP-KIT/GOV/DA/portal/consents")
#: The subsystem that keeps the citizens' consents (the portal), which asks the register for
#: private verifiers on their consent, never on a statute of its own.
CONSENT_KEEPER = str(CONSENTS.provider)
#: Why the register may ask about a consent (a public body checking the basis of its own
#: provision of personal information), and what the citizen's tracker calls it.
CONSENT_CHECK_BASIS = "law:個人情報の保護に関する法律第69条"
CONSENT_CHECK_PURPOSE = "consent check"


class ConsentChecker(Protocol):
    """Looks a consent up for the register (tests pass a fake)."""

    def fetch(self, consent_id: str, *, subject: str, issue: str | None = None) -> Consent:
        """The consent ``consent_id``, asked about on behalf of ``subject`` (their exchange
        pseudonym); :class:`ConsentNotFound` or :class:`ConsentUnverifiable` otherwise."""
        ...


class ExchangeConsents:
    """The portal's ``consents`` service, through the register's own security server.

    The exchange client is built on first use (one per app, shared by its threads), so an app
    whose settings name no security server still starts: its consent checks are then
    unverifiable, and say which setting is missing.
    """

    def __init__(self, client_factory: Callable[[], ExchangeClient]) -> None:
        self._factory = client_factory
        self._client: ExchangeClient | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> ExchangeConsents:
        return cls(lambda: ExchangeClient.from_settings(settings))

    def client(self) -> ExchangeClient:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._factory()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def fetch(self, consent_id: str, *, subject: str, issue: str | None = None) -> Consent:
        try:
            client = self.client()
        except ValueError as exc:  # the settings name no security server or subsystem
            raise ConsentUnverifiable(f"The register cannot call the exchange: {exc}.") from None
        try:
            context = CallContext(
                user_id=subject,
                issue=issue,
                legal_basis=CONSENT_CHECK_BASIS,
                purpose=CONSENT_CHECK_PURPOSE,
            )
            answer = client.get(CONSENTS, encode_path(consent_id), context=context)
            body = answer.raise_for_status().json()
        except ProviderError as exc:
            if exc.status == 404:
                raise ConsentNotFound(consent_id) from None
            raise ConsentUnverifiable(
                f"The portal's consent service answered {exc.status}."
            ) from None
        except ExchangeFault as exc:
            raise ConsentUnverifiable(
                f"The exchange did not deliver the consent check ({exc.code})."
            ) from None
        except ExchangeTimeout as exc:
            raise ConsentUnverifiable(
                f"The consent check timed out ({exc.phase}) at the register's security server."
            ) from None
        except ExchangeUnavailable:
            raise ConsentUnverifiable(
                "The register's security server could not be reached for the consent check."
            ) from None
        except ResponseTooLarge:
            raise ConsentUnverifiable(
                "The portal's answer to the consent check is too large."
            ) from None
        except InvalidResponse:
            raise ConsentUnverifiable(
                "The portal's answer to the consent check is not JSON."
            ) from None
        except ExchangeError as exc:
            raise ConsentUnverifiable(f"The consent check failed: {exc.message}.") from None
        except ValueError as exc:  # a call the client refuses to send
            raise ConsentUnverifiable(f"The consent check could not be sent: {exc}.") from None
        try:
            return Consent.from_json(body)
        except InvalidConsent as exc:
            raise ConsentUnverifiable(
                f"The portal's answer is not a consent record: {exc}."
            ) from None
