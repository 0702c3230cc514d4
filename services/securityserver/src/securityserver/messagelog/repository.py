"""Data access for the message log. Repositories flush, never commit: the use cases do.

Concurrency: every append starts with a no-op ``UPDATE … RETURNING`` of the one
``messagelog_head`` row, which locks it and reads the chain end in one statement. PostgreSQL
holds the row lock until the appending transaction ends, so two appends can never take the
same number or link to the same predecessor; SQLite has one writer at a time, and the
``UPDATE`` takes its write lock (waiting up to the busy timeout) *before* the transaction reads
anything, so a second writer cannot fail on a stale snapshot. Sealing locks the head with
``SELECT … FOR UPDATE`` after the same no-op write. Call the use cases on a session with no
transaction open yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam
from sqlmodel import Session, col, select, update

from securityserver.messagelog.chain import GENESIS, Direction, LogEntry, LoggedRecord, Side
from securityserver.models import (
    MessageLogArchive,
    MessageLogHead,
    MessageLogRecord,
    MessageLogSeal,
    MessageLogSealFailure,
)

HEAD_ID = 1


def utc(moment: datetime) -> datetime:
    """Datetimes read back from SQLite are naive; every one the log stores is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def lock_head(session: Session) -> MessageLogHead:
    """The chain head, locked for this transaction (created on an empty database)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(MessageLogHead)
            .where(col(MessageLogHead.id) == HEAD_ID)
            .values(last_number=MessageLogHead.last_number)
        )
    head = session.exec(
        select(MessageLogHead).where(MessageLogHead.id == HEAD_ID).with_for_update()
    ).first()
    if head is None:
        head = MessageLogHead(id=HEAD_ID, last_hash=GENESIS, last_archive_digest=GENESIS)
        session.add(head)
        session.flush()
    return head


# The append path runs on every message: Core statements on a connection, no ORM session or
# objects (the ORM path above serves sealing and archiving).
_HEAD = MessageLogHead.__table__  # type: ignore[attr-defined]
_RECORD = MessageLogRecord.__table__  # type: ignore[attr-defined]


# One statement takes the head row's lock and reads it: an ``UPDATE … RETURNING`` locks the row
# on PostgreSQL and takes SQLite's write lock before anything is read (see the module docstring).
_LOCK_AND_READ_END = (
    _HEAD.update()
    .where(_HEAD.c.id == HEAD_ID)
    .values(last_number=_HEAD.c.last_number)
    .returning(_HEAD.c.last_number, _HEAD.c.last_hash)
)
_CREATE_HEAD = _HEAD.insert().values(
    id=HEAD_ID,
    last_number=0,
    last_hash=GENESIS,
    last_sealed_number=0,
    last_seal_number=0,
    last_archived_number=0,
    last_archive_digest=GENESIS,
    last_archive_name="",
)
_INSERT_RECORD = _RECORD.insert()
_ADVANCE = (
    _HEAD.update()
    .where(_HEAD.c.id == HEAD_ID)
    .values(last_number=bindparam("number"), last_hash=bindparam("hash"))
)


def lock_chain_end(connection: Connection) -> tuple[int, str]:
    """``(last number, last hash)`` of the chain, the head locked for this transaction
    (created on an empty database)."""
    row = connection.execute(_LOCK_AND_READ_END).first()
    if row is None:
        connection.execute(_CREATE_HEAD)
        row = connection.execute(_LOCK_AND_READ_END).one()
    return int(row[0]), str(row[1])


def _row(record: LoggedRecord) -> dict[str, object]:
    entry = record.entry
    return {
        "number": record.number,
        "x_road_id": entry.x_road_id,
        "request_id": entry.request_id,
        "side": str(entry.side),
        "direction": str(entry.direction),
        "client": entry.client,
        "service": entry.service,
        "logged_at": utc(entry.logged_at),
        "header": entry.header,
        "body": entry.body,
        "signature": entry.signature,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "seal_number": None,
    }


def insert_records(connection: Connection, records: Sequence[LoggedRecord]) -> None:
    """Add ``records`` (consecutive, in chain order) and move the head to the last one (the
    head is locked by :func:`lock_chain_end`)."""
    if not records:
        return
    connection.execute(_INSERT_RECORD, [_row(record) for record in records])
    connection.execute(_ADVANCE, {"number": records[-1].number, "hash": records[-1].hash})


def read_head(session: Session) -> MessageLogHead | None:
    return session.exec(select(MessageLogHead).where(MessageLogHead.id == HEAD_ID)).first()


def to_record(row: MessageLogRecord) -> LoggedRecord:
    entry = LogEntry(
        x_road_id=row.x_road_id,
        request_id=row.request_id,
        side=Side(row.side),
        direction=Direction(row.direction),
        client=row.client,
        service=row.service,
        logged_at=utc(row.logged_at),
        header=bytes(row.header),
        body=bytes(row.body),
        signature=row.signature,
    )
    return LoggedRecord(row.number, entry, row.prev_hash, row.hash)


def records_between(session: Session, first: int, last: int) -> list[LoggedRecord]:
    """Records ``first``…``last`` (inclusive), in chain order."""
    rows = session.exec(
        select(MessageLogRecord)
        .where(col(MessageLogRecord.number) >= first, col(MessageLogRecord.number) <= last)
        .order_by(col(MessageLogRecord.number))
    )
    return [to_record(row) for row in rows]


def hashes_between(session: Session, first: int, last: int) -> list[tuple[int, str, datetime]]:
    """(number, hash, logged_at) of records ``first``…``last``, in chain order."""
    rows = session.exec(
        select(MessageLogRecord.number, MessageLogRecord.hash, MessageLogRecord.logged_at)
        .where(col(MessageLogRecord.number) >= first, col(MessageLogRecord.number) <= last)
        .order_by(col(MessageLogRecord.number))
    )
    return [(number, digest, utc(at)) for number, digest, at in rows]


def records_for(session: Session, x_road_id: str) -> list[LoggedRecord]:
    """Every record of one exchange (its ``X-Road-Id``), in chain order."""
    rows = session.exec(
        select(MessageLogRecord)
        .where(MessageLogRecord.x_road_id == x_road_id)
        .order_by(col(MessageLogRecord.number))
    )
    return [to_record(row) for row in rows]


def add_seal(session: Session, seal: MessageLogSeal) -> None:
    session.add(seal)
    session.execute(
        update(MessageLogRecord)
        .where(
            col(MessageLogRecord.number) >= seal.first_number,
            col(MessageLogRecord.number) <= seal.last_number,
        )
        .values(seal_number=seal.number)
    )
    session.flush()


def seals_between(session: Session, first: int, last: int) -> list[MessageLogSeal]:
    """Seals covering records within ``first``…``last``, in order."""
    return list(
        session.exec(
            select(MessageLogSeal)
            .where(
                col(MessageLogSeal.last_number) >= first,
                col(MessageLogSeal.first_number) <= last,
            )
            .order_by(col(MessageLogSeal.number))
        )
    )


def add_seal_failure(session: Session, failure: MessageLogSealFailure) -> None:
    session.add(failure)
    session.flush()


def seal_failures(session: Session, after: int = 0) -> Sequence[MessageLogSealFailure]:
    """Failed sealing attempts of records after number ``after``, oldest first."""
    return session.exec(
        select(MessageLogSealFailure)
        .where(col(MessageLogSealFailure.first_number) > after)
        .order_by(col(MessageLogSealFailure.attempted_at), col(MessageLogSealFailure.id))
    ).all()


def add_archive(session: Session, archive: MessageLogArchive) -> None:
    session.add(archive)
    session.flush()
