"""Message-log use cases: each owns its transaction (repositories only flush).

* :func:`append` on every message, before it is forwarded (:func:`append_entries` for several
  at once: the proxy's group commit);
* :func:`seal_pending` periodically, outside message handling: it seals the records appended
  since the last seal with one RFC 3161 timestamp over their Merkle root. A failed attempt is
  recorded and the same records are tried again next time; no record is ever dropped.
* :func:`sealing_failing_since` lets the proxy refuse traffic once sealing has failed too long;
* :func:`remove_archived` takes archived records out of the database once they are older than
  the retention period (the archives keep them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlmodel import Session

from securityserver.messagelog import repository
from securityserver.messagelog.chain import LogEntry, LoggedRecord, Message, check_body_size, link
from securityserver.messagelog.merkle import merkle_root
from securityserver.messagelog.settings import MessageLogSettings
from securityserver.messagelog.timestamps import Timestamper, TimestampError
from securityserver.models import MessageLogSeal, MessageLogSealFailure

__all__ = [
    "SealOutcome",
    "append",
    "append_entries",
    "remove_archived",
    "seal_pending",
    "sealing_failing_since",
]

#: Rows removed per transaction by :func:`remove_archived` (and the monitoring records' removal):
#: each batch holds the database's write lock only briefly, so messages go on being logged.
REMOVE_BATCH = 500


def append(
    connection: Connection,
    message: Message,
    now: datetime,
    settings: MessageLogSettings | None = None,
) -> LoggedRecord:
    """Log ``message`` as the next record of the chain and commit.

    Raises :class:`~securityserver.protocol.errors.ExchangeError` (``Client.BadRequest``) when
    the body is over the cap: nothing is logged and the message must not be forwarded.
    """
    settings = settings or MessageLogSettings()
    check_body_size(len(message.body), settings.max_body_bytes)
    return append_entries(connection, [message.at(now)])[0]


def append_entries(connection: Connection, entries: Sequence[LogEntry]) -> list[LoggedRecord]:
    """Log ``entries`` as the next records of the chain, in their order, in one transaction
    (the group commit of :class:`~securityserver.messagelog.writer.LogWriter`).

    The append path runs on every message, so it works on a Core ``connection`` (no
    transaction open yet) rather than an ORM session. Callers have checked each body against
    the cap (:func:`~securityserver.messagelog.chain.check_body_size`), so that one message
    over it never fails the others.
    """
    with connection.begin():
        last_number, prev_hash = repository.lock_chain_end(connection)
        records = []
        for number, entry in enumerate(entries, start=last_number + 1):
            record = link(number, entry, prev_hash)
            records.append(record)
            prev_hash = record.hash
        repository.insert_records(connection, records)
    return records


@dataclass(frozen=True)
class SealOutcome:
    """What one :func:`seal_pending` call did: ``sealed``, ``failed``, ``not-due``, ``nothing``
    or ``raced`` (another sealer got there first)."""

    status: str
    first_number: int = 0
    last_number: int = 0
    seal_number: int = 0
    root: str = ""
    error: str = ""


def seal_pending(
    session: Session,
    timestamper: Timestamper,
    now: datetime,
    settings: MessageLogSettings | None = None,
    *,
    force: bool = False,
) -> SealOutcome:
    """Seal the records waiting since the last seal, when due (or ``force``).

    Due means ``seal_every_records`` records wait, or the oldest has waited
    ``seal_every_seconds``. One seal covers at most ``seal_every_records`` records; the rest
    wait for the next call. The TSA is asked outside any transaction.
    """
    settings = settings or MessageLogSettings()
    try:
        head = repository.read_head(session)
        if head is None or head.last_number == head.last_sealed_number:
            session.rollback()
            return SealOutcome("nothing")
        first = head.last_sealed_number + 1
        last = min(head.last_number, head.last_sealed_number + settings.seal_every_records)
        pending = repository.hashes_between(session, first, last)
        session.rollback()  # end the read transaction before talking to the TSA
    except BaseException:
        session.rollback()
        raise
    waited = now - pending[0][2]
    due = len(pending) >= settings.seal_every_records or waited >= timedelta(
        seconds=settings.seal_every_seconds
    )
    if not (due or force):
        return SealOutcome("not-due", first, last)
    root = merkle_root([digest for _number, digest, _at in pending])
    try:
        token = timestamper.timestamp(bytes.fromhex(root))
    except TimestampError as exc:
        _record_failure(session, now, first, last, str(exc))
        return SealOutcome("failed", first, last, root=root, error=str(exc))
    return _store_seal(session, now, first, last, root, token)


def _record_failure(session: Session, now: datetime, first: int, last: int, error: str) -> None:
    try:
        repository.add_seal_failure(
            session,
            MessageLogSealFailure(
                attempted_at=now, first_number=first, last_number=last, error=error[:2000]
            ),
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _store_seal(
    session: Session, now: datetime, first: int, last: int, root: str, token: bytes
) -> SealOutcome:
    try:
        head = repository.lock_head(session)
        if head.last_sealed_number != first - 1:
            session.rollback()
            return SealOutcome("raced", first, last)
        # The records cannot have changed (the log is append-only), but check the root is
        # still theirs before binding the token to it.
        current = repository.hashes_between(session, first, last)
        if merkle_root([digest for _n, digest, _at in current]) != root:
            session.rollback()
            raise RuntimeError(f"records {first}…{last} changed while they were being sealed")
        seal = MessageLogSeal(
            number=head.last_seal_number + 1,
            first_number=first,
            last_number=last,
            root=root,
            token=token,
            sealed_at=now,
        )
        repository.add_seal(session, seal)
        head.last_sealed_number, head.last_seal_number = last, seal.number
        session.add(head)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SealOutcome("sealed", first, last, seal.number, root)


def sealing_failing_since(session: Session) -> datetime | None:
    """When sealing of the records now waiting first failed (``None``: no failure since the
    last seal). The proxy may refuse traffic once this is too long ago (xroad.md §3.7)."""
    try:
        head = repository.read_head(session)
        if head is None or head.last_number == head.last_sealed_number:
            return None
        failures = repository.seal_failures(session, after=head.last_sealed_number)
        return repository.utc(failures[0].attempted_at) if failures else None
    finally:
        session.rollback()


def remove_archived(
    session: Session,
    now: datetime,
    settings: MessageLogSettings | None = None,
    *,
    batch: int = REMOVE_BATCH,
) -> int:
    """Remove the archived records logged more than ``keep_records_for`` before ``now``,
    oldest first, ``batch`` per transaction; how many were removed. A record that is not in an
    archive yet is never removed, however old."""
    settings = settings or MessageLogSettings()
    removed = 0
    try:
        head = repository.read_head(session)
        if head is None or head.last_archived_number == 0:
            session.rollback()
            return 0
        through = repository.last_number_logged_before(
            session, now - settings.keep_records_for, head.last_archived_number
        )
        session.rollback()
        while through is not None:
            lowest = repository.first_number(session)
            if lowest is None or lowest > through:
                session.rollback()
                break
            removed += repository.delete_through(session, min(through, lowest + batch - 1))
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return removed
