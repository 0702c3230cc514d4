"""The register's use cases: one function per intent, each owning its transaction.

* :func:`look_up_basic_four` — another agency asks for a resident's basic four through the
  exchange; the register checks the legal basis (asking the portal about a consent), answers
  or refuses, and records the call in the resident's data-usage log in the same transaction
  as the read;
* :func:`list_data_usage` — the resident's data-usage log, for the portal to show them;
* :func:`look_up_household` — a statutory user asks for the current members of a resident's
  household (each member's call recorded in their own log);
* :func:`check_address` — a verifier of a residence certificate asks whether the person on it
  still lives at the address it shows (a government agency on a statute, the portal for banks
  and landlords on the person's consent);
* :func:`list_register_events` — a statutory user follows the register's moves, births and
  deaths (one log entry per person in the page served);
* :func:`list_own_certificates` / :func:`own_certificate_pdf` — the portal shows a citizen the
  certificates issued to them, and hands them the PDF.

Every call about a known resident, served or refused, is appended to their data-usage log in
the transaction that reads the answer (:func:`_record_call`, :func:`_logged`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from govkit.exchange import IncomingCall
from residence import repository
from residence.domain import agency_services as rules
from residence.domain import basic_four as basic_four_rules
from residence.domain import chain
from residence.domain.agency_services import BasisRefused, UnknownDocument
from residence.domain.consent import ConsentDecision, ConsentRequest, Refusal, decide, refused
from residence.domain.eligibility import household_members
from residence.domain.errors import (
    ConsentNotFound,
    ConsentUnverifiable,
    DataRefused,
    MissingLegalBasis,
    UnknownResident,
)
from residence.models import DataUsageEvent, Resident
from residence.providers import CONSENT_KEEPER, ConsentChecker

log = logging.getLogger(__name__)

#: How often an append that lost a race for the next ``seq`` is tried again.
APPEND_ATTEMPTS = 5
SERVED = "served"
REFUSED = "refused"

_STATUTE = ConsentDecision(None, "A statutory basis needs no consent.")
T = TypeVar("T")


class _Raced(Exception):
    """What was read before the residents were locked changed before they were."""


def look_up_basic_four(
    *,
    session: Session,
    exchange_id: str,
    call: IncomingCall,
    consents: ConsentChecker,
    today: date,
    now: datetime,
) -> dict[str, str]:
    """The resident's basic four for the caller, or :class:`DataRefused` /
    :class:`UnknownResident` / :class:`MissingLegalBasis`.

    A ``consent:<id>`` basis is checked with the portal before anything is released; a
    ``law:<article>`` basis is taken as given (the security server has already checked that
    the caller may use this service at all). Every call about a known resident, served or
    refused, is recorded in their data-usage log; calls about nobody are not.
    """
    if call.legal_basis is None:
        raise MissingLegalBasis()
    if repository.find_resident_by_pseudonym(session=session, pseudonym=exchange_id) is None:
        raise UnknownResident(exchange_id)
    items = basic_four_rules.released_items()
    decision = _check_basis(call, exchange_id, items, consents, basic_four_rules.SERVICE)
    answer = _record_call(
        session,
        subject=exchange_id,
        call=call,
        service=basic_four_rules.SERVICE,
        items=items,
        refusal=decision.refusal,
        now=now,
        read=lambda resident: basic_four_rules.basic_four(
            repository.record_of(resident), resident=exchange_id, as_of=today
        ),
    )
    log.info(
        "basic-four call %s",
        SERVED if decision.released else REFUSED,
        extra={
            "client": str(call.client),
            "refusal": decision.refusal,
            "x_road_id": call.x_road_id,
        },
    )
    if answer is None:
        raise DataRefused(decision)
    return answer


def _check_basis(
    call: IncomingCall,
    subject: str,
    items: tuple[str, ...],
    consents: ConsentChecker,
    service: str,
) -> ConsentDecision:
    consent_id = call.consent_id
    if consent_id is None:
        return _STATUTE
    try:
        consent = consents.fetch(consent_id, subject=subject, issue=call.issue)
    except ConsentNotFound:
        return refused(
            Refusal.CONSENT_NOT_FOUND, f"The portal knows no consent with id {consent_id}."
        )
    except ConsentUnverifiable as exc:
        return refused(Refusal.CONSENT_UNVERIFIABLE, exc.reason)
    request = ConsentRequest(
        consent_id=consent_id,
        subject=subject,
        consumer=str(call.client),
        service=service,
        items=items,
    )
    return decide(consent, request)


def _append_event(
    session: Session,
    *,
    subject: str,
    call: IncomingCall,
    service: str,
    items: tuple[str, ...],
    outcome: str,
    refusal: str | None,
    now: datetime,
    purpose: str | None = None,
) -> DataUsageEvent:
    """Add the call to the end of ``subject``'s chain (the caller holds their row lock);
    ``purpose`` replaces the call's own (a relayed check names whom it was made for)."""
    last = repository.last_usage_event(session=session, subject=subject)
    at = now.astimezone(UTC).replace(microsecond=0)
    event = chain.UsageEvent(
        seq=1 if last is None else last.seq + 1,
        at=at,
        client=str(call.client),
        service=service,
        items=items,
        purpose=purpose if purpose is not None else call.purpose,
        legal_basis=call.legal_basis,
        outcome=outcome,
        refusal=None if refusal is None else str(refusal),
        x_road_id=call.x_road_id,
        issue=call.issue,
    )
    prev_hash = chain.GENESIS if last is None else last.hash
    row = DataUsageEvent(
        subject=subject,
        seq=event.seq,
        at=at,
        client=event.client,
        service=event.service,
        items=list(event.items),
        purpose=event.purpose,
        legal_basis=event.legal_basis,
        outcome=event.outcome,
        refusal=event.refusal,
        x_road_id=event.x_road_id,
        issue=event.issue,
        user_id=call.user_id,
        prev_hash=prev_hash,
        hash=chain.chain_hash(prev_hash, event.document()),
    )
    repository.save_usage_event(session=session, event=row)
    return row


