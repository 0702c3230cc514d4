"""The back office's use cases: what a clerk of Sakuragi City's 市民課 does to the register.

One function per intent; each owns its transaction (it commits) and writes an
:class:`~residence.models.AuditEvent` with the clerk as actor (``clerk:<username>``). Changes
other agencies may follow also write a :class:`~residence.models.RegisterEvent`:

* :func:`register_move_in` (転入: a new household, or joining one) — ``moved_in``;
* :func:`register_move_out` (転出: the record stays, removed — 除票) — ``moved_out``; copies
  issued earlier stay valid, and verifiers see that the person moved since;
* :func:`register_birth` (出生) — ``born``;
* :func:`correct_record` (names; an address change is a move within the city, 転居) —
  ``corrected`` and/or ``moved_within``;
* :func:`set_support_measure`, :func:`renew_support_measure`, :func:`lift_support_measure`
  (DV等支援措置);
* :func:`approve_request` / :func:`refuse_request` (the review queue of third-party requests);
* :func:`revoke_certificate` (a copy issued in error).

The forms' own rules are in :mod:`residence.domain.backoffice`; what needs the register (a
household that exists, a My Number already registered…) is checked here and reported the
same way, as :class:`Invalid` with a problem code per field. Audit details never hold a My
Number, a 住民票コード or a secret.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from govkit.certificates.status import DocumentStatus
from govkit.exchange import exchange_pseudonym
from residence import repository
from residence.domain.agency_services import same_address
from residence.domain.backoffice import (
    HEAD,
    NEW_HOUSEHOLD_PREFIX,
    Birth,
    Correction,
    MeasureState,
    MoveIn,
    MoveOut,
    Names,
    NewMeasure,
    measure_state,
    relationship_problem,
    renewed_until,
)
from residence.domain.eligibility import (
    CLAIM_TIMEOUT,
    Reason,
    Requester,
    RequestStatus,
    is_adverse_party,
)
from residence.domain.identifiers import my_number_check_digit
from residence.models import (
    AuditEvent,
    CertificateRequest,
    IssuedCertificate,
    RegisterEvent,
    Resident,
    SupportMeasure,
)
from residence.staff import SignedInClerk

#: The kit's synthetic My Numbers (DESIGN.md §7): ``9990``, a 7-digit serial, a check digit.
MY_NUMBER_PREFIX = "9990"
MAX_RESULTS = 50
MOVED_OUT = "moved_out"


class NotFound(LookupError):
    """No such resident, household, request, certificate or measure."""


class Invalid(ValueError):
    """The register refuses the form: ``problems`` maps fields to problem codes."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


