"""The message log on a real database (SQLite, then PostgreSQL): appends, concurrency, seals."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from govkit import db
from govkit.service import load_definition
from securityserver.messagelog import repository
from securityserver.messagelog.chain import GENESIS, Direction, Message, Side, verify_chain
from securityserver.messagelog.merkle import merkle_root
from securityserver.messagelog.service import append, seal_pending, sealing_failing_since
from securityserver.messagelog.settings import MessageLogSettings
from securityserver.messagelog.timestamps import TimestampError
from securityserver.messagelog.writer import LogWriter
from securityserver.models import MessageLogRecord, MessageLogSeal, OpMonitoringRecord
from securityserver.protocol.errors import ExchangeError
from securityserver.runtime import remove_monitoring_before

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def database(database_url: str) -> Iterator[db.Database]:
    database = db.Database(database_url)
    db.upgrade(database, load_definition("securityserver").migrations)
    try:
        yield database
    finally:
        database.dispose()


class FakeTimestamper:
    """Returns a recognisable token, or fails while ``failing`` is set."""

    def __init__(self) -> None:
        self.failing = False
        self.digests: list[bytes] = []

    def timestamp(self, digest: bytes) -> bytes:
        if self.failing:
            raise TimestampError("the timestamp authority is unreachable")
        self.digests.append(digest)
        return b"fake-token:" + digest


def message(n: int, body: bytes | None = None) -> Message:
    return Message(
        x_road_id=f"xrid-{n // 2}",
        request_id=f"req-{n // 2}",
        side=Side.PROVIDER,
        direction=Direction.REQUEST if n % 2 == 0 else Direction.RESPONSE,
        client="JP-KIT/GOV/LG-139998/portal",
        service="JP-KIT/GOV/MIC-0001/juminhyou/basic4",
        header=f"GET\r\n/r1/JP-KIT/GOV/MIC-0001/juminhyou/basic4/{n}\r\n".encode(),
        body=body if body is not None else b'{"n": %d, "name": "\xe5\xb1\xb1\xe7\x94\xb0"}' % n,
        signature=f"jws.{n}",
    )


def append_many(database: db.Database, count: int, start: datetime = T0) -> None:
    for n in range(count):
        with database.engine.connect() as connection:
            append(connection, message(n), start + timedelta(seconds=n))


def test_appends_chain_records_and_round_trip_them(database: db.Database) -> None:
    append_many(database, 4)
    with database.session() as session:
        records = repository.records_between(session, 1, 10)
        head = repository.read_head(session)
    assert [r.number for r in records] == [1, 2, 3, 4]
    assert records[0].prev_hash == GENESIS
    assert verify_chain(records, first_number=1) is None
    assert records[1].entry == message(1).at(T0 + timedelta(seconds=1))
    assert head is not None
    assert (head.last_number, head.last_hash) == (4, records[-1].hash)
    with database.session() as session:
        exchange = repository.records_for(session, "xrid-1")
    assert [(r.number, r.entry.direction) for r in exchange] == [
        (3, Direction.REQUEST),
        (4, Direction.RESPONSE),
    ]


def test_a_body_over_the_cap_is_refused_and_not_logged(database: db.Database) -> None:
    settings = MessageLogSettings(max_body_bytes=16)
    with database.engine.connect() as connection:
        append(connection, message(0, body=b"x" * 16), T0, settings)
        with pytest.raises(ExchangeError) as caught:
            append(connection, message(1, body=b"x" * 17), T0, settings)
    assert caught.value.code == "Client.BadRequest"
    with database.session() as session:
        assert len(session.exec(select(MessageLogRecord)).all()) == 1


def test_concurrent_appends_keep_one_unbroken_chain(database: db.Database) -> None:
    threads, each = 4, 10

    def worker(k: int) -> None:
        for i in range(each):
            with database.engine.connect() as connection:
                append(connection, message(k * 100 + i), T0 + timedelta(seconds=i))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(worker, k) for k in range(threads)]:
            future.result()  # re-raises a worker's failure
    with database.session() as session:
        records = repository.records_between(session, 1, threads * each + 5)
    assert len(records) == threads * each
    assert verify_chain(records, first_number=1) is None


def test_seals_every_n_records_with_a_timestamped_merkle_root(database: db.Database) -> None:
    settings = MessageLogSettings(seal_every_records=3, seal_every_seconds=3600)
    stamper = FakeTimestamper()
    append_many(database, 2)
    with database.session() as session:
        assert seal_pending(session, stamper, T0, settings).status == "not-due"
    append_many(database, 5, start=T0 + timedelta(seconds=10))  # 7 records now
    with database.session() as session:
        first = seal_pending(session, stamper, T0 + timedelta(seconds=20), settings)
        second = seal_pending(session, stamper, T0 + timedelta(seconds=20), settings)
        third = seal_pending(session, stamper, T0 + timedelta(seconds=20), settings)
    assert (first.status, first.first_number, first.last_number) == ("sealed", 1, 3)
    assert (second.status, second.first_number, second.last_number) == ("sealed", 4, 6)
    assert third.status == "not-due"  # one record waits, not for long
    with database.session() as session:
        seals = session.exec(select(MessageLogSeal).order_by(MessageLogSeal.number)).all()
        hashes = [r.hash for r in repository.records_between(session, 1, 3)]
        rows = session.exec(select(MessageLogRecord).order_by(MessageLogRecord.number)).all()
    assert [s.number for s in seals] == [1, 2]
    assert seals[0].root == merkle_root(hashes)
    assert bytes(seals[0].token) == b"fake-token:" + bytes.fromhex(seals[0].root)
    assert [r.seal_number for r in rows] == [1, 1, 1, 2, 2, 2, None]


def test_seals_after_the_interval_and_when_forced(database: db.Database) -> None:
    settings = MessageLogSettings(seal_every_records=100, seal_every_seconds=60)
    stamper = FakeTimestamper()
    append_many(database, 2)
    with database.session() as session:
        assert seal_pending(session, stamper, T0 + timedelta(seconds=30), settings).status == (
            "not-due"
        )
        late = seal_pending(session, stamper, T0 + timedelta(seconds=61), settings)
        assert (late.status, late.last_number) == ("sealed", 2)
        assert seal_pending(session, stamper, T0 + timedelta(hours=1), settings).status == (
            "nothing"
        )
    append_many(database, 1, start=T0 + timedelta(hours=1))
    with database.session() as session:
        forced = seal_pending(session, stamper, T0 + timedelta(hours=1), settings, force=True)
    assert (forced.status, forced.first_number, forced.last_number) == ("sealed", 3, 3)


def test_a_failed_sealing_is_recorded_and_retried_without_losing_records(
    database: db.Database,
) -> None:
    settings = MessageLogSettings(seal_every_records=2, seal_every_seconds=60)
    stamper = FakeTimestamper()
    append_many(database, 3)
    stamper.failing = True
    with database.session() as session:
        failed = seal_pending(session, stamper, T0 + timedelta(minutes=1), settings)
        again = seal_pending(session, stamper, T0 + timedelta(minutes=2), settings)
        assert (failed.status, failed.first_number, failed.last_number) == ("failed", 1, 2)
        assert "unreachable" in failed.error
        assert again.status == "failed"
        assert sealing_failing_since(session) == T0 + timedelta(minutes=1)
    append_many(database, 1, start=T0 + timedelta(minutes=3))  # traffic goes on meanwhile
    stamper.failing = False
    with database.session() as session:
        retried = seal_pending(session, stamper, T0 + timedelta(minutes=4), settings)
        assert (retried.status, retried.first_number, retried.last_number) == ("sealed", 1, 2)
        rest = seal_pending(session, stamper, T0 + timedelta(minutes=4), settings)
        assert (rest.status, rest.first_number, rest.last_number) == ("sealed", 3, 4)
        assert sealing_failing_since(session) is None
        failures = repository.seal_failures(session)
        records = repository.records_between(session, 1, 10)
    assert [(f.first_number, f.last_number) for f in failures] == [(1, 2), (1, 2)]
    assert len(records) == 4
    assert verify_chain(records, first_number=1) is None


def test_a_sealer_that_lost_a_race_stores_nothing(database: db.Database) -> None:
    """Two sealers read the same pending records; only the first one's seal is kept."""
    settings = MessageLogSettings(seal_every_records=2)
    append_many(database, 2)

    class SlowStamper(FakeTimestamper):
        def timestamp(self, digest: bytes) -> bytes:
            with database.session() as other:  # another process seals meanwhile
                assert seal_pending(other, FakeTimestamper(), T0, settings).status == "sealed"
            return super().timestamp(digest)

    with database.session() as session:
        assert seal_pending(session, SlowStamper(), T0, settings).status == "raced"
    with database.session() as session:
        assert len(session.exec(select(MessageLogSeal)).all()) == 1


