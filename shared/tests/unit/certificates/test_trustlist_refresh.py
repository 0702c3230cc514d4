"""When a document's seal key is unknown, the trust list is fetched again — but not on demand
by anyone: only for documents sealed after the cached list was made (fetches then spaced by
half a second, a request arriving sooner waiting for its turn), or every few seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govkit.certificates import trustlist
from govkit.certificates.trustlist import TrustList, TrustListStore


class CountingStore(TrustListStore):
    def __init__(self, folder: Path, issued_at: datetime) -> None:
        super().__init__(folder, "http://trust.invalid")
        self.fetches = 0
        self.issued_at = issued_at

    def refresh(self) -> TrustList:
        self.fetches += 1
        fake = TrustList(
            token="", root=None, issued_at=self.issued_at, next_update=self.issued_at,  # type: ignore[arg-type]
            sequence=self.fetches, authorities={}, timestamping=(), issuers=(),
        )  # fmt: skip
        self._cached = fake
        self._fetched_at = time.monotonic()
        return fake


@pytest.fixture
def store(tmp_path: Path) -> CountingStore:
    made = datetime(2026, 11, 21, 6, 0, 0, 500000, tzinfo=UTC)
    counting = CountingStore(tmp_path, made)
    counting.current()
    assert counting.fetches == 1
    return counting


def test_a_document_sealed_after_the_list_was_made_gets_a_fresh_list(store: CountingStore) -> None:
    later = store.issued_at + timedelta(seconds=10)
    store._fetched_at -= 1  # the list is a second old
    assert store.refreshed(later) is not None
    assert store.fetches == 2


def test_the_same_second_counts_as_after(store: CountingStore) -> None:
    # Timestamps are whole seconds: 06:00:00 may be later than 06:00:00.5.
    same_second = store.issued_at.replace(microsecond=0)
    store._fetched_at -= 1
    assert store.refreshed(same_second) is not None


def test_a_new_document_right_after_a_fetch_waits_for_its_turn_then_fetches(
    store: CountingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seal rotated moments after an earlier fetch: the document is not called untrusted."""
    waits: list[float] = []
    monkeypatch.setattr(trustlist.time, "sleep", waits.append)
    later = store.issued_at + timedelta(seconds=10)
    assert store.refreshed(later) is not None  # the list was fetched a moment ago
    assert store.fetches == 2
    assert len(waits) == 1
    assert 0 < waits[0] <= trustlist.NEWER_SPACING


def test_a_fetch_made_by_another_request_while_waiting_is_used(
    store: CountingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def another_request_fetches(seconds: float) -> None:
        store.refresh()

    monkeypatch.setattr(trustlist.time, "sleep", another_request_fetches)
    fresher = store.refreshed(store.issued_at + timedelta(seconds=10))
    assert fresher is not None
    assert fresher.sequence == 2
    assert store.fetches == 2  # not fetched a third time


def test_older_documents_and_qr_texts_are_rate_limited(store: CountingStore) -> None:
    earlier = store.issued_at - timedelta(hours=1)
    assert store.refreshed(earlier) is None
    assert store.refreshed(None) is None
    store._fetched_at -= 10
    assert store.refreshed(None) is not None
    assert store.fetches == 2


def test_no_trust_service_means_no_refresh(tmp_path: Path) -> None:
    offline = TrustListStore(tmp_path, None)
    assert offline.refreshed(datetime.now(UTC)) is None
