"""Consents a citizen gives (or refuses) for one agency to read data another agency holds.

A consent record is one decision about one *offer* (who may read what, from whom, why). A
record starts as ``given`` or ``refused``; a given consent can be withdrawn once, and a
withdrawn consent stays withdrawn (its id may appear in data-usage records for ever). Changing
one's mind after refusing or withdrawing makes a *new* record with a new id. The citizen's
current decision about an offer is their latest record.

Pure rules: the caller passes the clock (``now``) and the new record's id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

#: The problem types the register answers with (contract: "https://madoguchi.example/problems/").
PROBLEM_BASE = "https://madoguchi.example/problems/"


class ConsentStatus(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    GIVE = "give"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Offer:
    """What a consent is about: ``consumer`` may read ``items`` of ``provider_service``."""

    key: str
    consumer: str
    provider_service: str
    items: tuple[str, ...]
    #: Why, in plain English (the portal's catalogue translates it for the page).
    purpose: str


#: The demo offer: the portal (Digital Agency) reads the basic four from Sakuragi City's
#: resident register to show them in the citizen's account.
BASIC_FOUR = Offer(
    key="residence-basic-four",
    consumer="JP-KIT/GOV/DA/portal",
    provider_service="JP-KIT/GOV/LG-139998/residence/basic-four",
    items=("name", "name_kana", "address", "birthdate", "gender"),
    purpose="Show your details in your Madoguchi account",
)

#: Let whoever the citizen shows a residence certificate to (a bank, a landlord) ask, through
#: the portal's verification page, whether the citizen still lives at the address it shows. The
#: citizen gives the consent's number (their "check code") to the verifier; withdrawing it stops
#: every check made with it.
ADDRESS_CHECK = Offer(
    key="residence-address-check",
    consumer="JP-KIT/GOV/DA/portal",
    provider_service="JP-KIT/GOV/LG-139998/residence/address-check",
    items=("moved_since_issue",),
    purpose="Tell whoever checks your residence certificate whether you still live at its address",
)

OFFERS: dict[str, Offer] = {BASIC_FOUR.key: BASIC_FOUR, ADDRESS_CHECK.key: ADDRESS_CHECK}
#: The offers the "Your consents" page asks about before the citizen has decided; the address
#: check is offered where it is needed, beside the citizen's certificates ("Your documents").
ASKED_ON_CONSENTS_PAGE: tuple[str, ...] = (BASIC_FOUR.key,)


@dataclass(frozen=True)
class Consent:
    """One decision about one offer, and what became of it."""

    id: str
    offer: str
    status: ConsentStatus
    given_at: datetime | None = None
    refused_at: datetime | None = None
    withdrawn_at: datetime | None = None

    @property
    def decided_at(self) -> datetime:
        """When the decision that made this record was taken."""
        moment = self.given_at if self.status is not ConsentStatus.REFUSED else self.refused_at
        assert moment is not None
        return moment


class ConsentRuleError(ValueError):
    """The decision is not possible from the consent's current state; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def available_actions(current: Consent | None) -> tuple[Action, ...]:
    """What the citizen can decide now, given their latest record about the offer."""
    if current is None:
        return (Action.GIVE, Action.REFUSE)
    if current.status is ConsentStatus.GIVEN:
        return (Action.WITHDRAW,)
    if current.status is ConsentStatus.REFUSED:
        return (Action.GIVE,)
    return (Action.GIVE,)  # withdrawn: final, but a new consent can be given


def give(current: Consent | None, *, offer: Offer, new_id: str, now: datetime) -> Consent:
    """A new, given consent; refused when the latest one is still given."""
    if current is not None and current.status is ConsentStatus.GIVEN:
        raise ConsentRuleError("already-given", "the consent is already given")
    return Consent(id=new_id, offer=offer.key, status=ConsentStatus.GIVEN, given_at=now)


def refuse(current: Consent | None, *, offer: Offer, new_id: str, now: datetime) -> Consent:
    """A new, refused consent; a given one must be withdrawn instead, and refusing twice is
    pointless."""
    if current is not None and current.status is ConsentStatus.GIVEN:
        raise ConsentRuleError("withdraw-instead", "a given consent is withdrawn, not refused")
    if current is not None and current.status is ConsentStatus.REFUSED:
        raise ConsentRuleError("already-refused", "the consent is already refused")
    return Consent(id=new_id, offer=offer.key, status=ConsentStatus.REFUSED, refused_at=now)


def withdraw(consent: Consent, *, now: datetime) -> Consent:
    """The same consent, withdrawn; only a given consent can be, and only once."""
    if consent.status is ConsentStatus.WITHDRAWN:
        raise ConsentRuleError("already-withdrawn", "the consent was withdrawn already")
    if consent.status is not ConsentStatus.GIVEN:
        raise ConsentRuleError("not-given", "only a given consent can be withdrawn")
    return replace(consent, status=ConsentStatus.WITHDRAWN, withdrawn_at=now)


def decide(
    action: Action,
    current: Consent | None,
    *,
    offer: Offer,
    new_id: str,
    now: datetime,
) -> Consent:
    """Apply ``action`` to the citizen's latest record about ``offer``."""
    if action is Action.GIVE:
        return give(current, offer=offer, new_id=new_id, now=now)
    if action is Action.REFUSE:
        return refuse(current, offer=offer, new_id=new_id, now=now)
    if current is None:
        raise ConsentRuleError("not-given", "there is no consent to withdraw")
    return withdraw(current, now=now)


#: A consent's number as the portal makes them: ``C-`` and 16 base32 characters.
CONSENT_ID = re.compile(r"C-[A-Z2-7]{16}")


def read_consent_code(text: str) -> str | None:
    """A consent number as a person types or pastes it (full-width, lower case, spaces or a
    missing hyphen forgiven), or ``None`` when it cannot be one."""
    plain = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if plain.startswith("C") and not plain.startswith("C-"):
        plain = "C-" + plain[1:]
    return plain if CONSENT_ID.fullmatch(plain) else None