def _logged(session: Session, work: Callable[[], T]) -> T:
    """Run ``work`` (lock the residents, read the answer, append to their logs) and commit;
    from the start again when an append lost the race for the next ``seq``."""
    for attempt in range(1, APPEND_ATTEMPTS + 1):
        try:
            result = work()
            session.commit()
            return result
        except (IntegrityError, _Raced):
            # Another request took the next seq between our read and our insert.
            session.rollback()
            log.info("data-usage append raced; retrying (attempt %s)", attempt)
    raise RuntimeError(f"could not append to the data-usage log in {APPEND_ATTEMPTS} tries")


def _record_call(
    session: Session,
    *,
    subject: str,
    call: IncomingCall,
    service: str,
    items: tuple[str, ...],
    refusal: str | None,
    now: datetime,
    purpose: str | None = None,
    read: Callable[[Resident], T] | None = None,
) -> T | None:
    """Record a call about one resident, served (``refusal`` ``None``: ``read`` makes the
    answer from their locked row) or refused (nothing is read; ``None`` comes back).
    :class:`UnknownResident` if they left the register in the meantime."""

    def work() -> T | None:
        resident = repository.lock_resident_by_pseudonym(session=session, pseudonym=subject)
        if resident is None:
            session.rollback()
            raise UnknownResident(subject)
        answer = read(resident) if read is not None and refusal is None else None
        _append_event(
            session,
            subject=subject,
            call=call,
            service=service,
            items=items,
            outcome=SERVED if refusal is None else REFUSED,
            refusal=None if refusal is None else str(refusal),
            purpose=purpose,
            now=now,
        )
        return answer

    return _logged(session, work)


def _lock_all(session: Session, pseudonyms: Iterable[str]) -> list[Resident]:
    """Lock several residents, always in the same order (by pseudonym), so that two calls
    about overlapping people queue instead of waiting on each other crosswise."""
    locked = []
    for pseudonym in sorted(set(pseudonyms)):
        resident = repository.lock_resident_by_pseudonym(session=session, pseudonym=pseudonym)
        if resident is not None:
            locked.append(resident)
    return locked


def _instant(moment: datetime | None) -> str | None:
    """An instant read back from the database, as ISO 8601 in UTC (``…Z``)."""
    if moment is None:
        return None
    value = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class DataUsage:
    """A resident's data-usage log as served: events oldest first, and the chain's head."""

    resident: str
    events: list[dict[str, Any]]
    head: str

    def as_dict(self) -> dict[str, Any]:
        return {"resident": self.resident, "events": self.events, "head": self.head}