class WrongState(ValueError):
    """The thing is no longer in a state for this: ``reason`` is ``"removed"`` (the resident
    is off the register), ``"decided"`` (the request is no longer in the queue),
    ``"adverse_party"`` (the requester is the adverse party of a support measure on the
    person), ``"not_issued"`` (the copy is already revoked or superseded), ``"lifted"``
    (the measure was lifted) or ``"ended"`` (the measure has ended: set a new one)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IssueFailed(RuntimeError):
    """The copy could not be made now (the seal or the trust service); nothing changed."""


@dataclass(frozen=True)
class PostalTable:
    municipality: str
    known: Mapping[str, str]


@functools.cache
def postal_table() -> PostalTable:
    """The kit's postal table and the city's name (from the register's seed file)."""
    from residence.seeding import load_register

    register = load_register()
    return PostalTable(register.municipality, dict(register.postal_codes))


def _audit(
    session: Session,
    *,
    clerk: SignedInClerk,
    action: str,
    now: datetime,
    register_key: str | None = None,
    target: str | None = None,
    **details: object,
) -> None:
    repository.save_audit_event(
        session=session,
        event=AuditEvent(
            at=now,
            actor=clerk.actor,
            action=action,
            register_key=register_key,
            target=target,
            details=dict(details),
        ),
    )


def _event(session: Session, *, register_key: str, kind: str, on: date, now: datetime) -> None:
    repository.save_register_event(
        session=session,
        event=RegisterEvent(register_key=register_key, kind=kind, effective_on=on, recorded_at=now),
    )


def _resident(session: Session, register_key: str) -> Resident:
    resident = repository.find_resident(session=session, register_key=register_key[:32])
    if resident is None:
        raise NotFound(register_key)
    return resident


def _current(session: Session, register_key: str, today: date) -> Resident:
    resident = _resident(session, register_key)
    if resident.removed_on is not None and resident.removed_on <= today:
        raise WrongState("removed")
    return resident


# -- reading the register -------------------------------------------------------------------------


def find_residents(*, session: Session, query: str) -> Sequence[Resident]:
    """Residents (removed ones too) by name, kana, Latin letters, register key or household."""
    text = " ".join(query.split())
    if not text:
        return []
    return repository.search_residents(session=session, query=text, limit=MAX_RESULTS)


@dataclass(frozen=True)
class MeasureOnFile:
    measure: SupportMeasure
    state: MeasureState


@dataclass(frozen=True)
class ResidentFile:
    """Everything the record page shows about one resident."""

    resident: Resident
    removed: bool
    household: Sequence[Resident]
    measures: Sequence[MeasureOnFile]
    events: Sequence[RegisterEvent]
    certificates: Sequence[IssuedCertificate]

    @property
    def protected(self) -> bool:
        """A DV support measure is in force (or about to be)."""
        return any(m.state in (MeasureState.ACTIVE, MeasureState.SCHEDULED) for m in self.measures)


def _measures(session: Session, register_key: str, today: date) -> list[MeasureOnFile]:
    return [
        MeasureOnFile(
            m,
            measure_state(
                starts_on=m.starts_on, ends_on=m.ends_on, lifted_on=m.lifted_on, today=today
            ),
        )
        for m in repository.list_support_measures(session=session, subject=register_key)
    ]


def resident_file(*, session: Session, register_key: str, today: date) -> ResidentFile:
    resident = _resident(session, register_key)
    household = [
        r
        for r in repository.list_household(session=session, household=resident.household)
        if r.register_key != resident.register_key
    ]
    return ResidentFile(
        resident=resident,
        removed=resident.removed_on is not None and resident.removed_on <= today,
        household=household,
        measures=_measures(session, resident.register_key, today),
        events=repository.list_register_events_of(
            session=session, register_key=resident.register_key
        ),
        certificates=_copies_showing(session, resident, household),
    )


def _copies_showing(
    session: Session, resident: Resident, household: Sequence[Resident]
) -> list[IssuedCertificate]:
    """The copies the person is on: asked about them, or about a member of their household
    with them on it (a 世帯全員 copy), newest first."""
    subjects = [resident.register_key, *(r.register_key for r in household)]
    copies = repository.list_certificates_about(session=session, subjects=subjects)
    return [
        c
        for c in copies
        if c.subject == resident.register_key or resident.register_key in c.members
    ]


def household_members(*, session: Session, household: str, today: date) -> Sequence[Resident]:
    """The household's current members (:class:`NotFound` when it has none)."""
    members = [
        r
        for r in repository.list_household(session=session, household=household[:32])
        if r.removed_on is None or r.removed_on > today
    ]
    if not members:
        raise NotFound(household)
    return members


def review_queue(*, session: Session) -> list[tuple[CertificateRequest, Resident | None]]:
    """The third-party requests waiting for a clerk, oldest first, with their subject."""
    pending = repository.list_requests_with_status(
        session=session, status=RequestStatus.PENDING_REVIEW.value
    )
    return [(r, repository.find_resident(session=session, register_key=r.subject)) for r in pending]


@dataclass(frozen=True)
class RequestFile:
    request: CertificateRequest
    subject: Resident | None
    #: A support measure is in force on the person the copy is about.
    protected: bool
    #: The requester is the adverse party of such a measure (approval is impossible).
    adverse_party: bool
    certificates: Sequence[IssuedCertificate]


def _requester(request: CertificateRequest) -> Requester:
    return Requester(
        pseudonym=request.requester_pseudonym, name=request.requester_name, birthdate=None
    )


def request_file(*, session: Session, request_id: str, today: date) -> RequestFile:
    request = repository.find_request(session=session, request_id=request_id[:40])
    if request is None:
        raise NotFound(request_id)
    subject = repository.find_resident(session=session, register_key=request.subject)
    measures = repository.list_support_measures(session=session, subject=request.subject)
    views = [repository.support_measure_view(m) for m in measures]
    return RequestFile(
        request=request,
        subject=subject,
        protected=any(v.active(today) for v in views),
        adverse_party=is_adverse_party(_requester(request), views, today),
        certificates=repository.list_certificates_of_request(
            session=session, request_id=request.id
        ),
    )


def certificate_file(
    *, session: Session, document_id: str
) -> tuple[IssuedCertificate, Resident | None]:
    certificate = repository.find_certificate(session=session, document_id=document_id[:40])
    if certificate is None:
        raise NotFound(document_id)
    return certificate, repository.find_resident(session=session, register_key=certificate.subject)


def measure_file(
    *, session: Session, measure_id: int, today: date
) -> tuple[MeasureOnFile, Resident]:
    measure = repository.find_support_measure(session=session, measure_id=measure_id)
    if measure is None:
        raise NotFound(str(measure_id))
    state = measure_state(
        starts_on=measure.starts_on,
        ends_on=measure.ends_on,
        lifted_on=measure.lifted_on,
        today=today,
    )
    return MeasureOnFile(measure, state), _resident(session, measure.subject)


# -- new numbers ----------------------------------------------------------------------------------


def _new_household(session: Session) -> str:
    pattern = re.compile(rf"^{NEW_HOUSEHOLD_PREFIX}(\d+)$")
    numbers = [
        int(m.group(1))
        for h in repository.list_households(session=session)
        if (m := pattern.match(h))
    ]
    return f"{NEW_HOUSEHOLD_PREFIX}{max(numbers, default=0) + 1}"


def _new_register_key(session: Session, household: str) -> str:
    pattern = re.compile(rf"^{re.escape(household)}-(\d+)$")
    keys = repository.list_register_keys_of_household(session=session, household=household)
    number = max((int(m.group(1)) for k in keys if (m := pattern.match(k))), default=0) + 1
    while repository.find_resident(session=session, register_key=f"{household}-{number}"):
        number += 1
    return f"{household}-{number}"


def _new_my_number(session: Session) -> str:
    """The next synthetic My Number (``9990`` + serial + check digit), for a newborn."""
    serials = [
        int(n[4:11])
        for n in repository.list_my_numbers_starting(session=session, prefix=MY_NUMBER_PREFIX)
        if len(n) == 12 and n.isdigit()
    ]
    first11 = f"{MY_NUMBER_PREFIX}{max(serials, default=0) + 1:07d}"
    return first11 + str(my_number_check_digit(first11))


def _new_juminhyo_code(session: Session) -> str:
    while True:
        code = "8" + "".join(secrets.choice("0123456789") for _ in range(10))
        if repository.find_resident_by_juminhyo_code(session=session, code=code) is None:
            return code


def _pseudonym(key: str | None, register_key: str) -> str | None:
    return exchange_pseudonym(key, register_key) if key else None


def _apply_names(resident: Resident, names: Names) -> None:
    resident.family_name = names.family_name
    resident.given_name = names.given_name
    resident.family_name_kana = names.family_name_kana
    resident.given_name_kana = names.given_name_kana
    resident.name_roman = names.name_roman


def names_of(resident: Resident) -> Names:
    return Names(
        family_name=resident.family_name,
        given_name=resident.given_name,
        family_name_kana=resident.family_name_kana,
        given_name_kana=resident.given_name_kana,
        name_roman=resident.name_roman,
    )


# -- changes to the register ----------------------------------------------------------------------


def register_move_in(
    *,
    session: Session,
    clerk: SignedInClerk,
    move_in: MoveIn,
    pseudonym_key: str | None,
    now: datetime,
    today: date,
) -> Resident:
    """A person moves into the city: a new record (and household, unless they join one, at
    that household's address)."""
    problems: dict[str, str] = {}
    if move_in.household is not None:
        members = [
            r
            for r in repository.list_household(session=session, household=move_in.household)
            if r.removed_on is None or r.removed_on > today
        ]
        if not members:
            problems["household"] = "unknown_household"
        else:
            problem = relationship_problem(
                move_in.relationship,
                new_household=False,
                has_head=any(r.relationship == HEAD for r in members),
            )
            if problem is not None:
                problems["relationship"] = problem
            if move_in.address != members[0].address:
                problems["address"] = "not_household_address"
    if repository.find_resident_by_my_number(session=session, my_number=move_in.my_number):
        problems["my_number"] = "taken"
    code = move_in.juminhyo_code
    if code and repository.find_resident_by_juminhyo_code(session=session, code=code):
        problems["juminhyo_code"] = "taken"
    if problems:
        raise Invalid(problems)
    household = move_in.household or _new_household(session)
    key = _new_register_key(session, household)
    foreign = move_in.foreign
    resident = Resident(
        register_key=key,
        household=household,
        relationship=move_in.relationship,
        birthdate=move_in.birthdate,
        sex=move_in.sex,
        postal_code=move_in.postal_code,
        address=move_in.address,
        exchange_pseudonym=_pseudonym(pseudonym_key, key),
        created_at=now,
        became_resident_on=move_in.moved_in_on,
        address_since=move_in.moved_in_on,
        address_notified_on=today,
        previous_address=move_in.previous_address,
        honseki=move_in.honseki,
        hittosha=move_in.hittosha,
        juminhyo_code=code or _new_juminhyo_code(session),
        my_number=move_in.my_number,
        nationality=foreign.nationality if foreign else None,
        foreign_resident_category=foreign.category if foreign else None,
        residence_status=foreign.residence_status if foreign else None,
        period_of_stay=foreign.period_of_stay if foreign else None,
        stay_expires_on=foreign.stay_expires_on if foreign else None,
        residence_card_number=foreign.residence_card_number if foreign else None,
    )
    _apply_names(resident, move_in.names)
    repository.save_resident(session=session, resident=resident)
    _event(session, register_key=key, kind="moved_in", on=move_in.moved_in_on, now=now)
    _audit(
        session,
        clerk=clerk,
        action="move_in",
        now=now,
        register_key=key,
        household=household,
        new_household=move_in.household is None,
        moved_in_on=move_in.moved_in_on.isoformat(),
    )
    session.commit()
    return resident


def register_move_out(
    *,
    session: Session,
    clerk: SignedInClerk,
    register_key: str,
    move_out: MoveOut,
    now: datetime,
    today: date,
) -> Resident:
    """A resident moves out of the city: their record is removed (除票), never deleted."""
    resident = _current(session, register_key, today)
    resident.removed_on = move_out.removed_on
    resident.removal_reason = MOVED_OUT
    resident.moved_to = move_out.moved_to
    repository.save_resident(session=session, resident=resident)
    _event(
        session, register_key=resident.register_key, kind="moved_out", on=move_out.removed_on,
        now=now,
    )  # fmt: skip
    _audit(
        session,
        clerk=clerk,
        action="move_out",
        now=now,
        register_key=resident.register_key,
        removed_on=move_out.removed_on.isoformat(),
    )
    session.commit()
    return resident


def register_birth(
    *,
    session: Session,
    clerk: SignedInClerk,
    household: str,
    birth: Birth,
    pseudonym_key: str | None,
    now: datetime,
    today: date,
) -> Resident:
    """A child born into a household of the city: a resident from their birth date, at the
    household's address, with a new My Number and 住民票コード; 本籍 and nationality follow
    the head of household's (the clerk corrects them if the birth notice says otherwise)."""
    members = household_members(session=session, household=household, today=today)
    head = next((r for r in members if r.relationship == HEAD), members[0])
    key = _new_register_key(session, head.household)
    resident = Resident(
        register_key=key,
        household=head.household,
        relationship=birth.relationship,
        birthdate=birth.birthdate,
        sex=birth.sex,
        postal_code=head.postal_code,
        address=head.address,
        exchange_pseudonym=_pseudonym(pseudonym_key, key),
        created_at=now,
        became_resident_on=birth.birthdate,
        address_since=birth.birthdate,
        address_notified_on=today,
        previous_address=None,
        honseki=head.honseki,
        hittosha=head.hittosha,
        juminhyo_code=_new_juminhyo_code(session),
        my_number=_new_my_number(session),
        nationality=head.nationality,
        foreign_resident_category="出生による経過滞在者" if head.nationality else None,
    )
    _apply_names(resident, birth.names)
    repository.save_resident(session=session, resident=resident)
    _event(session, register_key=key, kind="born", on=birth.birthdate, now=now)
    _audit(
        session,
        clerk=clerk,
        action="birth",
        now=now,
        register_key=key,
        household=head.household,
        birthdate=birth.birthdate.isoformat(),
    )
    session.commit()
    return resident


def correct_record(
    *,
    session: Session,
    clerk: SignedInClerk,
    register_key: str,
    correction: Correction,
    now: datetime,
    today: date,
) -> Resident:
    """New names and/or a new address. A new address is a move within the city (転居): the
    old one becomes the previous address, and the event is ``moved_within``. A correction
    that changes nothing (the same address typed differently included) is :class:`Invalid`
    ``no_change``, and nothing is written."""
    resident = _current(session, register_key, today)
    changed: list[str] = []
    old_names = names_of(resident)
    for field in ("family_name", "given_name", "family_name_kana", "given_name_kana",
                  "name_roman"):  # fmt: skip
        if getattr(old_names, field) != getattr(correction.names, field):
            changed.append(field)
    moved = correction.moved_on is not None and (
        correction.postal_code != resident.postal_code
        or not same_address(correction.address, resident.address)
    )
    if not changed and not moved:
        raise Invalid({"family_name": "no_change"})
    _apply_names(resident, correction.names)
    if moved and correction.moved_on is not None:
        changed += ["address"]
        resident.previous_address = resident.address
        resident.address = correction.address
        resident.postal_code = correction.postal_code
        resident.address_since = correction.moved_on
        resident.address_notified_on = today
    repository.save_resident(session=session, resident=resident)
    if moved and correction.moved_on is not None:
        _event(
            session, register_key=resident.register_key, kind="moved_within",
            on=correction.moved_on, now=now,
        )  # fmt: skip
    if any(field != "address" for field in changed):
        _event(session, register_key=resident.register_key, kind="corrected", on=today, now=now)
    _audit(
        session,
        clerk=clerk,
        action="correction",
        now=now,
        register_key=resident.register_key,
        changed=changed,
    )
    session.commit()
    return resident


# -- DV support measures --------------------------------------------------------------------------


def set_support_measure(
    *, session: Session, clerk: SignedInClerk, register_key: str, measure: NewMeasure,
    now: datetime,
) -> SupportMeasure:  # fmt: skip
    """Protect a resident from an adverse party for one year from ``measure.starts_on``."""
    resident = _resident(session, register_key)
    row = SupportMeasure(
        subject=resident.register_key,
        adverse_name=measure.adverse_name,
        adverse_birthdate=measure.adverse_birthdate,
        starts_on=measure.starts_on,
        ends_on=measure.ends_on,
        created_at=now,
    )
    repository.save_support_measure(session=session, measure=row)
    _audit(
        session,
        clerk=clerk,
        action="support_measure_set",
        now=now,
        register_key=resident.register_key,
        target=str(row.id),
        starts_on=row.starts_on.isoformat(),
        ends_on=row.ends_on.isoformat(),
    )
    session.commit()
    return row


def _open_measure(session: Session, measure_id: int, today: date) -> MeasureOnFile:
    on_file, _ = measure_file(session=session, measure_id=measure_id, today=today)
    if on_file.state == MeasureState.LIFTED:
        raise WrongState("lifted")
    return on_file


def renew_support_measure(
    *, session: Session, clerk: SignedInClerk, measure_id: int, now: datetime, today: date
) -> SupportMeasure:
    """One more year after the current end (a measure that has ended is set anew instead)."""
    on_file = _open_measure(session, measure_id, today)
    if on_file.state == MeasureState.ENDED:
        raise WrongState("ended")
    measure = on_file.measure
    measure.ends_on = renewed_until(measure.ends_on)
    repository.save_support_measure(session=session, measure=measure)
    _audit(
        session,
        clerk=clerk,
        action="support_measure_set",
        now=now,
        register_key=measure.subject,
        target=str(measure.id),
        renewed=True,
        ends_on=measure.ends_on.isoformat(),
    )
    session.commit()
    return measure


def lift_support_measure(
    *, session: Session, clerk: SignedInClerk, measure_id: int, now: datetime, today: date
) -> SupportMeasure:
    """End a measure from today (the person asked for it, or it is no longer needed)."""
    measure = _open_measure(session, measure_id, today).measure
    measure.lifted_on = today
    repository.save_support_measure(session=session, measure=measure)
    _audit(
        session,
        clerk=clerk,
        action="support_measure_lifted",
        now=now,
        register_key=measure.subject,
        target=str(measure.id),
        lifted_on=today.isoformat(),
    )
    session.commit()
    return measure


# -- the review queue and the issuance register ---------------------------------------------------

#: The issuing use case: ``issue(session=, request_id=, now=, today=)`` renders, seals and
#: records the copies of an approved request, and commits.
Issue = Callable[..., Sequence[IssuedCertificate]]


def _pending(session: Session, request_id: str, today: date) -> RequestFile:
    found = request_file(session=session, request_id=request_id, today=today)
    if found.request.status != RequestStatus.PENDING_REVIEW.value:
        raise WrongState("decided")
    return found


def approve_request(
    *,
    session: Session,
    clerk: SignedInClerk,
    request_id: str,
    issue: Issue,
    now: datetime,
    today: date,
) -> Sequence[IssuedCertificate]:
    """Approve a third-party request after review: the copies are issued at once. Never for
    the adverse party of a support measure on the person (:class:`WrongState`).

    The request is first claimed in one conditional update (committed before sealing, which
    takes seconds and commits on its own), so of two clerks deciding at once, or a double
    click, exactly one wins; the others get :class:`WrongState` ``"decided"``. A copy that
    cannot be sealed gives the claim back: the request stays in the queue."""
    found = _pending(session, request_id, today)
    if found.adverse_party:
        raise WrongState("adverse_party")
    request = found.request
    pending = RequestStatus.PENDING_REVIEW.value
    claimed = repository.claim_request(
        session=session, request_id=request.id, pending=pending, clerk=clerk.username, at=now,
        claimed_before=now - CLAIM_TIMEOUT,
    )  # fmt: skip
    if not claimed:
        session.rollback()
        raise WrongState("decided")
    session.commit()
    try:
        issued = issue(session=session, request_id=request.id, now=now, today=today)
    except (RuntimeError, OSError) as exc:  # the seal, the trust service, the network
        session.rollback()
        repository.release_request(
            session=session, request_id=request.id, pending=pending, clerk=clerk.username
        )
        session.commit()
        raise IssueFailed(request.id) from exc
    _audit(
        session,
        clerk=clerk,
        action="request_approved",
        now=now,
        register_key=request.subject,
        target=request.id,
        route=request.route,
        purpose=request.purpose,
    )
    session.commit()
    return issued


def refuse_request(
    *,
    session: Session,
    clerk: SignedInClerk,
    request_id: str,
    reason: str,
    now: datetime,
    today: date,
) -> CertificateRequest:
    """Refuse a third-party request. The requester sees the generic refusal; the clerk's
    reason stays in the audit trail (it may concern the person protected). One conditional
    update: a request another clerk decided (or is approving) is :class:`WrongState`."""
    request = _pending(session, request_id, today).request
    refused = repository.decide_request(
        session=session,
        request_id=request.id,
        pending=RequestStatus.PENDING_REVIEW.value,
        status=RequestStatus.REFUSED.value,
        refusal=Reason.REFUSED.value,
        clerk=clerk.username,
        at=now,
        claimed_before=now - CLAIM_TIMEOUT,
    )
    if not refused:
        session.rollback()
        raise WrongState("decided")
    _audit(
        session,
        clerk=clerk,
        action="request_refused",
        now=now,
        register_key=request.subject,
        target=request.id,
        reason=reason.strip(),
    )
    session.commit()
    session.refresh(request)
    return request


def revoke_certificate(
    *, session: Session, clerk: SignedInClerk, document_id: str, reason: str, now: datetime
) -> IssuedCertificate:
    """Withdraw a copy issued in error: its status answers ``revoked`` from now on (the
    issuance register's own use case records it, with the clerk as actor)."""
    from residence import issuing

    certificate, _ = certificate_file(session=session, document_id=document_id)
    if certificate.status != DocumentStatus.ISSUED.value:
        raise WrongState("not_issued")
    return issuing.revoke_certificate(
        session=session,
        document_id=certificate.document_id,
        reason=reason.strip(),
        actor=clerk.actor,
        now=now,
    )
