"""The citizen's use cases: ask for a copy of a resident record, write a letter of authority.

The views gather answers; these functions read the register, decide with the pure rules of
``residence.domain.eligibility`` and, for :func:`submit_request` and :func:`create_mandate`,
own the transaction. Nothing here trusts a value the browser sent back without re-reading it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from govkit.certificates.issuer import DocumentIssuer
from govkit.certificates.status import DocumentStatus
from residence import issuing, repository
from residence.domain import fees
from residence.domain.eligibility import (
    CLAIM_TIMEOUT,
    Decision,
    MandateView,
    PersonOnRegister,
    Requester,
    RequestStatus,
    decide,
    household_members,
    same_name,
)
from residence.domain.identifiers import normalise_digits
from residence.domain.items import OptionalItem, Purpose, Route
from residence.domain.mandate import mandate_digest, mandate_period_problem, mandate_text
from residence.models import AuditEvent, CertificateRequest, IssuedCertificate, Mandate

log = logging.getLogger(__name__)

#: Letters of authority codes: ``M-`` and 12 characters without look-alikes (0/O, 1/I/L).
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

#: Checks a stored card signature against a digest (govkit.auth.verify_card_signature).
SignatureCheck = Callable[[dict[str, Any], bytes], bool]


@dataclass(frozen=True)
class Answers:
    """What the citizen answered, as the views parsed it (nothing here is trusted: the
    register is read again before anything is decided)."""

    route: Route
    #: The register key of the person the copy is about (``None`` for a third party: the
    #: clerk finds them from the name and address given).
    subject: str | None = None
    members: tuple[str, ...] = ()
    items: frozenset[OptionalItem] = frozenset()
    purpose: Purpose = Purpose.OTHER
    recipient: str | None = None
    copies: int = 1
    mandate_id: str | None = None
    reason: str | None = None
    evidence: str | None = None
    subject_name: str | None = None
    subject_address: str | None = None
    post_to: str | None = None  # the postal code a printed copy goes to
    #: The journey's own random id, taken when it started (:func:`new_submission`): one
    #: journey makes at most one request, however often its last step is sent.
    submission: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "route": self.route.value,
            "subject": self.subject,
            "members": list(self.members),
            "items": sorted(self.items),
            "purpose": self.purpose.value,
            "recipient": self.recipient,
            "copies": self.copies,
            "mandate_id": self.mandate_id,
            "subject_name": self.subject_name,
            "subject_address": self.subject_address,
            "post_to": self.post_to,
        }


@dataclass(frozen=True)
class Outcome:
    request: CertificateRequest
    certificates: list[IssuedCertificate] = field(default_factory=list)
    #: The journey had already made this request (the last step was sent again).
    repeated: bool = False


def _audit(
    session: Session,
    *,
    citizen: str,
    action: str,
    now: datetime,
    register_key: str | None,
    target: str,
    **details: Any,
) -> None:
    """One entry of the audit trail for something a citizen did (not committed)."""
    repository.save_audit_event(
        session=session,
        event=AuditEvent(
            at=now,
            actor=f"citizen:{citizen}",
            action=action,
            register_key=register_key,
            target=target,
            details=details,
        ),
    )


def new_submission() -> str:
    """A journey's id, taken when the citizen starts it (kept with their answers)."""
    return secrets.token_urlsafe(24)


def submitted(session: Session, submission: str | None) -> CertificateRequest | None:
    """The request a journey already made, if it made one."""
    if not submission:
        return None
    return repository.find_request_by_submission(session=session, submission=submission[:64])


def _repeated(session: Session, request: CertificateRequest) -> Outcome:
    return Outcome(
        request,
        list(repository.list_certificates_of_request(session=session, request_id=request.id)),
        repeated=True,
    )


# -- reading the register -----------------------------------------------------------------------
def person(session: Session, register_key: str | None) -> PersonOnRegister | None:
    if register_key is None:
        return None
    resident = repository.find_resident(session=session, register_key=register_key)
    return repository.person_of(resident) if resident is not None else None


def requester_record(session: Session, requester: Requester) -> PersonOnRegister | None:
    """The requester's own entry in the register (``None``: they do not live in the city)."""
    if requester.pseudonym is None:
        return None
    resident = repository.find_resident_by_pseudonym(session=session, pseudonym=requester.pseudonym)
    return repository.person_of(resident) if resident is not None else None