def list_data_usage(*, session: Session, exchange_id: str) -> DataUsage:
    """Every recorded call about the resident filed under ``exchange_id``, with the links
    of their hash chain. Someone not in the register has an empty log: the answer does not
    tell whether they are."""
    events = [
        {**_event_of(row).document(), "prev_hash": row.prev_hash, "hash": row.hash}
        for row in repository.list_usage_events(session=session, subject=exchange_id)
    ]
    session.rollback()  # read only: end the transaction
    return DataUsage(exchange_id, events, chain.head(events))


def _event_of(row: DataUsageEvent) -> chain.UsageEvent:
    return chain.UsageEvent(
        seq=row.seq,
        at=row.at,
        client=row.client,
        service=row.service,
        items=tuple(row.items),
        purpose=row.purpose,
        legal_basis=row.legal_basis,
        outcome=row.outcome,
        refusal=row.refusal,
        x_road_id=row.x_road_id,
        issue=row.issue,
    )


# -- household -------------------------------------------------------------------------------------


def look_up_household(
    *, session: Session, exchange_id: str, call: IncomingCall, today: date, now: datetime
) -> dict[str, Any]:
    """The current members of the household of the resident filed under ``exchange_id``, head
    first, each with their basic four and 続柄 and known by their own exchange pseudonym.

    Statutory users only: a consent basis is refused (:class:`BasisRefused`, recorded). A
    served answer is recorded in the log of every member it names, since it tells about each.
    """
    if call.legal_basis is None:
        raise MissingLegalBasis()
    if repository.find_resident_by_pseudonym(session=session, pseudonym=exchange_id) is None:
        raise UnknownResident(exchange_id)
    try:
        rules.require_statute(call.legal_basis)
    except BasisRefused as refused:
        _record_call(
            session,
            subject=exchange_id,
            call=call,
            service=rules.HOUSEHOLD,
            items=rules.HOUSEHOLD_ITEMS,
            refusal=refused.refusal,
            now=now,
        )
        raise

    def work() -> list[Resident]:
        before = _household(session, exchange_id, today)
        named = {exchange_id} | {m.exchange_pseudonym for m in before if m.exchange_pseudonym}
        _lock_all(session, named)
        members = _household(session, exchange_id, today)
        if {exchange_id} | {m.exchange_pseudonym for m in members if m.exchange_pseudonym} != named:
            raise _Raced()  # someone moved in or out between the read and the locks
        for pseudonym in sorted(named):
            _append_event(
                session,
                subject=pseudonym,
                call=call,
                service=rules.HOUSEHOLD,
                items=rules.HOUSEHOLD_ITEMS,
                outcome=SERVED,
                refusal=None,
                now=now,
            )
        return members

    members = _logged(session, work)
    log.info(
        "household call served",
        extra={"client": str(call.client), "members": len(members), "x_road_id": call.x_road_id},
    )
    return {
        "resident": exchange_id,
        "as_of": today.isoformat(),
        "members": [_member(member) for member in members],
    }


def _household(session: Session, exchange_id: str, today: date) -> list[Resident]:
    """The current members of ``exchange_id``'s household in the register's order (refreshed
    rows: read again after the locks)."""
    subject = repository.find_resident_by_pseudonym(session=session, pseudonym=exchange_id)
    if subject is None:
        session.rollback()
        raise UnknownResident(exchange_id)
    rows = {
        row.register_key: row
        for row in repository.list_household(session=session, household=subject.household)
    }
    ordered = household_members(
        repository.person_of(subject),
        [repository.person_of(row) for row in rows.values()],
        today=today,
    )
    return [rows[person.register_key] for person in ordered]


def _member(resident: Resident) -> dict[str, Any]:
    return {
        "resident": resident.exchange_pseudonym,
        "relationship": resident.relationship,
        "name": f"{resident.family_name} {resident.given_name}",
        "name_kana": f"{resident.family_name_kana} {resident.given_name_kana}",
        "birthdate": resident.birthdate.isoformat(),
        "gender": resident.sex,
        "address": resident.address,
    }


# -- address check ---------------------------------------------------------------------------------


