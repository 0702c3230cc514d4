"""The kit clock."""

from __future__ import annotations

from datetime import date

from govkit.clock import seed_date


def test_seed_dates_move_with_the_kit_clock() -> None:
    reference = date(2025, 12, 1)
    newborn = date(2025, 11, 20)
    assert seed_date(newborn, reference_date=reference, today=reference) == newborn
    today = date(2026, 11, 25)
    assert (today - seed_date(newborn, reference_date=reference, today=today)).days == 11
