"""The message log's records and their hash chain: pure, typed rules (xroad.md §3.7, §7 Keep 5).

Every message a security server handles (request or response, on the consumer or the provider
side) becomes one :class:`LogEntry`. Appending it gives it a sequence ``number`` and links it to
the record before it: ``hash = SHA-256(encoding(number, entry, prev_hash))``, with
``prev_hash`` the previous record's hash (:data:`GENESIS` for the first record ever).

**The record encoding** (:func:`record_bytes`) is unambiguous by construction: a fixed domain
tag, then every field in a fixed order, each as an 8-byte big-endian length followed by that
many bytes. Text is UTF-8; the number is decimal ASCII; ``logged_at`` is UTC ISO 8601 with
microseconds and a ``Z`` (``2026-11-21T09:10:35.123456Z``); ``header`` and ``body`` are the raw
bytes; ``prev_hash`` is the lower-case hex string. Changing, removing or reordering any record
therefore breaks either its own hash or the next record's link.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from securityserver.protocol.errors import ExchangeError, FaultCode

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "GENESIS",
    "RECORD_TAG",
    "ChainBreak",
    "Direction",
    "LogEntry",
    "LoggedRecord",
    "Message",
    "Side",
    "check_body_size",
    "format_time",
    "link",
    "parse_time",
    "record_bytes",
    "record_hash",
    "verify_chain",
]

#: The ``prev_hash`` of the very first record.
GENESIS = "0" * 64
#: Domain separation: a record hash can never be confused with any other SHA-256 in the kit.
RECORD_TAG = b"madoguchi.messagelog.record.v1"
#: xroad.md §3.7: ``max-loggable-message-body-size`` is 10 MiB by default.
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


class Side(StrEnum):
    """Which security server logged the message."""

    CONSUMER = "consumer"
    PROVIDER = "provider"


class Direction(StrEnum):
    """Whether the message is the request or the response of its exchange."""

    REQUEST = "request"
    RESPONSE = "response"


def format_time(moment: datetime) -> str:
    """``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """The inverse of :func:`format_time`."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Message:
    """What the proxy hands to the log for one message (the log adds the time)."""

    x_road_id: str
    request_id: str
    side: Side
    direction: Direction
    client: str
    service: str
    header: bytes
    body: bytes
    signature: str

    def at(self, logged_at: datetime) -> LogEntry:
        """This message as logged at ``logged_at``."""
        return LogEntry(
            x_road_id=self.x_road_id,
            request_id=self.request_id,
            side=self.side,
            direction=self.direction,
            client=self.client,
            service=self.service,
            logged_at=logged_at,
            header=self.header,
            body=self.body,
            signature=self.signature,
        )


@dataclass(frozen=True)
class LogEntry:
    """One message as the security server saw it, before it joins the chain.

    ``header`` is the REST header part (xroad.md §1.5: the bytes both servers sign); ``body`` is
    the message body (within the cap, see :func:`check_body_size`); ``signature`` is the
    message's JWS, kept opaque.
    """

    x_road_id: str
    request_id: str
    side: Side
    direction: Direction
    client: str
    service: str
    logged_at: datetime
    header: bytes
    body: bytes
    signature: str


@dataclass(frozen=True)
class LoggedRecord:
    """A record in the chain: its number, its entry and the two hashes (lower-case hex)."""

    number: int
    entry: LogEntry
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """The first record at which a chain stops verifying, and why."""

    number: int
    reason: str

    def __str__(self) -> str:
        return f"record {self.number}: {self.reason}"


def _field(value: bytes) -> bytes:
    return struct.pack(">Q", len(value)) + value


def record_bytes(number: int, entry: LogEntry, prev_hash: str) -> bytes:
    """The canonical encoding hashed into a record's ``hash`` (see the module docstring)."""
    fields = [
        RECORD_TAG,
        str(number).encode("ascii"),
        entry.x_road_id.encode("utf-8"),
        entry.request_id.encode("utf-8"),
        str(entry.side).encode("ascii"),
        str(entry.direction).encode("ascii"),
        entry.client.encode("utf-8"),
        entry.service.encode("utf-8"),
        format_time(entry.logged_at).encode("ascii"),
        entry.header,
        entry.body,
        entry.signature.encode("utf-8"),
        prev_hash.encode("ascii"),
    ]
    return b"".join(_field(value) for value in fields)


def record_hash(number: int, entry: LogEntry, prev_hash: str) -> str:
    """SHA-256 (hex) of :func:`record_bytes`."""
    return hashlib.sha256(record_bytes(number, entry, prev_hash)).hexdigest()


def link(number: int, entry: LogEntry, prev_hash: str) -> LoggedRecord:
    """``entry`` as record ``number``, chained after a record whose hash is ``prev_hash``."""
    if number < 1:
        raise ValueError("record numbers start at 1")
    return LoggedRecord(number, entry, prev_hash, record_hash(number, entry, prev_hash))


def verify_chain(
    records: Iterable[LoggedRecord], *, prev_hash: str = GENESIS, first_number: int | None = None
) -> ChainBreak | None:
    """The first record that does not verify, or ``None`` when the whole chain holds.

    Each record's hash must match its content, its ``prev_hash`` must be the hash of the record
    before it (``prev_hash`` for the first one) and the numbers must follow one another
    (starting at ``first_number`` when given).
    """
    expected_prev = prev_hash
    expected_number = first_number
    for record in records:
        if expected_number is not None and record.number != expected_number:
            return ChainBreak(
                record.number, f"out of sequence: expected record {expected_number} here"
            )
        if record_hash(record.number, record.entry, record.prev_hash) != record.hash:
            return ChainBreak(record.number, "its content does not match its hash")
        if record.prev_hash != expected_prev:
            return ChainBreak(record.number, "it is not linked to the record before it")
        expected_prev = record.hash
        expected_number = record.number + 1
    return None


def check_body_size(size: int, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
    """Refuse a message whose body is too large to be logged (xroad.md §3.7).

    The proxy calls this before forwarding anything; a body over the cap is not logged and the
    exchange fails with ``Client.BadRequest`` (400). The issue asks for a ``Client.*`` error;
    X-Road itself answers ``Server.ClientProxy.LoggingFailed``-like codes, and no more specific
    ``Client.*`` code exists in the protocol, so the generic one is used.
    """
    if size > max_body_bytes:
        raise ExchangeError(
            FaultCode.BAD_REQUEST,
            f"The message body ({size} bytes) is larger than the {max_body_bytes} bytes "
            "the message log accepts",
        )