def check_address(
    *,
    session: Session,
    document_id: str,
    call: IncomingCall,
    on_behalf_of: str | None,
    consents: ConsentChecker,
    today: date,
    now: datetime,
) -> dict[str, Any]:
    """Whether the person a residence certificate is about still lives at the address it
    showed when issued, for a verifier of the certificate.

    :class:`UnknownDocument` for a certificate the register did not issue (nothing recorded);
    otherwise the call is recorded in the person's log, served or refused: a ``law:`` basis
    from a government agency, or from the portal relaying the check of the agency named in
    ``on_behalf_of`` (recorded in the purpose); anything else on the person's consent, checked
    with the portal (:class:`DataRefused`, :class:`BasisRefused`).
    """
    if call.legal_basis is None:
        raise MissingLegalBasis()
    certificate = repository.find_certificate(session=session, document_id=document_id)
    person = (
        repository.find_resident(session=session, register_key=certificate.subject)
        if certificate is not None
        else None
    )
    if certificate is None or person is None or person.exchange_pseudonym is None:
        raise UnknownDocument(document_id)
    subject = person.exchange_pseudonym
    address_at_issue = certificate.address_at_issue
    try:
        basis = rules.address_check_basis(
            client=str(call.client),
            legal_basis=call.legal_basis,
            consent_keeper=CONSENT_KEEPER,
            on_behalf_of=on_behalf_of,
        )
    except BasisRefused as refused:
        _record_call(
            session,
            subject=subject,
            call=call,
            service=rules.ADDRESS_CHECK,
            items=rules.ADDRESS_CHECK_ITEMS,
            refusal=refused.refusal,
            now=now,
        )
        raise
    decision = (
        _check_basis(call, subject, rules.ADDRESS_CHECK_ITEMS, consents, rules.ADDRESS_CHECK)
        if basis.kind == "consent"
        else _STATUTE
    )
    check = _record_call(
        session,
        subject=subject,
        call=call,
        service=rules.ADDRESS_CHECK,
        items=rules.ADDRESS_CHECK_ITEMS,
        refusal=decision.refusal,
        purpose=rules.recorded_purpose(call.purpose, basis.agent),
        now=now,
        read=lambda resident: rules.address_check(
            address_at_issue,
            rules.AddressNow(resident.address, resident.address_since, resident.removed_on),
        ),
    )
    log.info(
        "address check %s",
        SERVED if check is not None else REFUSED,
        extra={
            "client": str(call.client),
            "on_behalf_of": basis.agent,
            "document_id": document_id,
            "refusal": decision.refusal,
            "x_road_id": call.x_road_id,
        },
    )
    if check is None:
        raise DataRefused(decision)
    return {
        "document_id": certificate.document_id,
        "issued_at": _instant(certificate.issued_at),
        "status": certificate.status,
        "subject_still_at_address": check.still_at_address,
        "moved_on": check.moved_on.isoformat() if check.moved_on else None,
        "as_of": today.isoformat(),
    }


# -- register events -------------------------------------------------------------------------------


def list_register_events(
    *, session: Session, call: IncomingCall, after: int, limit: int, now: datetime
) -> dict[str, Any]:
    """Up to ``limit`` register events after the event ``after``, oldest first, each naming
    the person by their exchange pseudonym. Statutory users only (:class:`BasisRefused`, not
    recorded: a refused page is about nobody). A served page is recorded once in the log of
    each person it names."""
    if call.legal_basis is None:
        raise MissingLegalBasis()
    rules.require_statute(call.legal_basis)
    rows = repository.list_register_events_after(session=session, after=after, limit=limit)
    named = {pseudonym for _event, pseudonym in rows if pseudonym}
    events = [
        {
            "id": event.id,
            "resident": pseudonym,
            "kind": event.kind,
            "effective_on": event.effective_on.isoformat(),
            "recorded_at": _instant(event.recorded_at),
        }
        for event, pseudonym in rows
    ]

    def work() -> None:
        for resident in _lock_all(session, named):
            assert resident.exchange_pseudonym is not None
            _append_event(
                session,
                subject=resident.exchange_pseudonym,
                call=call,
                service=rules.ADDRESS_CHANGES,
                items=rules.ADDRESS_CHANGE_ITEMS,
                outcome=SERVED,
                refusal=None,
                now=now,
            )

    _logged(session, work)
    log.info(
        "register events served",
        extra={"client": str(call.client), "after": after, "events": len(events)},
    )
    return {
        "after": after,
        "events": events,
        "next_after": events[-1]["id"] if events else after,
    }


