"""Calls about one resident arriving at once still make one unbroken chain: no seq is taken
twice and none is skipped (PostgreSQL: the resident's row lock; SQLite: one writer at a time
and a retry when two requests read the same last event)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from residence.domain.chain import first_break

THREADS = 8
CALLS = 5


def test_concurrent_calls_about_one_resident_append_in_turn(app, exchange, kit) -> None:
    resident = kit.xid("H1-1")

    def calls(_worker: int) -> list[int]:
        client = app.test_client()
        statuses = []
        for _ in range(CALLS):
            answer = client.get(
                f"/exchange/basic-four/residents/{resident}", headers=exchange.headers()
            )
            statuses.append(answer.status_code)
        return statuses

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = [status for result in pool.map(calls, range(THREADS)) for status in result]
    assert statuses == [200] * THREADS * CALLS
    events = exchange.events(resident)
    assert [e["seq"] for e in events] == list(range(1, THREADS * CALLS + 1))
    assert first_break(events) is None
