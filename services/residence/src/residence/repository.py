"""Reading and saving the register's records. Keyword-only session; functions never commit
(the use cases in ``residence.services`` do)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, func, select, update

from residence.domain.basic_four import ResidentRecord
from residence.domain.eligibility import PersonOnRegister, SupportMeasureView
from residence.models import (
    AuditEvent,
    CertificateRequest,
    Clerk,
    DataUsageEvent,
    IssuedCertificate,
    Mandate,
    RegisterEvent,
    Resident,
    StatusIndex,
    SupportMeasure,
)


def find_resident(*, session: Session, register_key: str) -> Resident | None:
    return session.get(Resident, register_key)


def find_resident_by_pseudonym(*, session: Session, pseudonym: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.exchange_pseudonym == pseudonym)).first()


def lock_resident_by_pseudonym(*, session: Session, pseudonym: str) -> Resident | None:
    """The resident, locked until the transaction ends, so that appends to their data-usage
    log queue behind one another: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite, which has
    no row locks, a no-op ``UPDATE`` of the row first, which takes the database's one write
    lock before the log's last event is read. (The log's unique ``(subject, seq)`` stays the
    guarantee; the use case retries the rare append that still loses a race.)
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Resident)
            .where(col(Resident.exchange_pseudonym) == pseudonym)
            .values(exchange_pseudonym=col(Resident.exchange_pseudonym))
            .execution_options(synchronize_session=False)
        )
    statement = (
        select(Resident)
        .where(Resident.exchange_pseudonym == pseudonym)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def list_residents(*, session: Session) -> Sequence[Resident]:
    return session.exec(select(Resident).order_by(col(Resident.register_key))).all()


def save_resident(*, session: Session, resident: Resident) -> None:
    session.add(resident)
    session.flush()


def last_usage_event(*, session: Session, subject: str) -> DataUsageEvent | None:
    statement = (
        select(DataUsageEvent)
        .where(DataUsageEvent.subject == subject)
        .order_by(col(DataUsageEvent.seq).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def list_usage_events(*, session: Session, subject: str) -> Sequence[DataUsageEvent]:
    """A resident's data-usage log, oldest first."""
    statement = (
        select(DataUsageEvent)
        .where(DataUsageEvent.subject == subject)
        .order_by(col(DataUsageEvent.seq))
    )
    return session.exec(statement).all()


def save_usage_event(*, session: Session, event: DataUsageEvent) -> None:
    session.add(event)
    session.flush()


def record_of(resident: Resident) -> ResidentRecord:
    """The domain's view of a register row."""
    return ResidentRecord(
        register_key=resident.register_key,
        family_name=resident.family_name,
        given_name=resident.given_name,
        family_name_kana=resident.family_name_kana,
        given_name_kana=resident.given_name_kana,
        name_roman=resident.name_roman,
        birthdate=resident.birthdate,
        sex=resident.sex,
        postal_code=resident.postal_code,
        address=resident.address,
    )


# -- support measures (seed, eligibility) ----------------------------------------------------------
def list_support_measures(*, session: Session, subject: str) -> Sequence[SupportMeasure]:
    statement = select(SupportMeasure).where(SupportMeasure.subject == subject)
    return session.exec(statement.order_by(col(SupportMeasure.id))).all()


def save_support_measure(*, session: Session, measure: SupportMeasure) -> None:
    session.add(measure)
    session.flush()


def support_measure_view(measure: SupportMeasure) -> SupportMeasureView:
    return SupportMeasureView(
        subject=measure.subject,
        adverse_name=measure.adverse_name,
        adverse_birthdate=measure.adverse_birthdate,
        adverse_pseudonym=measure.adverse_pseudonym,
        starts_on=measure.starts_on,
        ends_on=measure.ends_on,
        lifted_on=measure.lifted_on,
    )


# -- the certificate journey -----------------------------------------------------------------------
_PERSON_FIELDS = tuple(f.name for f in dataclass_fields(PersonOnRegister))


def person_of(resident: Resident) -> PersonOnRegister:
    """The eligibility rules' view of a register row."""
    return PersonOnRegister(**{name: getattr(resident, name) for name in _PERSON_FIELDS})


def list_household(*, session: Session, household: str) -> Sequence[Resident]:
    statement = select(Resident).where(Resident.household == household)
    return session.exec(statement.order_by(col(Resident.register_key))).all()


def find_head(*, session: Session, household: str) -> Resident | None:
    statement = select(Resident).where(
        Resident.household == household,
        Resident.relationship == "世帯主",
        col(Resident.removed_on).is_(None),
    )
    return session.exec(statement).first()


def list_residents_by_keys(*, session: Session, keys: Sequence[str]) -> Sequence[Resident]:
    return session.exec(select(Resident).where(col(Resident.register_key).in_(keys))).all()


def find_residents_by_family_name(*, session: Session, family_name: str) -> Sequence[Resident]:
    return session.exec(select(Resident).where(Resident.family_name == family_name)).all()


def find_mandate(*, session: Session, mandate_id: str) -> Mandate | None:
    return session.get(Mandate, mandate_id)


def save_mandate(*, session: Session, mandate: Mandate) -> None:
    session.add(mandate)
    session.flush()


def find_request(*, session: Session, request_id: str) -> CertificateRequest | None:
    return session.get(CertificateRequest, request_id)


def find_request_by_submission(*, session: Session, submission: str) -> CertificateRequest | None:
    statement = select(CertificateRequest).where(CertificateRequest.submission == submission)
    return session.exec(statement).first()


def save_request(*, session: Session, request: CertificateRequest) -> None:
    session.add(request)
    session.flush()


def _undecided(request_id: str, pending: str, claimed_before: datetime) -> tuple[Any, ...]:
    """A request still waiting: in ``pending`` and claimed by nobody (or by a clerk whose
    approval stopped before ``claimed_before`` and never finished)."""
    return (
        col(CertificateRequest.id) == request_id,
        col(CertificateRequest.status) == pending,
        or_(
            col(CertificateRequest.decided_by).is_(None),
            col(CertificateRequest.decided_at) < claimed_before,
        ),
    )


def claim_request(
    *,
    session: Session,
    request_id: str,
    pending: str,
    clerk: str,
    at: datetime,
    claimed_before: datetime,
) -> bool:
    """Mark a waiting request as being decided by ``clerk``, in one conditional ``UPDATE``
    (two clerks, or two clicks, cannot both win): ``False`` when it was no longer waiting."""
    statement = (
        update(CertificateRequest)
        .where(*_undecided(request_id, pending, claimed_before))
        .values(decided_by=clerk, decided_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(statement).rowcount == 1)  # type: ignore[attr-defined]


def release_request(*, session: Session, request_id: str, pending: str, clerk: str) -> None:
    """Give back a claim that came to nothing (the copy could not be sealed)."""
    statement = (
        update(CertificateRequest)
        .where(col(CertificateRequest.id) == request_id)
        .where(col(CertificateRequest.status) == pending)
        .where(col(CertificateRequest.decided_by) == clerk)
        .values(decided_by=None, decided_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(statement)


def decide_request(
    *,
    session: Session,
    request_id: str,
    pending: str,
    status: str,
    refusal: str | None,
    clerk: str,
    at: datetime,
    claimed_before: datetime,
) -> bool:
    """Move a waiting request to ``status`` in one conditional ``UPDATE``: ``False`` when it
    was no longer waiting (decided, or being approved, by someone else)."""
    statement = (
        update(CertificateRequest)
        .where(*_undecided(request_id, pending, claimed_before))
        .values(status=status, refusal=refusal, decided_by=clerk, decided_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(statement).rowcount == 1)  # type: ignore[attr-defined]


def withdraw_request(
    *,
    session: Session,
    request_id: str,
    requester_sub: str,
    pending: str,
    withdrawn: str,
    at: datetime,
    claimed_before: datetime,
) -> bool:
    """Move the requester's own waiting request to ``withdrawn`` in one conditional
    ``UPDATE``: ``False`` when it was no longer waiting (a clerk decided it, or is approving
    it)."""
    statement = (
        update(CertificateRequest)
        .where(*_undecided(request_id, pending, claimed_before))
        .where(col(CertificateRequest.requester_sub) == requester_sub)
        .values(status=withdrawn, decided_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(statement).rowcount == 1)  # type: ignore[attr-defined]


def find_certificate(*, session: Session, document_id: str) -> IssuedCertificate | None:
    return session.get(IssuedCertificate, document_id)


def save_certificate(*, session: Session, certificate: IssuedCertificate) -> None:
    session.add(certificate)
    session.flush()


def next_certificate_index(*, session: Session) -> int:
    """The next free place in the status list (a race is caught by the primary key of
    ``status_index``)."""
    highest = session.exec(select(func.max(StatusIndex.index))).one()
    return 0 if highest is None else int(highest) + 1


def save_status_index(*, session: Session, index: int, at: datetime) -> None:
    session.add(StatusIndex(index=index, allocated_at=at))
    session.flush()


def list_requests_of(
    *, session: Session, requester_sub: str, limit: int
) -> Sequence[CertificateRequest]:
    """The requests ``requester_sub`` made, newest first, at most ``limit`` (the index on
    ``requester_sub`` finds them; one person's requests are few enough to sort)."""
    statement = (
        select(CertificateRequest)
        .where(CertificateRequest.requester_sub == requester_sub)
        .order_by(col(CertificateRequest.created_at).desc(), col(CertificateRequest.id).desc())
        .limit(limit)
    )
    return session.exec(statement).all()


def list_certificates_of_requests(
    *, session: Session, request_ids: Sequence[str], owner_sub: str
) -> Sequence[IssuedCertificate]:
    """The copies of any of ``request_ids`` that ``owner_sub`` holds, by document number (a
    copy posted to a principal is the principal's, never the requester's)."""
    if not request_ids:
        return []
    statement = (
        select(IssuedCertificate)
        .where(col(IssuedCertificate.request_id).in_(request_ids))
        .where(IssuedCertificate.owner_sub == owner_sub)
        .order_by(col(IssuedCertificate.document_id))
    )
    return session.exec(statement).all()


def list_certificates_of_request(
    *, session: Session, request_id: str
) -> Sequence[IssuedCertificate]:
    statement = (
        select(IssuedCertificate)
        .where(IssuedCertificate.request_id == request_id)
        .order_by(col(IssuedCertificate.document_id))
    )
    return session.exec(statement).all()


def list_certificate_statuses(*, session: Session) -> Sequence[tuple[int, str]]:
    """Every certificate's (status index, status), for the status list."""
    statement = select(IssuedCertificate.status_index, IssuedCertificate.status)
    return session.exec(statement.order_by(col(IssuedCertificate.status_index))).all()


# -- the exchange services (household, address check, register events, documents) ----------------
def list_certificates_of_owner_pseudonym(
    *, session: Session, owner_pseudonym: str
) -> Sequence[IssuedCertificate]:
    """The certificates issued to the citizen with this exchange pseudonym, newest first."""
    statement = (
        select(IssuedCertificate)
        .where(IssuedCertificate.owner_pseudonym == owner_pseudonym)
        .order_by(
            col(IssuedCertificate.issued_at).desc(), col(IssuedCertificate.status_index).desc()
        )
    )
    return session.exec(statement).all()


def list_register_events_after(
    *, session: Session, after: int, limit: int
) -> Sequence[tuple[RegisterEvent, str | None]]:
    """Up to ``limit`` register events with an id above ``after``, oldest first, each with the
    exchange pseudonym of the person it is about (``None`` while they have none)."""
    statement = (
        select(RegisterEvent, Resident.exchange_pseudonym)
        .join(Resident, col(Resident.register_key) == col(RegisterEvent.register_key), isouter=True)
        .where(col(RegisterEvent.id) > after)
        .order_by(col(RegisterEvent.id))
        .limit(limit)
    )
    return session.exec(statement).all()


def list_at_address(*, session: Session, address: str) -> Sequence[Resident]:
    statement = select(Resident).where(Resident.address == address)
    statement = statement.order_by(col(Resident.household), col(Resident.register_key))
    return session.exec(statement).all()


# -- the back office (clerks) ---------------------------------------------------------------------
def find_clerk(*, session: Session, username: str) -> Clerk | None:
    return session.get(Clerk, username) if 0 < len(username) <= 64 else None


def save_clerk(*, session: Session, clerk: Clerk) -> None:
    session.add(clerk)
    session.flush()


def save_audit_event(*, session: Session, event: AuditEvent) -> None:
    session.add(event)
    session.flush()


def save_register_event(*, session: Session, event: RegisterEvent) -> None:
    session.add(event)
    session.flush()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_residents(*, session: Session, query: str, limit: int) -> Sequence[Resident]:
    """Residents (removed ones too) whose name in kanji, kana or Latin letters contains
    ``query`` (each part, or the whole name with or without its space), or whose register key
    or household is ``query``; ordered by kana."""
    pattern, compact = _like(query), _like(query.replace(" ", ""))
    parts = (Resident.family_name, Resident.given_name, Resident.family_name_kana,
             Resident.given_name_kana, Resident.name_roman)  # fmt: skip
    condition = col(Resident.register_key) == query.upper()
    condition = condition | (col(Resident.household) == query.upper())
    for part in parts:
        condition = condition | col(part).ilike(pattern, escape="\\")
    for whole in (
        col(Resident.family_name) + col(Resident.given_name),
        col(Resident.family_name_kana) + col(Resident.given_name_kana),
    ):
        condition = condition | whole.ilike(compact, escape="\\")
    statement = (
        select(Resident)
        .where(condition)
        .order_by(
            col(Resident.family_name_kana),
            col(Resident.given_name_kana),
            col(Resident.register_key),
        )
        .limit(limit)
    )
    return session.exec(statement).all()


def find_resident_by_my_number(*, session: Session, my_number: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.my_number == my_number)).first()


def find_resident_by_juminhyo_code(*, session: Session, code: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.juminhyo_code == code)).first()


def list_my_numbers_starting(*, session: Session, prefix: str) -> Sequence[str]:
    statement = select(Resident.my_number).where(col(Resident.my_number).startswith(prefix))
    return [n for n in session.exec(statement).all() if n is not None]


def list_households(*, session: Session) -> Sequence[str]:
    return session.exec(select(Resident.household).distinct()).all()


def list_register_keys_of_household(*, session: Session, household: str) -> Sequence[str]:
    return session.exec(select(Resident.register_key).where(Resident.household == household)).all()


def list_register_events_of(*, session: Session, register_key: str) -> Sequence[RegisterEvent]:
    statement = (
        select(RegisterEvent)
        .where(RegisterEvent.register_key == register_key)
        .order_by(col(RegisterEvent.id))
    )
    return session.exec(statement).all()


def list_certificates_about(
    *, session: Session, subjects: Sequence[str]
) -> Sequence[IssuedCertificate]:
    """The copies issued about any of ``subjects``, newest first."""
    statement = (
        select(IssuedCertificate)
        .where(col(IssuedCertificate.subject).in_(subjects))
        .order_by(
            col(IssuedCertificate.issued_at).desc(), col(IssuedCertificate.status_index).desc()
        )
    )
    return session.exec(statement).all()


def list_requests_with_status(*, session: Session, status: str) -> Sequence[CertificateRequest]:
    """Requests in ``status``, oldest first (the review queue)."""
    statement = (
        select(CertificateRequest)
        .where(CertificateRequest.status == status)
        .order_by(col(CertificateRequest.created_at), col(CertificateRequest.id))
    )
    return session.exec(statement).all()


def find_support_measure(*, session: Session, measure_id: int) -> SupportMeasure | None:
    if not 0 < measure_id < 2**31:  # an id from a URL, outside the column's integers
        return None
    return session.get(SupportMeasure, measure_id)