# -- the citizen's own certificates ----------------------------------------------------------------


def list_own_certificates(
    *,
    session: Session,
    exchange_id: str,
    call: IncomingCall,
    consents: ConsentChecker,
    now: datetime,
) -> dict[str, Any]:
    """The residence certificates issued to the citizen filed under ``exchange_id``, newest
    first, for the portal acting for that citizen (see :func:`_own_documents_basis`)."""
    _own_documents_basis(session, exchange_id, call, consents, rules.CERTIFICATE_LIST_ITEMS, now)
    certificates = repository.list_certificates_of_owner_pseudonym(
        session=session, owner_pseudonym=exchange_id
    )
    names = {
        row.register_key: f"{row.family_name} {row.given_name}"
        for row in repository.list_residents_by_keys(
            session=session, keys=sorted({c.subject for c in certificates})
        )
    }
    answer = {
        "resident": exchange_id,
        "certificates": [
            {
                "document_id": certificate.document_id,
                "issued_at": _instant(certificate.issued_at),
                "status": certificate.status,
                "status_changed_at": _instant(certificate.status_changed_at),
                "subject_name": names.get(certificate.subject, ""),
                "members": len(certificate.members),
            }
            for certificate in certificates
        ],
    }
    _record_call(
        session,
        subject=exchange_id,
        call=call,
        service=rules.DOCUMENTS,
        items=rules.CERTIFICATE_LIST_ITEMS,
        refusal=None,
        now=now,
    )
    return answer


def own_certificate_pdf(
    *,
    session: Session,
    exchange_id: str,
    document_id: str,
    call: IncomingCall,
    consents: ConsentChecker,
    now: datetime,
) -> bytes:
    """The signed PDF of a certificate issued to the citizen under ``exchange_id``;
    :class:`UnknownDocument` alike for one that does not exist and one issued to someone else
    (nothing about it is told, nothing recorded)."""
    _own_documents_basis(session, exchange_id, call, consents, rules.CERTIFICATE_PDF_ITEMS, now)
    certificate = repository.find_certificate(session=session, document_id=document_id)
    if certificate is None or certificate.owner_pseudonym != exchange_id:
        session.rollback()
        raise UnknownDocument(document_id)
    pdf = bytes(certificate.pdf)
    _record_call(
        session,
        subject=exchange_id,
        call=call,
        service=rules.DOCUMENTS,
        items=rules.CERTIFICATE_PDF_ITEMS,
        refusal=None,
        now=now,
    )
    log.info("certificate handed to its owner", extra={"document_id": document_id})
    return pdf


def _own_documents_basis(
    session: Session,
    exchange_id: str,
    call: IncomingCall,
    consents: ConsentChecker,
    items: tuple[str, ...],
    now: datetime,
) -> None:
    """Whether the call may have the citizen's own documents: a legal basis, a resident the
    register knows, asked for that very citizen (``X-Road-UserId``), and a consent basis that
    holds. A refusal is recorded in the citizen's log and raised."""
    if call.legal_basis is None:
        raise MissingLegalBasis()
    if repository.find_resident_by_pseudonym(session=session, pseudonym=exchange_id) is None:
        raise UnknownResident(exchange_id)
    refusal: str | None = None
    error: Exception | None = None
    if call.user_id != exchange_id:
        error = BasisRefused(
            rules.BasisRefusal.NOT_THE_OWNER,
            "A citizen's own documents are released only to that citizen (X-Road-UserId).",
        )
        refusal = rules.BasisRefusal.NOT_THE_OWNER
    else:
        decision = _check_basis(call, exchange_id, items, consents, rules.DOCUMENTS)
        if not decision.released:
            error, refusal = DataRefused(decision), decision.refusal
    if error is None:
        return
    _record_call(
        session,
        subject=exchange_id,
        call=call,
        service=rules.DOCUMENTS,
        items=items,
        refusal=refusal,
        now=now,
    )
    raise error
