"""The register's services for other agencies beyond the basic four: what each releases (in the
consent's vocabulary), on which legal basis it may be asked, and the rules of its answers.

* ``household`` — the current members of a resident's household (basic four + 続柄), for
  statutory users on a ``law:`` basis only;
* ``address-check`` — whether the person on a residence certificate still lives at the address
  it shows: a government agency on a ``law:`` basis, anyone else (the portal, for banks and
  landlords) on the person's consent;
* ``address-changes`` — the register's events (moves, births, deaths), statutory users only;
* ``documents`` — a citizen's own certificates, for the portal acting for that citizen.

Pure: strings and dates in, values out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

PROVIDER = "JP-KIT/GOV/LG-139998/residence"
HOUSEHOLD = f"{PROVIDER}/household"
ADDRESS_CHECK = f"{PROVIDER}/address-check"
ADDRESS_CHANGES = f"{PROVIDER}/address-changes"
DOCUMENTS = f"{PROVIDER}/documents"

#: What each answer releases about a person, as recorded in their data-usage log and as a
#: consent must cover.
HOUSEHOLD_ITEMS: tuple[str, ...] = (
    "name",
    "name_kana",
    "birthdate",
    "gender",
    "address",
    "relationship",
)
ADDRESS_CHECK_ITEMS: tuple[str, ...] = ("moved_since_issue",)
ADDRESS_CHANGE_ITEMS: tuple[str, ...] = ("register_event",)
CERTIFICATE_LIST_ITEMS: tuple[str, ...] = ("issued_certificates",)
CERTIFICATE_PDF_ITEMS: tuple[str, ...] = ("issued_certificate_pdf",)

#: The register-event feed's page size: at most, and when the caller names none.
MAX_EVENTS = 100
#: The member class of government agencies (``JP-KIT/GOV/…``).
GOVERNMENT = "GOV"


class BasisRefusal(StrEnum):
    """Why a call's legal basis does not allow the answer (beyond the consent refusals of
    :class:`residence.domain.consent.Refusal`); the last part of the problem type."""

    #: A consent was offered to a service that answers on a statutory basis only.
    STATUTORY_BASIS_NEEDED = "statutory-basis-needed"
    #: A ``law:`` basis from a caller that may ask only on the person's consent.
    CONSENT_NEEDED = "consent-needed"
    #: The citizen's own documents asked for on behalf of someone else.
    NOT_THE_OWNER = "not-the-owner"


class BasisRefused(PermissionError):
    """The call's basis does not allow the answer; ``refusal`` says why, ``reason`` in words."""

    def __init__(self, refusal: BasisRefusal, reason: str) -> None:
        super().__init__(reason)
        self.refusal = refusal
        self.reason = reason


class UnknownDocument(LookupError):
    """No certificate by this number (or none the caller may know of)."""


def require_statute(legal_basis: str) -> None:
    """:class:`BasisRefused` unless ``legal_basis`` is a ``law:`` basis."""
    if not legal_basis.startswith("law:"):
        raise BasisRefused(
            BasisRefusal.STATUTORY_BASIS_NEEDED,
            "This service answers statutory users on a statutory basis (law:<article>) only.",
        )


def member_class(client: str) -> str | None:
    """The member class of a subsystem id ``INSTANCE/CLASS/MEMBER/SUBSYSTEM`` (else ``None``)."""
    parts = client.split("/")
    return parts[1] if len(parts) == 4 and all(parts) else None


@dataclass(frozen=True)
class AddressCheckBasis:
    """How an address check may be answered: on the person's ``consent`` (to be checked with
    the portal) or on a ``statute``; ``agent`` is the government verifier the consent keeper
    (the portal) acts for, when it does."""

    kind: str  # "consent" | "statute"
    agent: str | None = None


def address_check_basis(
    *, client: str, legal_basis: str, consent_keeper: str, on_behalf_of: str | None
) -> AddressCheckBasis:
    """Decide the basis of an address check, or :class:`BasisRefused`.

    A consent basis is always possible (it is checked afterwards). A ``law:`` basis holds for a
    government subsystem asking for itself; the consent keeper (the portal, which asks for banks
    and landlords) has no statutory basis of its own, and holds one only when it relays the
    check of a government subsystem it names in ``on_behalf_of`` (the verifier that called the
    portal's verification service through the exchange).
    """
    if legal_basis.startswith("consent:"):
        return AddressCheckBasis("consent")
    if client == consent_keeper:
        agent = (on_behalf_of or "").strip()
        if member_class(agent) == GOVERNMENT and agent != consent_keeper:
            return AddressCheckBasis("statute", agent)
        raise BasisRefused(
            BasisRefusal.CONSENT_NEEDED,
            "The portal checks an address for a private verifier on the resident's consent "
            "(consent:<id>), or on a statutory basis only for the government agency it names "
            "in X-Madoguchi-On-Behalf-Of.",
        )
    if member_class(client) != GOVERNMENT:
        raise BasisRefused(
            BasisRefusal.CONSENT_NEEDED,
            "Only a government agency may check an address on a statutory basis; others need "
            "the resident's consent.",
        )
    return AddressCheckBasis("statute")


def recorded_purpose(purpose: str | None, agent: str | None) -> str | None:
    """The purpose written to the data-usage log: the caller's, naming the agency a relayed
    check was made for (so the resident sees who really asked)."""
    if agent is None:
        return purpose
    return f"{purpose} (for {agent})" if purpose else f"Certificate check for {agent}"


# -- the answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressNow:
    """Where the register has the person today."""

    address: str
    #: The day the current address was set (住所を定めた年月日), when known.
    address_since: date | None
    #: The day the person left the register (moved out of the city, or died).
    removed_on: date | None


@dataclass(frozen=True)
class AddressCheck:
    still_at_address: bool
    #: When the person left the certificate's address (``None`` if they did not, or the
    #: register does not know the day).
    moved_on: date | None


def same_address(first: str, second: str) -> bool:
    """Whether two written addresses are the same (full-width/half-width and spaces aside)."""

    def plain(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    return plain(first) == plain(second)


def address_check(address_at_issue: str, now: AddressNow) -> AddressCheck:
    """Whether the person still lives at the address a certificate showed when it was issued.

    Removed from the register (moved out, died): moved on the removal day. Another address
    in the city: moved on the day the new address was set.
    """
    if now.removed_on is not None:
        return AddressCheck(False, now.removed_on)
    if not same_address(address_at_issue, now.address):
        return AddressCheck(False, now.address_since)
    return AddressCheck(True, None)


def parse_count(text: str | None, *, default: int, low: int, high: int) -> int | None:
    """A query number: decimal ASCII digits within ``low..high`` (``default`` when absent);
    ``None`` when it is not one."""
    if text is None:
        return default
    if not (text.isascii() and text.isdecimal()) or len(text) > 18:
        return None
    value = int(text)
    return value if low <= value <= high else None