def household(session: Session, of: PersonOnRegister, today: date) -> list[PersonOnRegister]:
    """``of``'s household as it is today (head first)."""
    residents = repository.list_household(session=session, household=of.household)
    return household_members(of, [repository.person_of(r) for r in residents], today)


def relatives_at_home(
    session: Session, of: PersonOnRegister, today: date
) -> list[PersonOnRegister]:
    """The people a requester may pick as "someone in my household": their household, then
    anyone registered at the same address in another household (whom the rules treat as a
    proxy case: picking them is allowed, the request then needs a letter of authority)."""
    own = household(session, of, today)
    keys = {p.register_key for p in own}
    others = [
        repository.person_of(r)
        for r in repository.list_at_address(session=session, address=of.address)
        if r.register_key not in keys and r.removed_on is None
    ]
    return own + others


def mandate_view(session: Session, mandate: Mandate, check: SignatureCheck) -> MandateView:
    principal = repository.find_resident(session=session, register_key=mandate.principal)
    return MandateView(
        id=mandate.id,
        principal=mandate.principal,
        proxy_name=mandate.proxy_name,
        proxy_birthdate=mandate.proxy_birthdate,
        purpose=mandate.purpose,
        allow_my_number=mandate.allow_my_number,
        valid_from=mandate.valid_from,
        valid_until=mandate.valid_until,
        signer_pseudonym=mandate.signer_pseudonym,
        principal_pseudonym=principal.exchange_pseudonym if principal is not None else None,
        signature_valid=check(mandate.signature, mandate_digest(mandate.signed_text)),
    )


