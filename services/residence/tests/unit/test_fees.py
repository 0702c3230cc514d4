"""The certificate fee: a dated rule, per copy, with a deployment's override."""

from __future__ import annotations

from datetime import date

import pytest

from residence.domain.fees import FEES, FeeRule, fee_for, per_copy_fee, rule_on

TODAY = date(2026, 11, 25)
RULES = (FeeRule(date(2000, 4, 1), 300), FeeRule(date(2027, 4, 1), 350))


def test_the_city_charges_300_yen_a_copy() -> None:
    assert rule_on(TODAY) == FeeRule(date(2000, 4, 1), 300)
    assert rule_on(TODAY, FEES) is FEES[-1]
    assert per_copy_fee(TODAY) == 300


@pytest.mark.parametrize(("copies", "fee"), [(1, 300), (2, 600), (5, 1500)])
def test_fee_for_copies(copies: int, fee: int) -> None:
    assert fee_for(copies, TODAY) == fee


@pytest.mark.parametrize(
    ("override", "fee"),
    [(200, 600), (0, 0), (None, 900)],
)
def test_a_deployment_may_override_the_fee(override: int | None, fee: int) -> None:
    assert fee_for(3, TODAY, override) == fee


@pytest.mark.parametrize("copies", [0, -1])
def test_at_least_one_copy(copies: int) -> None:
    with pytest.raises(ValueError, match="at least one copy"):
        fee_for(copies, TODAY)


def test_a_negative_override_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        fee_for(1, TODAY, -100)


@pytest.mark.parametrize(
    ("day", "per_copy"),
    [
        (date(2000, 4, 1), 300),
        (date(2027, 3, 31), 300),
        (date(2027, 4, 1), 350),
        (date(2030, 1, 1), 350),
    ],
)
def test_the_rule_in_force_is_the_latest_that_took_effect(day: date, per_copy: int) -> None:
    assert rule_on(day, RULES).per_copy_yen == per_copy
    assert rule_on(day, tuple(reversed(RULES))).per_copy_yen == per_copy


def test_no_fee_before_the_first_rule() -> None:
    with pytest.raises(ValueError, match="no certificate fee is in force on 2000-03-31"):
        fee_for(1, date(2000, 3, 31))
