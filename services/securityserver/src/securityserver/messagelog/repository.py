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

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Dialect, Executable, bindparam, delete, func
from sqlalchemy.exc import DBAPIError
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


# The append path runs on every message: three statements compiled once per dialect and run on
# the driver's cursor inside the caller's Core transaction (no ORM session, no per-call compile
# or result objects: a third of an append's CPU time went to SQLAlchemy's execution machinery).
# The ORM path above serves sealing and archiving.
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
_INSERT_RECORD = _RECORD.insert().values(
    {column.name: bindparam(column.name) for column in _RECORD.c}
)
_ADVANCE = (
    _HEAD.update()
    .where(_HEAD.c.id == HEAD_ID)
    .values(last_number=bindparam("number"), last_hash=bindparam("hash"))
)


@dataclass(frozen=True, slots=True)
class _DriverStatement:
    """A Core statement compiled for one dialect: its SQL, and how to turn named values into
    the driver's parameters (the dialect's own type conversions, e.g. datetimes on SQLite)."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    defaults: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]

    @classmethod
    def compile(cls, statement: Executable, dialect: Dialect) -> _DriverStatement:
        compiled = statement.compile(dialect=dialect)
        processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        positions = compiled.positiontup
        return cls(
            sql=str(compiled),
            names=tuple(positions) if positions is not None else tuple(compiled.binds),
            positional=positions is not None,
            defaults={
                name: bind.value for name, bind in compiled.binds.items() if not bind.required
            },
            processors=processors,
        )

    def parameters(self, values: Mapping[str, Any] | None = None) -> Sequence[Any] | dict[str, Any]:
        merged = {**self.defaults, **values} if values else self.defaults
        converted = [
            self.processors[name](merged[name]) if name in self.processors else merged[name]
            for name in self.names
        ]
        return converted if self.positional else dict(zip(self.names, converted, strict=True))


@dataclass(frozen=True, slots=True)
class _AppendStatements:
    lock_and_read_end: _DriverStatement
    create_head: _DriverStatement
    insert_record: _DriverStatement
    advance: _DriverStatement


@functools.cache
def _append_statements(dialect: Dialect) -> _AppendStatements:
    return _AppendStatements(
        *(
            _DriverStatement.compile(statement, dialect)
            for statement in (_LOCK_AND_READ_END, _CREATE_HEAD, _INSERT_RECORD, _ADVANCE)
        )
    )


@contextmanager
def _driver_cursor(connection: Connection) -> Iterator[Any]:
    """The driver's cursor on ``connection``'s transaction; its errors raised as SQLAlchemy's
    (``OperationalError``, ``IntegrityError``, …) like the Core path's."""
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = connection.connection.cursor()
    try:
        yield cursor
    except dbapi_error as exc:
        raise DBAPIError.instance(None, None, exc, dbapi_error) from exc
    finally:
        cursor.close()


def lock_chain_end(connection: Connection) -> tuple[int, str]:
    """``(last number, last hash)`` of the chain, the head locked for this transaction
    (created on an empty database)."""
    statements = _append_statements(connection.dialect)
    lock = statements.lock_and_read_end
    with _driver_cursor(connection) as cursor:
        cursor.execute(lock.sql, lock.parameters())
        row = cursor.fetchone()
        if row is None:
            cursor.execute(statements.create_head.sql, statements.create_head.parameters())
            cursor.execute(lock.sql, lock.parameters())
            row = cursor.fetchone()
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
    statements = _append_statements(connection.dialect)
    insert, advance = statements.insert_record, statements.advance
    with _driver_cursor(connection) as cursor:
        if len(records) == 1:
            cursor.execute(insert.sql, insert.parameters(_row(records[0])))
        else:
            cursor.executemany(insert.sql, [insert.parameters(_row(r)) for r in records])
        last = records[-1]
        cursor.execute(advance.sql, advance.parameters({"number": last.number, "hash": last.hash}))


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


# -- retention ----------------------------------------------------------------------------------


def last_number_logged_before(session: Session, before: datetime, up_to: int) -> int | None:
    """The highest record number up to ``up_to`` logged before ``before`` (None: no such)."""
    return session.exec(
        select(func.max(MessageLogRecord.number)).where(
            col(MessageLogRecord.number) <= up_to, col(MessageLogRecord.logged_at) < before
        )
    ).one()


def logged_at(session: Session, number: int) -> datetime | None:
    """When record ``number`` was logged (None: not in the database)."""
    moment = session.exec(
        select(MessageLogRecord.logged_at).where(MessageLogRecord.number == number)
    ).first()
    return None if moment is None else utc(moment)


def first_number(session: Session) -> int | None:
    """The lowest record number still in the database (None: the table is empty)."""
    return session.exec(select(func.min(MessageLogRecord.number))).one()


def delete_through(session: Session, last: int) -> int:
    """Delete records up to number ``last``, and the seals and failed sealing attempts that
    cover nothing else; how many records went."""
    removed = session.execute(
        delete(MessageLogRecord).where(col(MessageLogRecord.number) <= last)
    ).rowcount
    session.execute(delete(MessageLogSeal).where(col(MessageLogSeal.last_number) <= last))
    session.execute(
        delete(MessageLogSealFailure).where(col(MessageLogSealFailure.last_number) <= last)
    )
    return int(removed or 0)
