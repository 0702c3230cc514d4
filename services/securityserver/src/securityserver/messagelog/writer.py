"""Group commit for the message log: messages logged by concurrent threads share a transaction.

Every message must be in the log, committed, before the proxy sends it on (xroad.md §3.7), so
each call of :meth:`LogWriter.append` waits for its own record's commit. Threads that arrive
while another is writing queue their messages; the next thread to get the write lock writes
every queued message in one transaction (one head lock, one multi-row insert, one commit) and
wakes the others with their records. Alone, a thread writes its own message at once: nothing
waits for a batch to fill.

The chain's order is the queue's order, and each entry is stamped with the time it joined the
queue, so ``logged_at`` never goes backwards along the chain within a process. Several
processes on one database still take the head row's lock per transaction
(:func:`~securityserver.messagelog.repository.lock_chain_end`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from govkit.db import Database
from securityserver.messagelog import service
from securityserver.messagelog.chain import LogEntry, LoggedRecord, Message, check_body_size
from securityserver.messagelog.settings import MessageLogSettings

__all__ = ["LogWriter"]


@dataclass(slots=True)
class _Queued:
    entry: LogEntry
    record: LoggedRecord | None = None
    error: Exception | None = None

    @property
    def settled(self) -> bool:
        return self.record is not None or self.error is not None


class LogWriter:
    """Appends messages to one database's log, sharing commits between threads (thread-safe)."""

    def __init__(
        self, database: Database, settings: MessageLogSettings, clock: Callable[[], datetime]
    ) -> None:
        self._database = database
        self._settings = settings
        self._clock = clock
        self._queue: list[_Queued] = []
        self._queue_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def append(self, message: Message) -> LoggedRecord:
        """Log ``message`` and return its committed record.

        ``ExchangeError`` (``Client.BadRequest``) for a body over the cap, before anything is
        queued; a database error is raised in every thread whose message was in the failed
        transaction, and none of those messages is logged.
        """
        check_body_size(len(message.body), self._settings.max_body_bytes)
        with self._queue_lock:
            queued = _Queued(message.at(self._clock()))
            self._queue.append(queued)
        with self._write_lock:
            if not queued.settled:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._write(batch)
        if queued.error is not None:
            raise queued.error
        assert queued.record is not None
        return queued.record

    def _write(self, batch: list[_Queued]) -> None:
        try:
            with self._database.engine.connect() as connection:
                records = service.append_entries(connection, [queued.entry for queued in batch])
        except Exception as exc:  # noqa: BLE001 - handed to every waiting thread
            for queued in batch:
                queued.error = exc
            return
        for queued, record in zip(batch, records, strict=True):
            queued.record = record
