"""``GET /exchange/data-usage/residents/<exchange_id>/events``: the resident's data-usage log,
oldest first, with the hash chain the portal re-computes (SQLite, then PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import select

from govkit.db import get_database
from residence.domain.chain import first_break
from residence.models import DataUsageEvent

EVENT_KEYS = {
    "seq", "at", "client", "service", "items", "purpose", "legal_basis", "outcome", "refusal",
    "x_road_id", "issue", "prev_hash", "hash",
}  # fmt: skip


def _recompute(events: list[dict[str, Any]]) -> str:
    """The chain as the contract defines it, written out again here: the head it ends at."""
    previous = "0" * 64
    for event in events:
        assert event["prev_hash"] == previous
        body = {k: v for k, v in event.items() if k not in ("hash", "prev_hash")}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        computed = hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()
        assert event["hash"] == computed
        previous = computed
    return previous


def test_a_resident_without_calls_and_someone_unknown_look_the_same(exchange, kit) -> None:
    for resident in (kit.xid("H2-1"), kit.xid("X-1"), "nobody", "bad.id", "z" * 200):
        answer = exchange.data_usage(resident)
        assert answer.status_code == 200
        assert answer.mimetype == "application/json"
        assert answer.get_json() == {"resident": resident, "events": [], "head": "0" * 64}


def test_the_log_lists_every_call_oldest_first_and_verifies(exchange, consents, kit) -> None:
    resident = kit.xid("H1-1")
    consents.add(id="C-1")
    consents.add(id="C-2", status="refused", refused_at="2026-11-24T09:00:00Z")
    exchange.basic_four(resident, basis="consent:C-1", purpose="本人確認のため", issue="R-1")
    exchange.basic_four(resident, basis="consent:C-2")
    exchange.basic_four(resident, client=kit.PENSION, purpose=None)
    exchange.basic_four(kit.xid("H1-2"))  # someone else's log

    body = exchange.data_usage(resident).get_json()
    events = body["events"]
    assert body["resident"] == resident
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert all(set(e) == EVENT_KEYS for e in events)
    first, second, third = events
    assert first == {
        **first,
        "client": kit.PORTAL,
        "service": "JP-KIT/GOV/LG-139998/residence/basic-four",
        "items": ["name", "name_kana", "birthdate", "gender", "address"],
        "purpose": "本人確認のため",
        "legal_basis": "consent:C-1",
        "outcome": "served",
        "refusal": None,
        "issue": "R-1",
        "prev_hash": "0" * 64,
    }
    assert first["at"].endswith("Z")
    assert len(first["at"]) == len("2026-11-25T01:02:03Z")
    assert first["x_road_id"]
    assert (second["outcome"], second["refusal"]) == ("refused", "consent-refused")
    assert (third["client"], third["legal_basis"], third["purpose"]) == (
        kit.PENSION,
        kit.LAW,
        None,
    )
    assert first_break(events) is None
    assert _recompute(events) == body["head"] == third["hash"]


def test_a_changed_event_breaks_the_chain(app, exchange, kit) -> None:
    resident = kit.xid("H1-1")
    for _ in range(3):
        exchange.basic_four(resident)
    with get_database(app).transaction() as session:
        row = session.exec(select(DataUsageEvent).where(DataUsageEvent.seq == 2)).one()
        row.purpose = "nothing to see here"
        session.add(row)
    events = exchange.events(resident)
    assert first_break(events) == 1
    assert events[1]["purpose"] == "nothing to see here"


def test_a_removed_event_breaks_the_chain(app, exchange, kit) -> None:
    resident = kit.xid("H1-1")
    for _ in range(3):
        exchange.basic_four(resident)
    with get_database(app).transaction() as session:
        row = session.exec(select(DataUsageEvent).where(DataUsageEvent.seq == 2)).one()
        session.delete(row)
    assert first_break(exchange.events(resident)) == 1


def test_reading_the_log_is_not_itself_recorded(exchange, kit) -> None:
    resident = kit.xid("H1-1")
    exchange.basic_four(resident)
    exchange.data_usage(resident)
    assert len(exchange.events(resident)) == 1


def test_the_log_is_only_served_to_exchange_calls(exchange, kit) -> None:
    answer = exchange.data_usage(kit.xid("H1-1"), client=None)
    body = kit.problem(answer, 400, "invalid-exchange-call")
    assert body["header"] == "X-Road-Client"


def test_no_legal_basis_is_needed_to_read_the_log(exchange, kit) -> None:
    assert exchange.data_usage(kit.xid("H1-1"), basis=None).status_code == 200
