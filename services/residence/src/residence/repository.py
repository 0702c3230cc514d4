"""Reading and saving the register's records. Keyword-only session; functions never commit
(the use cases in ``residence.services`` do)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select, update

from residence.domain.basic_four import ResidentRecord
from residence.models import DataUsageEvent, Resident


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
