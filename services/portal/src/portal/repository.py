"""Reading and saving the portal's records. Functions never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, func, select

from portal.models import ConsentEvent, ConsentRecord, IssuedDocument, StatusIndex


class RecordNotFound(LookupError):
    pass


def find_document(*, session: Session, document_id: str) -> IssuedDocument | None:
    return session.get(IssuedDocument, document_id)


def get_document(*, session: Session, document_id: str) -> IssuedDocument:
    record = find_document(session=session, document_id=document_id)
    if record is None:
        raise RecordNotFound(document_id)
    return record


def next_status_index(*, session: Session) -> int:
    """The next free place in the status list (a race for it is lost on the primary key of
    ``status_index``)."""
    highest = session.exec(select(func.max(StatusIndex.index))).one()
    return 0 if highest is None else int(highest) + 1


def save_status_index(*, session: Session, index: int, at: datetime) -> None:
    session.add(StatusIndex(index=index, allocated_at=at))
    session.flush()


def list_statuses(*, session: Session) -> Sequence[tuple[int, str]]:
    """(status index, status) of every document the portal issued, by index."""
    rows = session.exec(
        select(IssuedDocument.status_index, IssuedDocument.status).order_by(
            IssuedDocument.status_index
        )
    ).all()
    return [(int(index), str(status)) for index, status in rows]


def save_document(*, session: Session, record: IssuedDocument) -> None:
    session.add(record)
    session.flush()


# -- consents ------------------------------------------------------------------------------------


def find_consent(*, session: Session, consent_id: str) -> ConsentRecord | None:
    return session.get(ConsentRecord, consent_id)


def get_consent(*, session: Session, consent_id: str) -> ConsentRecord:
    record = find_consent(session=session, consent_id=consent_id)
    if record is None:
        raise RecordNotFound(consent_id)
    return record


def find_latest_consent(*, session: Session, subject: str, offer: str) -> ConsentRecord | None:
    """The citizen's current decision about ``offer`` (their latest record), or ``None``."""
    return session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.subject == subject, ConsentRecord.offer == offer)
        .order_by(ConsentRecord.sequence.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()


def list_consents(*, session: Session, subject: str) -> Sequence[ConsentRecord]:
    """Every consent record of the citizen, newest first."""
    return session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.subject == subject)
        .order_by(ConsentRecord.offer, ConsentRecord.sequence.desc())  # type: ignore[attr-defined]
    ).all()


def list_consent_events(*, session: Session, consent_id: str) -> Sequence[ConsentEvent]:
    return session.exec(
        select(ConsentEvent).where(ConsentEvent.consent_id == consent_id).order_by(ConsentEvent.id)  # type: ignore[arg-type]
    ).all()


def save_consent(*, session: Session, record: ConsentRecord) -> None:
    session.add(record)
    session.flush()


def mark_withdrawn(*, session: Session, consent_id: str, at: datetime) -> bool:
    """Withdraw a consent if it is still given (one conditional UPDATE); whether it was."""
    result = session.exec(
        update(ConsentRecord)
        .where(ConsentRecord.id == consent_id, ConsentRecord.status == "given")  # type: ignore[arg-type]
        .values(status="withdrawn", withdrawn_at=at)
    )
    session.flush()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def save_consent_event(*, session: Session, event: ConsentEvent) -> None:
    session.add(event)
    session.flush()
