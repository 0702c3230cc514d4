"""The data-usage log's hash chain, one chain per resident.

Every call about a resident (served or refused) becomes an event. Each event is linked to
the one before it::

    hash = sha256(prev_hash + "\\n" + canonical JSON of the event without "hash"/"prev_hash")

with the canonical JSON written with sorted keys, no spaces (``separators=(",", ":")``),
``ensure_ascii=False``, encoded as UTF-8; the first event's ``prev_hash`` is 64 zeros. The
portal recomputes the same chain from the events it is served (the rule is part of the
exchange contract; each side keeps its own copy of this small function), so a changed,
inserted or removed event shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: The ``prev_hash`` of a resident's first event (and the head of an empty log).
GENESIS = "0" * 64
_LINKS = ("hash", "prev_hash")


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes hashed for ``event``: its JSON without the chain links, in canonical form."""
    body = {key: value for key, value in event.items() if key not in _LINKS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def chain_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """The hash of ``event`` linked after the event whose hash is ``prev_hash`` (hex)."""
    return hashlib.sha256(prev_hash.encode("utf-8") + b"\n" + canonical(event)).hexdigest()


def linked(event: Mapping[str, Any], prev_hash: str) -> dict[str, Any]:
    """``event`` with its ``prev_hash`` and ``hash``."""
    return {**event, "prev_hash": prev_hash, "hash": chain_hash(prev_hash, event)}


def first_break(events: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of the first event that does not chain (wrong ``seq``, ``prev_hash`` or
    ``hash``), or ``None`` when the whole log verifies. Events are oldest first."""
    previous = GENESIS
    for index, event in enumerate(events):
        if (
            event.get("seq") != index + 1
            or event.get("prev_hash") != previous
            or event.get("hash") != chain_hash(previous, event)
        ):
            return index
        previous = str(event["hash"])
    return None


def head(events: Sequence[Mapping[str, Any]]) -> str:
    """The hash the next event will link to: the last event's, or :data:`GENESIS`."""
    return str(events[-1]["hash"]) if events else GENESIS


def format_at(at: datetime) -> str:
    """An event's time as the log shows and hashes it: UTC, whole seconds, ``Z``
    (``2026-11-25T01:02:03Z``). A naive value is UTC (SQLite keeps no zone)."""
    moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class UsageEvent:
    """One call about a resident, as the data-usage log records it."""

    seq: int
    at: datetime
    client: str
    service: str
    items: tuple[str, ...]
    purpose: str | None
    legal_basis: str | None
    outcome: str  # "served" | "refused"
    refusal: str | None
    x_road_id: str | None
    issue: str | None

    def document(self) -> dict[str, Any]:
        """The event's JSON (what is served and hashed), without the chain links."""
        return {
            "seq": self.seq,
            "at": format_at(self.at),
            "client": self.client,
            "service": self.service,
            "items": list(self.items),
            "purpose": self.purpose,
            "legal_basis": self.legal_basis,
            "outcome": self.outcome,
            "refusal": self.refusal,
            "x_road_id": self.x_road_id,
            "issue": self.issue,
        }
