"""Reading and saving the portal's records. Functions never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, func, select

from portal.models import IssuedDocument


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
    highest = session.exec(select(func.max(IssuedDocument.status_index))).one()
    return 0 if highest is None else int(highest) + 1


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
