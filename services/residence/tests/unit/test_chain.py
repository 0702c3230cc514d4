"""The data-usage log's hash chain (the rule the portal re-computes)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from residence.domain.chain import (
    GENESIS,
    UsageEvent,
    canonical,
    chain_hash,
    first_break,
    format_at,
    head,
    linked,
)


def _event(seq: int, **overrides: Any) -> dict[str, Any]:
    event = UsageEvent(
        seq=seq,
        at=datetime(2026, 11, 25, 1, 2, 3, 456789, tzinfo=UTC) + timedelta(minutes=seq),
        client="JP-KIT/GOV/DA/portal",
        service="JP-KIT/GOV/LG-139998/residence/basic-four",
        items=("name", "name_kana", "birthdate", "gender", "address"),
        purpose="住民票の写しの申請",
        legal_basis="consent:C-1",
        outcome="served",
        refusal=None,
        x_road_id=f"id-{seq}",
        issue=None,
    ).document()
    event.update(overrides)
    return event


def _log(count: int) -> list[dict[str, Any]]:
    events, previous = [], GENESIS
    for seq in range(1, count + 1):
        events.append(linked(_event(seq), previous))
        previous = events[-1]["hash"]
    return events


def test_the_hash_is_the_contracts_formula() -> None:
    event = _event(1)
    body = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(("0" * 64 + "\n" + body).encode("utf-8")).hexdigest()
    assert chain_hash(GENESIS, event) == expected
    assert linked(event, GENESIS) == {**event, "prev_hash": "0" * 64, "hash": expected}


def test_the_links_themselves_are_not_hashed() -> None:
    event = _event(1)
    assert canonical({**event, "hash": "x", "prev_hash": "y"}) == canonical(event)


def test_canonical_json_is_sorted_compact_and_keeps_japanese() -> None:
    text = canonical({"b": "住民", "a": [1, None]}).decode("utf-8")
    assert text == '{"a":[1,null],"b":"住民"}'


def test_an_intact_log_verifies_and_its_head_is_the_last_hash() -> None:
    events = _log(4)
    assert first_break(events) is None
    assert head(events) == events[-1]["hash"]
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]


def test_an_empty_log_verifies_and_its_head_is_the_genesis() -> None:
    assert first_break([]) is None
    assert head([]) == GENESIS == "0" * 64


@pytest.mark.parametrize(
    ("change", "broken_at"),
    [
        (lambda log: log[1].update(purpose="something else"), 1),
        (lambda log: log[2].update(outcome="refused"), 2),
        (lambda log: log[0].update(items=["name"]), 0),
        (lambda log: log[3].update(hash="f" * 64), 3),
        (lambda log: log[1].update(prev_hash=GENESIS), 1),
        (lambda log: log.pop(1), 1),  # a removed event
        (lambda log: log.reverse(), 0),  # reordered
        (lambda log: log.insert(2, dict(log[2])), 3),  # a copied event
    ],
)
def test_any_change_breaks_the_chain_where_it_was_made(change, broken_at: int) -> None:
    events = _log(4)
    change(events)
    assert first_break(events) == broken_at


def test_recomputing_a_changed_event_still_breaks_the_next_link() -> None:
    events = _log(3)
    events[0] = linked(_event(1, purpose="rewritten"), GENESIS)
    assert first_break(events) == 1


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (datetime(2026, 11, 25, 1, 2, 3, 999999, tzinfo=UTC), "2026-11-25T01:02:03Z"),
        (datetime(2026, 11, 25, 1, 2, 3), "2026-11-25T01:02:03Z"),  # noqa: DTZ001 - SQLite
        (
            datetime(2026, 11, 25, 10, 2, 3, tzinfo=timezone(timedelta(hours=9))),
            "2026-11-25T01:02:03Z",
        ),
    ],
)
def test_times_are_utc_whole_seconds(at: datetime, shown: str) -> None:
    assert format_at(at) == shown