def test_an_empty_log_has_nothing_to_seal(database: db.Database) -> None:
    with Session(database.engine) as session:
        assert seal_pending(session, FakeTimestamper(), T0).status == "nothing"
        assert sealing_failing_since(session) is None


# -- group commit (LogWriter) ------------------------------------------------------------------


def clock_from(start: datetime) -> Callable[[], datetime]:
    ticks = itertools.count()
    return lambda: start + timedelta(milliseconds=next(ticks))


def test_the_writer_keeps_one_unbroken_chain_under_concurrent_threads(
    database: db.Database,
) -> None:
    writer = LogWriter(database, MessageLogSettings(), clock_from(T0))
    threads, each = 8, 15

    def worker(k: int) -> list[int]:
        return [writer.append(message(k * 100 + i)).number for i in range(each)]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        numbers = [n for future in [pool.submit(worker, k) for k in range(threads)]
                   for n in future.result()]  # fmt: skip
    with database.session() as session:
        records = repository.records_between(session, 1, threads * each + 5)
    assert sorted(numbers) == list(range(1, threads * each + 1))
    assert verify_chain(records, first_number=1) is None
    times = [record.entry.logged_at for record in records]
    assert times == sorted(times)  # the chain's order is the order messages were stamped


def test_messages_queued_while_another_is_written_share_one_commit(
    database: db.Database,
) -> None:
    writer = LogWriter(database, MessageLogSettings(), clock_from(T0))
    commits = []
    event.listen(database.engine, "commit", lambda _connection: commits.append(1))
    waiting = 5
    with ThreadPoolExecutor(max_workers=waiting) as pool:
        with writer._write_lock:  # a write in progress: these five queue behind it
            futures = [pool.submit(writer.append, message(n)) for n in range(waiting)]
            while len(writer._queue) < waiting:
                time.sleep(0.001)
        records = [future.result() for future in futures]
    assert len(commits) == 1
    assert sorted(record.number for record in records) == [1, 2, 3, 4, 5]
    with database.session() as session:
        stored = repository.records_between(session, 1, 10)
    assert [(r.number, r.hash) for r in stored] == sorted((r.number, r.hash) for r in records)
    assert verify_chain(stored, first_number=1) is None


