"""Whether a citizen's consent lets the register release data to the caller.

The portal keeps the citizen's consents; the register asks it for one (through the exchange)
and decides here, from the record's fields and what the call asks for. Data goes only if the
consent is given, is about this resident, names this caller and this service, and covers
every item released. Otherwise the answer is a refusal code the caller and the citizen's data
tracker both see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Refusal(StrEnum):
    """Why data was not released (the ``refusal`` of a data-usage event, and the last part
    of the problem type the caller receives)."""

    CONSENT_WITHDRAWN = "consent-withdrawn"
    CONSENT_REFUSED = "consent-refused"
    CONSENT_NOT_FOUND = "consent-not-found"
    CONSENT_MISMATCH = "consent-mismatch"
    #: The consent could not be checked (the exchange or the portal failed).
    CONSENT_UNVERIFIABLE = "consent-unverifiable"


class InvalidConsent(ValueError):
    """The portal's answer is not a consent record the register can read."""


_TEXT_FIELDS = ("id", "status", "subject", "consumer", "provider_service")
_OPTIONAL_FIELDS = ("purpose", "given_at", "withdrawn_at", "refused_at")


@dataclass(frozen=True)
class Consent:
    """A consent record as the portal's ``consents`` service returns it."""

    id: str
    status: str
    subject: str
    consumer: str
    provider_service: str
    items: tuple[str, ...]
    purpose: str | None = None
    given_at: str | None = None
    withdrawn_at: str | None = None
    refused_at: str | None = None

    @classmethod
    def from_json(cls, body: Any) -> Consent:
        """Read the portal's JSON; :class:`InvalidConsent` names the field that is wrong.
        Fields the register does not use are ignored (a tolerant reader)."""
        if not isinstance(body, dict):
            raise InvalidConsent("the consent is not a JSON object")
        values: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise InvalidConsent(f"the consent's {name!r} is missing or not a string")
            values[name] = value
        for name in _OPTIONAL_FIELDS:
            value = body.get(name)
            if value is not None and not isinstance(value, str):
                raise InvalidConsent(f"the consent's {name!r} is not a string")
            values[name] = value
        items = body.get("items")
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise InvalidConsent("the consent's 'items' is not a list of strings")
        return cls(items=tuple(items), **values)


@dataclass(frozen=True)
class ConsentRequest:
    """What the call relies on and asks for."""

    consent_id: str
    #: The resident the data is about (their exchange pseudonym).
    subject: str
    #: The calling subsystem (``X-Road-Client``, ``INSTANCE/CLASS/MEMBER/SUBSYSTEM``).
    consumer: str
    #: The service called (``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``).
    service: str
    #: The items the answer would release.
    items: tuple[str, ...]


@dataclass(frozen=True)
class ConsentDecision:
    """Release (``refusal is None``) or a refusal with a plain-English reason."""

    refusal: Refusal | None
    reason: str
    withdrawn_at: str | None = None

    @property
    def released(self) -> bool:
        return self.refusal is None


def refused(refusal: Refusal, reason: str, *, withdrawn_at: str | None = None) -> ConsentDecision:
    return ConsentDecision(refusal, reason, withdrawn_at)


def decide(consent: Consent, request: ConsentRequest) -> ConsentDecision:
    """Release the data, or say why not.

    A consent about someone else, for another caller or another service is a mismatch, and
    is judged before its status, so nothing about another person's consent is told; then a
    withdrawn or refused consent; then items the consent does not cover.
    """
    mismatches = [
        what
        for what, wanted, given in (
            ("consent id", request.consent_id, consent.id),
            ("resident", request.subject, consent.subject),
            ("consumer", request.consumer, consent.consumer),
            ("service", request.service, consent.provider_service),
        )
        if wanted != given
    ]
    if mismatches:
        return refused(
            Refusal.CONSENT_MISMATCH,
            f"Consent {request.consent_id} does not match this call: its "
            f"{', '.join(mismatches)} differ{'s' if len(mismatches) == 1 else ''}.",
        )
    if consent.status == "withdrawn":
        when = f" on {consent.withdrawn_at}" if consent.withdrawn_at else ""
        return refused(
            Refusal.CONSENT_WITHDRAWN,
            f"The resident withdrew consent {consent.id}{when}.",
            withdrawn_at=consent.withdrawn_at,
        )
    if consent.status != "given":
        return refused(
            Refusal.CONSENT_REFUSED,
            f"The resident has not given consent {consent.id} (its status is {consent.status!r}).",
        )
    missing = _missing(request.items, consent.items)
    if missing:
        return refused(
            Refusal.CONSENT_MISMATCH,
            f"Consent {consent.id} does not cover {', '.join(missing)}.",
        )
    return ConsentDecision(None, f"Consent {consent.id} is given and covers the items released.")


def _missing(wanted: Iterable[str], covered: Iterable[str]) -> list[str]:
    allowed = set(covered)
    return [item for item in wanted if item not in allowed]