class MandateNotFound(LookupError):
    """No letter with this code names this principal: ``field`` says which answer is wrong."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def principal_for(
    session: Session, mandate_id: str, principal_my_number: str
) -> tuple[Mandate, PersonOnRegister]:
    """The letter and its principal, if the code exists and the My Number is the principal's
    (a wrong My Number and an unknown code give the same answer for the number field, so the
    form never tells which letters exist)."""
    mandate = repository.find_mandate(session=session, mandate_id=mandate_id.strip().upper())
    if mandate is None:
        raise MandateNotFound("mandate_id")
    principal = person(session, mandate.principal)
    if principal is None or principal.my_number != normalise_digits(principal_my_number):
        raise MandateNotFound("principal_my_number")
    return mandate, principal


def third_party_subject(session: Session, name: str, address: str) -> PersonOnRegister | None:
    """The person a third party names, found by name and address (removed people included)."""
    wanted = "".join(address.split())
    for resident in repository.find_residents_by_family_name(
        session=session, family_name=name.split()[0] if name.split() else name
    ):
        candidate = repository.person_of(resident)
        if same_name(candidate.full_name, name) and "".join(candidate.address.split()) == wanted:
            return candidate
    return None


# -- deciding -----------------------------------------------------------------------------------
def assess(
    session: Session,
    *,
    requester: Requester,
    answers: Answers,
    today: date,
    check: SignatureCheck,
) -> tuple[Decision, PersonOnRegister | None]:
    """The decision the rules give for ``answers``, read afresh from the register, and the
    subject (``None`` when nobody could be found: always a generic refusal)."""
    mine = requester_record(session, requester)
    mandate = (
        repository.find_mandate(session=session, mandate_id=answers.mandate_id)
        if answers.mandate_id
        else None
    )
    if answers.route is Route.THIRD_PARTY:
        subject = third_party_subject(
            session, answers.subject_name or "", answers.subject_address or ""
        )
    elif answers.route is Route.PROXY and mandate is not None:
        subject = person(session, mandate.principal)
    else:
        subject = person(session, answers.subject)
    if subject is None:
        return Decision.refused(answers.route), None
    measures = [
        repository.support_measure_view(m)
        for key in {subject.register_key, *answers.members}
        for m in repository.list_support_measures(session=session, subject=key)
    ]
    decision = decide(
        requester=requester,
        requester_record=mine,
        subject=subject,
        route=answers.route,
        mandate=mandate_view(session, mandate, check) if mandate is not None else None,
        purpose=answers.purpose,
        items=answers.items,
        measures=measures,
        today=today,
        reason=answers.reason,
    )
    return decision, subject


def copy_members(
    session: Session, subject: PersonOnRegister, answers: Answers, today: date
) -> list[PersonOnRegister]:
    """Who the copy shows: the subject alone, or the chosen members of their household (only
    people in it today; anything else the browser sent is ignored)."""
    if answers.route in (Route.PROXY, Route.THIRD_PARTY) or not answers.members:
        return [subject]
    current = {p.register_key: p for p in household(session, subject, today)}
    chosen = [current[key] for key in answers.members if key in current]
    return chosen or [subject]


def request_digest(answers: Answers, requester: Requester, fee_yen: int, today: date) -> bytes:
    """What the requester signs when the rules need a signature: the request as asked."""
    body = {
        "kind": "residence-certificate-request",
        "requester": requester.name,
        "on": today.isoformat(),
        "fee_yen": fee_yen,
        **answers.as_json(),
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).digest()


# -- submitting ---------------------------------------------------------------------------------
def submit_request(
    *,
    session: Session,
    issuer: Callable[[], DocumentIssuer],
    requester_sub: str,
    requester: Requester,
    answers: Answers,
    signature: dict[str, Any] | None,
    check: SignatureCheck,
    fee_per_copy: int | None,
    public_url: str,
    verify_url: str,
    now: datetime,
    today: date,
) -> Outcome:
    """Record the request and act on the rules' decision: issue the signed copies now, post
    them to the principal, queue the request for a clerk, or refuse it. One transaction.

    A journey makes at most one request: when ``answers.submission`` already made one (the
    last step sent twice, a replayed cookie, two submissions at once), that request is the
    outcome (``repeated``) and nothing more is written; the unique ``submission`` column
    settles a race, the loser's sealed copies are never recorded (their status-list places
    stay unused)."""
    earlier = submitted(session, answers.submission)
    if earlier is not None:
        return _repeated(session, earlier)
    decision, subject = assess(
        session, requester=requester, answers=answers, today=today, check=check
    )
    fee = fees.fee_for(answers.copies, today, fee_per_copy)
    if decision.needs_signature and decision.allowed:
        digest = request_digest(answers, requester, fee, today)
        if signature is None or not check(signature, digest):
            raise SignatureRequired()
    members = copy_members(session, subject, answers, today) if subject else []
    request = CertificateRequest(
        id=new_request_id(today),
        submission=answers.submission[:64] if answers.submission else None,
        requester_sub=requester_sub,
        requester_pseudonym=requester.pseudonym,
        requester_name=requester.name,
        route=decision.route.value,
        subject=subject.register_key if subject else "",
        members=[m.register_key for m in members],
        items=sorted(answers.items),
        purpose=answers.purpose.value,
        recipient=answers.recipient,
        mandate_id=answers.mandate_id,
        reason=answers.reason,
        evidence=answers.evidence,
        copies=answers.copies,
        post_to=answers.post_to,
        # the fee paid, or for a request a clerk reviews, the fee due when it is approved
        fee_yen=fee if decision.allowed or decision.review else 0,
        delivery=decision.delivery.value,
        status=decision.status.value,
        refusal=decision.reason.value if decision.reason else None,
        signature=signature if decision.needs_signature else None,
        created_at=now,
    )
    certificates: list[IssuedCertificate] = []
    if decision.status in (RequestStatus.ISSUED, RequestStatus.MAILED):
        # Sealed before anything is written: no write lock is held while it renders and seals.
        certificates = issuing.seal_copies(
            session=session,
            issuer=issuer(),
            request=request,
            public_url=public_url,
            verify_url=verify_url,
            now=now,
            today=today,
        )
    try:
        repository.save_request(session=session, request=request)
        issuing.record_copies(session=session, request=request, copies=certificates, now=now)
        _audit(
            session,
            citizen=requester_sub,
            action="certificate_requested",
            now=now,
            register_key=request.subject or None,
            target=request.id,
            route=request.route,
            status=request.status,
            refusal=request.refusal,
            items=request.items,
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        earlier = submitted(session, answers.submission)
        if earlier is None:
            raise
        log.info("certificate request already made", extra={"request_id": earlier.id})
        return _repeated(session, earlier)
    log.info(
        "certificate request %s",
        request.status,
        extra={"request_id": request.id, "route": request.route, "refusal": request.refusal},
    )
    return Outcome(request, certificates)


class SignatureRequired(Exception):
    """The rules need the requester's card signature over this exact request."""