def test_a_failed_write_fails_every_message_in_it_and_logs_none(database: db.Database) -> None:
    writer = LogWriter(database, MessageLogSettings(), clock_from(T0))
    writer.append(message(0))
    with database.engine.begin() as connection:  # the log's table is gone
        connection.exec_driver_sql("ALTER TABLE messagelog_record RENAME TO moved_away")
    with ThreadPoolExecutor(max_workers=3) as pool:
        with writer._write_lock:
            futures = [pool.submit(writer.append, message(n)) for n in range(1, 4)]
            while len(writer._queue) < 3:
                time.sleep(0.001)
        errors = [future.exception() for future in futures]
    assert all(isinstance(error, SQLAlchemyError) for error in errors)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE moved_away RENAME TO messagelog_record")
    with database.session() as session:
        head = repository.read_head(session)
        assert len(repository.records_between(session, 1, 10)) == 1
    assert head is not None
    assert head.last_number == 1
    assert writer.append(message(4)).number == 2  # the log goes on where it stood


def test_the_writer_refuses_a_body_over_the_cap_before_queueing(database: db.Database) -> None:
    writer = LogWriter(database, MessageLogSettings(max_body_bytes=16), clock_from(T0))
    with pytest.raises(ExchangeError) as caught:
        writer.append(message(0, body=b"x" * 17))
    assert caught.value.code == "Client.BadRequest"
    assert writer.append(message(1, body=b"x" * 16)).number == 1


def test_monitoring_records_older_than_the_cutoff_are_removed_in_batches(
    database: db.Database,
) -> None:
    start_ms = int(T0.timestamp() * 1000)
    with database.session() as session:
        for minute in range(7):
            session.add(
                OpMonitoringRecord(
                    side="Client", request_in_ts=start_ms + minute * 60_000, succeeded=True
                )
            )
        session.commit()
    assert remove_monitoring_before(database, T0 + timedelta(minutes=5), batch=2) == 5
    assert remove_monitoring_before(database, T0 + timedelta(minutes=5), batch=2) == 0
    with database.session() as session:
        left = session.exec(select(OpMonitoringRecord.request_in_ts)).all()
    assert sorted(left) == [start_ms + 5 * 60_000, start_ms + 6 * 60_000]
