"""Who may have a residence certificate (住民票の写し) about whom, and how (domain.md §1.1, §1.3).

The rules of the Basic Resident Registration Act (住民基本台帳法) as the cities apply them:

* **The person, or a member of the same household** (§12 本人等の請求) asks without more.
  A relative at the same address but registered as a *separate household* is not a member:
  they are treated as a proxy and need a letter of authority (Takarazuka).
* **A proxy (代理人)** needs a 委任状 written or signed by the principal, naming the principal,
  the proxy and what is delegated (Saku: 委任者が自署; Isahaya: 直筆). Here it is electronic,
  signed with the principal's card; it must be in force on the day, name this proxy (name and
  date of birth) and this principal, cover this purpose, and allow the My Number if a
  statutory-only item is asked for. A letter of authority ends with the principal's death
  (民法 §111 ① 一).
* **A third party** (§12の3 本人等以外の者の申出) must state a legitimate interest; a clerk
  reviews every such request (nothing is issued at once) and they never get the My Number
  or the 住民票コード (Odawara, Takarazuka, Tochigi).
* **A removed person (除票: moved out or died)** has no household any more, so their former
  household asks as a third party (Takarazuka).
* **DV等支援措置**: a request by the adverse party named in an active support measure is refused
  (MIC dv_shien page; Koshigaya; Handa), with the same generic answer as a request by someone
  with no right at all, so the refusal tells nothing about the person protected.

:func:`decide` applies them in that spirit: the DV check first, then the route (possibly
switched: a separate household becomes a proxy, a removed person's household a third party),
then what the route allows. Its :class:`Decision` holds everything a page needs to show.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from residence.domain.items import (
    HEAD,
    Delivery,
    OptionalItem,
    Purpose,
    Route,
    delivery_for,
    items_problem,
    needs_signature,
    shows_statutory_only_item,
)

#: ``removal_reason`` of a person who died (the other is ``moved_out``).
DIED = "died"


class Reason(StrEnum):
    """Why a request is not allowed as asked (the request's ``refusal`` code)."""

    #: Generic: no right to this person's copy (the same for the DV adverse party and for
    #: someone asking as the person or their household when they are not).
    REFUSED = "refused"
    #: Household route, but the requester is not (or no longer) in the person's household.
    NOT_SAME_HOUSEHOLD = "not_same_household"
    MANDATE_MISSING = "mandate_missing"
    MANDATE_EXPIRED = "mandate_expired"
    MANDATE_NOT_YET_VALID = "mandate_not_yet_valid"
    MANDATE_NOT_SIGNED_BY_PRINCIPAL = "mandate_not_signed_by_principal"
    #: The letter names another proxy or another principal.
    MANDATE_OTHER_PERSON = "mandate_other_person"
    MANDATE_OTHER_PURPOSE = "mandate_other_purpose"
    #: A statutory-only item, but the letter does not allow the My Number.
    MY_NUMBER_NOT_IN_MANDATE = "my_number_not_in_mandate"
    NOT_FOR_THIRD_PARTY = "not_for_third_party"
    STATUTORY_PURPOSE_NEEDED = "statutory_purpose_needed"
    #: A third party who gives no reason (legitimate interest).
    REASON_NEEDED = "reason_needed"
    #: The person has been removed; their former household must ask as a third party.
    REMOVED_USE_THIRD_PARTY = "removed_use_third_party"


class RequestStatus(StrEnum):
    """What becomes of a request (``CertificateRequest.status``)."""

    ISSUED = "issued"
    MAILED = "mailed"
    PENDING_REVIEW = "pending_review"
    REFUSED = "refused"
    #: The requester took back a request that was waiting for review.
    WITHDRAWN = "withdrawn"


#: An approval claims its request while the copy is sealed (seconds); a claim older than this
#: was left by an approval that never finished: the request may be decided, or withdrawn, again.
CLAIM_TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class PersonOnRegister:
    """A person as the register holds them (a ``Resident`` row, read-only)."""

    register_key: str
    household: str
    #: 続柄 to the head of household (``世帯主`` for the head).
    relationship: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birthdate: date
    sex: str
    address: str
    postal_code: str
    became_resident_on: date | None = None
    address_since: date | None = None
    address_notified_on: date | None = None
    previous_address: str | None = None
    honseki: str | None = None
    hittosha: str | None = None
    juminhyo_code: str | None = field(default=None, repr=False)
    my_number: str | None = field(default=None, repr=False)
    #: ``None`` for a Japanese national.
    nationality: str | None = None
    foreign_resident_category: str | None = None
    residence_status: str | None = None
    period_of_stay: str | None = None
    stay_expires_on: date | None = None
    residence_card_number: str | None = field(default=None, repr=False)
    removed_on: date | None = None
    removal_reason: str | None = None
    moved_to: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"

    @property
    def is_head(self) -> bool:
        return self.relationship == HEAD

    def removed(self, today: date) -> bool:
        """Whether the person is off the register (除票) on ``today``."""
        return self.removed_on is not None and self.removed_on <= today

    def died(self, today: date) -> bool:
        return self.removed(today) and self.removal_reason == DIED


@dataclass(frozen=True)
class Requester:
    """Who asks, as the identity provider tells: their exchange pseudonym (``None`` when they
    have none), name and date of birth."""

    pseudonym: str | None
    name: str
    birthdate: date | None


@dataclass(frozen=True)
class SupportMeasureView:
    """A DV support measure: whom it protects (register key) and against whom."""

    subject: str
    adverse_name: str
    adverse_birthdate: date | None
    adverse_pseudonym: str | None
    starts_on: date
    ends_on: date
    lifted_on: date | None = None

    def active(self, today: date) -> bool:
        """In force on ``today``: started, not ended (``ends_on`` is its last day) and not
        lifted (from ``lifted_on`` on it no longer applies)."""
        lifted = self.lifted_on is not None and self.lifted_on <= today
        return self.starts_on <= today <= self.ends_on and not lifted

    def names(self, requester: Requester) -> bool:
        """Whether ``requester`` is the adverse party: the same pseudonym, or the same name
        (spaces ignored) and date of birth. A measure recorded without the adverse party's
        date of birth matches on the name alone (a false match only sends someone to the
        counter; a missed one could reveal where the person lives)."""
        if self.adverse_pseudonym is not None and self.adverse_pseudonym == requester.pseudonym:
            return True
        if not same_name(self.adverse_name, requester.name):
            return False
        return self.adverse_birthdate is None or self.adverse_birthdate == requester.birthdate


@dataclass(frozen=True)
class MandateView:
    """An electronic letter of authority (委任状), with what the signature check found."""

    id: str
    #: The principal's register key.
    principal: str
    proxy_name: str
    proxy_birthdate: date
    purpose: str
    allow_my_number: bool
    valid_from: date
    valid_until: date
    #: The exchange pseudonym of whoever signed it, and the principal's.
    signer_pseudonym: str | None
    principal_pseudonym: str | None
    #: Whether the card signature over the signed text verifies.
    signature_valid: bool

    def signed_by_principal(self) -> bool:
        return (
            self.signature_valid
            and self.principal_pseudonym is not None
            and self.signer_pseudonym == self.principal_pseudonym
        )


@dataclass(frozen=True)
class Decision:
    """The answer to a request, ready to show: allowed (issue now, by ``delivery``), queued
    for a clerk's ``review``, or refused for ``reason``.

    ``route`` is the route the rules applied, which may differ from the one asked for:
    ``treated_as_proxy`` says a relative in a separate household at the same address was
    treated as a proxy; ``removed_use_third_party`` sends a removed person's former household
    to the third-party route."""

    allowed: bool
    route: Route
    reason: Reason | None
    delivery: Delivery
    needs_signature: bool
    review: bool
    treated_as_proxy: bool = False

    @property
    def status(self) -> RequestStatus:
        """The request's status once decided."""
        if self.review:
            return RequestStatus.PENDING_REVIEW
        if not self.allowed:
            return RequestStatus.REFUSED
        if self.delivery is Delivery.MAIL_TO_PRINCIPAL:
            return RequestStatus.MAILED
        return RequestStatus.ISSUED

    @classmethod
    def refused(
        cls, route: Route, reason: Reason = Reason.REFUSED, *, treated_as_proxy: bool = False
    ) -> Decision:
        """A refusal on ``route`` for ``reason`` (by default the generic one, which tells
        nothing about the person asked about)."""
        return cls(
            allowed=False,
            route=route,
            reason=reason,
            delivery=Delivery.DOWNLOAD,
            needs_signature=False,
            review=False,
            treated_as_proxy=treated_as_proxy,
        )


def decide(
    *,
    requester: Requester,
    requester_record: PersonOnRegister | None,
    subject: PersonOnRegister,
    route: Route,
    mandate: MandateView | None,
    purpose: Purpose,
    items: Iterable[OptionalItem],
    measures: Iterable[SupportMeasureView],
    today: date,
    reason: str | None = None,
) -> Decision:
    """Whether ``requester`` (whose own register entry is ``requester_record``, ``None`` if
    they do not live in the city) may have a copy about ``subject`` asked for on ``route``
    with ``items`` for ``purpose`` on ``today``.

    ``measures`` are the support measures of everyone the copy would show (the subject and
    any members printed with them): the adverse party of any of them is refused. ``mandate``
    is the letter of authority a proxy gives; ``reason`` the legitimate interest a third
    party states.
    """
    wanted = frozenset(items)
    if is_adverse_party(requester, measures, today):
        return Decision.refused(route, Reason.REFUSED)
    if route is Route.SELF:
        if requester_record is None or requester_record.register_key != subject.register_key:
            return Decision.refused(route, Reason.REFUSED)
        return _direct(route, purpose, wanted)
    if route is Route.HOUSEHOLD:
        return _household(requester, requester_record, subject, mandate, purpose, wanted, today)
    if route is Route.PROXY:
        return _proxy(requester, subject, mandate, purpose, wanted, today)
    return _third_party(purpose, wanted, reason)


def is_adverse_party(
    requester: Requester, measures: Iterable[SupportMeasureView], today: date
) -> bool:
    """Whether ``requester`` is the adverse party of a measure in force on ``today``."""
    return any(measure.active(today) and measure.names(requester) for measure in measures)


def mandate_problem(
    mandate: MandateView | None,
    *,
    requester: Requester,
    subject: PersonOnRegister,
    purpose: Purpose,
    items: Iterable[OptionalItem],
    today: date,
) -> Reason | None:
    """Why ``mandate`` does not let ``requester`` ask for ``subject``'s copy, or ``None``.
    Checked in order: there is one; it names this principal and this proxy; the principal
    signed it; it is in force; it covers the purpose, and the My Number if asked for."""
    if mandate is None:
        return Reason.MANDATE_MISSING
    if mandate.principal != subject.register_key or not _is_proxy(mandate, requester):
        return Reason.MANDATE_OTHER_PERSON
    if not mandate.signed_by_principal():
        return Reason.MANDATE_NOT_SIGNED_BY_PRINCIPAL
    if today < mandate.valid_from:
        return Reason.MANDATE_NOT_YET_VALID
    if today > mandate.valid_until or subject.died(today):
        return Reason.MANDATE_EXPIRED
    if mandate.purpose != purpose:
        return Reason.MANDATE_OTHER_PURPOSE
    if shows_statutory_only_item(items) and not mandate.allow_my_number:
        return Reason.MY_NUMBER_NOT_IN_MANDATE
    return None


def same_name(first: str, second: str) -> bool:
    """Whether two written names are the same, ignoring spaces (half- or full-width),
    full-width/half-width forms (NFKC) and letter case."""
    return _compact(first) == _compact(second)


def household_members(
    subject: PersonOnRegister,
    register: Iterable[PersonOnRegister],
    today: date | None = None,
) -> list[PersonOnRegister]:
    """The people on the register in ``subject``'s household who have not been removed (by
    ``today``; without it, at all), in the certificate's order: the head first, then the
    eldest first."""
    members = [
        person
        for person in register
        if person.household == subject.household and not _removed(person, today)
    ]
    return sorted(members, key=lambda p: (not p.is_head, p.birthdate, p.register_key))


# -- the routes --------------------------------------------------------------------------------


def _household(
    requester: Requester,
    requester_record: PersonOnRegister | None,
    subject: PersonOnRegister,
    mandate: MandateView | None,
    purpose: Purpose,
    items: frozenset[OptionalItem],
    today: date,
) -> Decision:
    """A member of the household asks directly; a relative at the same address in a separate
    household is a proxy; the former household of a removed person asks as a third party."""
    if requester_record is None or requester_record.removed(today):
        return Decision.refused(Route.HOUSEHOLD, Reason.NOT_SAME_HOUSEHOLD)
    if requester_record.household != subject.household:
        if _same_address(requester_record, subject):
            return _proxy(requester, subject, mandate, purpose, items, today, treated=True)
        return Decision.refused(Route.HOUSEHOLD, Reason.NOT_SAME_HOUSEHOLD)
    if subject.removed(today):
        return Decision.refused(Route.THIRD_PARTY, Reason.REMOVED_USE_THIRD_PARTY)
    return _direct(Route.HOUSEHOLD, purpose, items)


def _proxy(
    requester: Requester,
    subject: PersonOnRegister,
    mandate: MandateView | None,
    purpose: Purpose,
    items: frozenset[OptionalItem],
    today: date,
    *,
    treated: bool = False,
) -> Decision:
    problem = mandate_problem(
        mandate, requester=requester, subject=subject, purpose=purpose, items=items, today=today
    )
    if problem is not None:
        return Decision.refused(Route.PROXY, problem, treated_as_proxy=treated)
    return _direct(Route.PROXY, purpose, items, treated_as_proxy=treated)


def _third_party(purpose: Purpose, items: frozenset[OptionalItem], reason: str | None) -> Decision:
    """Never a statutory-only item; otherwise a stated reason goes to a clerk."""
    problem = items_problem(items, purpose, Route.THIRD_PARTY)
    if problem is not None:
        return Decision.refused(Route.THIRD_PARTY, Reason(problem))
    if reason is None or not reason.strip():
        return Decision.refused(Route.THIRD_PARTY, Reason.REASON_NEEDED)
    return Decision(
        allowed=False,
        route=Route.THIRD_PARTY,
        reason=None,
        delivery=delivery_for(Route.THIRD_PARTY, items),
        needs_signature=needs_signature(Route.THIRD_PARTY, items),
        review=True,
    )


def _direct(
    route: Route,
    purpose: Purpose,
    items: frozenset[OptionalItem],
    *,
    treated_as_proxy: bool = False,
) -> Decision:
    """Allowed on ``route``, if the items suit the purpose."""
    problem = items_problem(items, purpose, route)
    if problem is not None:
        return Decision.refused(route, Reason(problem), treated_as_proxy=treated_as_proxy)
    return Decision(
        allowed=True,
        route=route,
        reason=None,
        delivery=delivery_for(route, items),
        needs_signature=needs_signature(route, items),
        review=False,
        treated_as_proxy=treated_as_proxy,
    )


# -- matching ----------------------------------------------------------------------------------


def _is_proxy(mandate: MandateView, requester: Requester) -> bool:
    return (
        same_name(mandate.proxy_name, requester.name)
        and mandate.proxy_birthdate == requester.birthdate
    )


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _same_address(first: PersonOnRegister, second: PersonOnRegister) -> bool:
    return _compact(first.address) == _compact(second.address)


def _removed(person: PersonOnRegister, today: date | None) -> bool:
    return person.removed_on is not None if today is None else person.removed(today)