def new_request_id(today: date) -> str:
    return f"R-{today:%Y%m%d}-{_code(8)}"


def _code(length: int) -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


# -- letters of authority -----------------------------------------------------------------------
@dataclass(frozen=True)
class MandateDraft:
    proxy_name: str
    proxy_birthdate: date
    purpose: Purpose
    allow_my_number: bool
    valid_until: date

    def as_json(self) -> dict[str, Any]:
        return {
            "proxy_name": self.proxy_name,
            "proxy_birthdate": self.proxy_birthdate.isoformat(),
            "purpose": self.purpose.value,
            "allow_my_number": self.allow_my_number,
            "valid_until": self.valid_until.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MandateDraft:
        return cls(
            proxy_name=str(data["proxy_name"]),
            proxy_birthdate=date.fromisoformat(data["proxy_birthdate"]),
            purpose=Purpose(data["purpose"]),
            allow_my_number=bool(data["allow_my_number"]),
            valid_until=date.fromisoformat(data["valid_until"]),
        )


def mandate_signed_text(principal: PersonOnRegister, draft: MandateDraft, today: date) -> str:
    return mandate_text(
        principal.register_key,
        principal.full_name,
        draft.proxy_name,
        draft.proxy_birthdate,
        draft.purpose,
        draft.allow_my_number,
        today,
        draft.valid_until,
    )


def period_problem(draft: MandateDraft, today: date) -> str | None:
    return mandate_period_problem(today, draft.valid_until, today)


def create_mandate(
    *,
    session: Session,
    principal: PersonOnRegister,
    draft: MandateDraft,
    signature: dict[str, Any],
    signer_pseudonym: str | None,
    check: SignatureCheck,
    now: datetime,
    today: date,
) -> Mandate:
    """Store the letter the principal has just signed (the signature must be over its text)."""
    text = mandate_signed_text(principal, draft, today)
    if not check(signature, mandate_digest(text)):
        raise SignatureRequired()
    mandate = Mandate(
        id=f"M-{_code(12)}",
        principal=principal.register_key,
        proxy_name=draft.proxy_name,
        proxy_birthdate=draft.proxy_birthdate,
        purpose=draft.purpose.value,
        allow_my_number=draft.allow_my_number,
        valid_from=today,
        valid_until=draft.valid_until,
        signed_text=text,
        signature=signature,
        signer_pseudonym=signer_pseudonym,
        created_at=now,
    )
    repository.save_mandate(session=session, mandate=mandate)
    _audit(
        session,
        citizen=signer_pseudonym or "?",
        action="mandate_created",
        now=now,
        register_key=principal.register_key,
        target=mandate.id,
        purpose=mandate.purpose,
        valid_until=mandate.valid_until.isoformat(),
    )
    session.commit()
    return mandate


# -- what the citizen holds ------------------------------------------------------------------
#: "Your requests and copies" lists a requester's newest requests, at most this many (the page
#: says so when there are more).
MY_REQUESTS_SHOWN = 100


class RequestState(StrEnum):
    """Where a request stands, as its requester follows it."""

    #: Issued: at least one of the requester's copies is still valid.
    ISSUED = "issued"
    #: Issued, but none of its copies is valid any more (revoked by the city).
    REVOKED = "revoked"
    #: A third party's request waiting for a clerk.
    REVIEW = "review"
    #: A copy showing the My Number, asked for by a proxy: posted to the principal.
    POSTED = "posted"
    REFUSED = "refused"
    #: Taken back by the requester while it waited for review.
    WITHDRAWN = "withdrawn"


def request_state(status: str, copy_statuses: Iterable[str]) -> RequestState:
    """The state of a request in ``status`` whose copies (the requester's own) are in
    ``copy_statuses``. A status the rules do not know reads as refused, as on the outcome
    page."""
    if status == RequestStatus.ISSUED:
        held = list(copy_statuses)
        if held and DocumentStatus.ISSUED not in held:
            return RequestState.REVOKED
        return RequestState.ISSUED
    return {
        RequestStatus.PENDING_REVIEW.value: RequestState.REVIEW,
        RequestStatus.MAILED.value: RequestState.POSTED,
        RequestStatus.WITHDRAWN.value: RequestState.WITHDRAWN,
    }.get(status, RequestState.REFUSED)


@dataclass(frozen=True)
class MyRequest:
    request: CertificateRequest
    state: RequestState
    #: The requester's own copies, by document number (none unless issued to them).
    certificates: list[IssuedCertificate]
    #: The people on the copy, once it is issued to the requester (as the copy and the outcome
    #: page show them); empty otherwise, so that a request waiting, refused or posted to a
    #: principal names nobody, and a refusal never tells who the register holds.
    names: list[str]

    @property
    def valid_copies(self) -> int:
        return sum(1 for c in self.certificates if c.status == DocumentStatus.ISSUED)


@dataclass(frozen=True)
class MyRequests:
    requests: list[MyRequest]
    #: There are older requests than those listed.
    more: bool


def my_requests(session: Session, owner_sub: str, limit: int = MY_REQUESTS_SHOWN) -> MyRequests:
    """The requests ``owner_sub`` made, newest first (at most ``limit``), each with its state,
    the requester's own copies and, for an issued one, the names on the copy."""
    found = repository.list_requests_of(session=session, requester_sub=owner_sub, limit=limit + 1)
    shown = list(found[:limit])
    copies: dict[str, list[IssuedCertificate]] = {r.id: [] for r in shown}
    for certificate in repository.list_certificates_of_requests(
        session=session, request_ids=[r.id for r in shown], owner_sub=owner_sub
    ):
        copies[certificate.request_id].append(certificate)
    issued = [r for r in shown if r.status == RequestStatus.ISSUED]
    keys = sorted({key for r in issued for key in r.members})
    names = {
        resident.register_key: repository.person_of(resident).full_name
        for resident in (
            repository.list_residents_by_keys(session=session, keys=keys) if keys else ()
        )
    }
    return MyRequests(
        requests=[
            MyRequest(
                request=r,
                state=request_state(r.status, (c.status for c in copies[r.id])),
                certificates=copies[r.id],
                names=[names[key] for key in r.members if key in names]
                if r.status == RequestStatus.ISSUED
                else [],
            )
            for r in shown
        ],
        more=len(found) > limit,
    )


def my_request(session: Session, owner_sub: str, request_id: str) -> Outcome | None:
    """The requester's own request and its certificates (``None`` for anyone else's)."""
    request = repository.find_request(session=session, request_id=request_id)
    if request is None or request.requester_sub != owner_sub:
        return None
    return Outcome(
        request,
        list(repository.list_certificates_of_request(session=session, request_id=request_id)),
    )


class AlreadyDecided(Exception):
    """The request is no longer waiting for review: a clerk decided it (or is approving it
    now), or it was withdrawn before."""


def withdraw_request(
    session: Session, owner_sub: str, request_id: str, now: datetime
) -> CertificateRequest | None:
    """The requester takes back their request while it waits for a clerk's review: no clerk
    will see it in the queue again and nothing is charged. ``None`` for a request that is not
    theirs (or none at all); :class:`AlreadyDecided` when it no longer waits. One conditional
    update, so a clerk approving at the same moment and the requester cannot both win."""
    found = my_request(session, owner_sub, request_id)
    if found is None:
        return None
    withdrawn = repository.withdraw_request(
        session=session,
        request_id=request_id,
        requester_sub=owner_sub,
        pending=RequestStatus.PENDING_REVIEW.value,
        withdrawn=RequestStatus.WITHDRAWN.value,
        at=now,
        claimed_before=now - CLAIM_TIMEOUT,
    )
    if not withdrawn:
        session.rollback()
        raise AlreadyDecided(request_id)
    _audit(
        session,
        citizen=owner_sub,
        action="certificate_request_withdrawn",
        now=now,
        register_key=found.request.subject or None,
        target=request_id,
        route=found.request.route,
    )
    session.commit()
    session.refresh(found.request)
    log.info("certificate request withdrawn", extra={"request_id": request_id})
    return found.request


def my_certificate_pdf(session: Session, owner_sub: str, document_id: str) -> bytes | None:
    certificate = repository.find_certificate(session=session, document_id=document_id)
    if certificate is None or certificate.owner_sub != owner_sub:
        return None
    return certificate.pdf
