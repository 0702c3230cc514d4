"""The message log's knobs (xroad.md §3.7) as its use cases take them: from the server's
settings (``SECURITYSERVER_MESSAGELOG_*``, :meth:`MessageLogSettings.from_settings`) or given
explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from securityserver.messagelog.chain import DEFAULT_MAX_BODY_BYTES
from securityserver.settings import SecurityServerSettings


@dataclass(frozen=True)
class MessageLogSettings:
    #: ``max-loggable-message-body-size``: larger bodies are refused, never logged.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Seal as soon as this many records wait; also the most one seal covers
    #: (X-Road's ``timestamp-records-limit``).
    seal_every_records: int = 10_000
    #: Seal when the oldest unsealed record has waited this long
    #: (X-Road's ``timeStampingIntervalSeconds``).
    seal_every_seconds: float = 60.0
    #: Archive the sealed records this often (X-Road's ``archive-interval``); 0: only by command.
    archive_every_seconds: float = 21_600.0
    #: How long archived records stay in the database (X-Road's ``keep-records-for``).
    keep_records_for: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if self.max_body_bytes < 0:
            raise ValueError("max_body_bytes must not be negative")
        if self.seal_every_records < 1:
            raise ValueError("seal_every_records must be at least 1")
        if self.seal_every_seconds < 0:
            raise ValueError("seal_every_seconds must not be negative")
        if self.archive_every_seconds < 0:
            raise ValueError("archive_every_seconds must not be negative")
        if self.keep_records_for <= timedelta(0):
            raise ValueError("keep_records_for must be positive")

    @classmethod
    def from_settings(cls, settings: SecurityServerSettings) -> MessageLogSettings:
        return cls(
            max_body_bytes=settings.messagelog_max_body_bytes,
            seal_every_records=settings.messagelog_seal_every_records,
            seal_every_seconds=settings.messagelog_seal_every_seconds,
            archive_every_seconds=settings.messagelog_archive_every_seconds,
            keep_records_for=timedelta(days=settings.messagelog_keep_records_days),
        )
