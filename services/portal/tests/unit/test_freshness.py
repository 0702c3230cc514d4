"""A relying party's freshness rule gives the right last day and verdict for every kind of rule.

Proves, table-driven: ``limit()`` for each RuleKind, including month ends and leap years for
"3 months" (31 Jan → 30 Apr, 30 Nov → 28 Feb, 29 Nov 2023 → 29 Feb 2024); ``assess()`` counts
the limit day itself as fresh and the day after as not, reports the age in days (0 on the day of
issue) and has no verdict without a rule; custom rules accept 1 to 3650 days and nothing else.
"""

from datetime import date, timedelta

import pytest

from portal.domain.freshness import FreshnessRule, RuleKind, add_months, assess

NONE = FreshnessRule(RuleKind.NONE)
DAYS_30 = FreshnessRule(RuleKind.DAYS_30)
MONTHS_3 = FreshnessRule(RuleKind.MONTHS_3)


def custom(days: int) -> FreshnessRule:
    return FreshnessRule(RuleKind.CUSTOM, days)


LIMITS = [
    # rule, issued on, last fresh day
    (NONE, date(2026, 1, 31), None),
    (DAYS_30, date(2026, 5, 1), date(2026, 5, 31)),
    (DAYS_30, date(2026, 1, 31), date(2026, 3, 2)),
    (DAYS_30, date(2024, 2, 1), date(2024, 3, 2)),  # through 29 Feb
    (DAYS_30, date(2026, 12, 15), date(2027, 1, 14)),
    (MONTHS_3, date(2026, 5, 20), date(2026, 8, 20)),
    (MONTHS_3, date(2026, 1, 31), date(2026, 4, 30)),
    (MONTHS_3, date(2024, 11, 30), date(2025, 2, 28)),
    (MONTHS_3, date(2023, 11, 29), date(2024, 2, 29)),
    (MONTHS_3, date(2023, 11, 30), date(2024, 2, 29)),
    (MONTHS_3, date(2026, 12, 31), date(2027, 3, 31)),
    (MONTHS_3, date(2026, 10, 1), date(2027, 1, 1)),
    (custom(1), date(2026, 2, 28), date(2026, 3, 1)),
    (custom(1), date(2024, 2, 28), date(2024, 2, 29)),
    (custom(14), date(2026, 12, 25), date(2027, 1, 8)),
    (custom(3650), date(2026, 1, 1), date(2035, 12, 30)),
]


@pytest.mark.parametrize(
    ("rule", "issued_on", "expected"),
    LIMITS,
    ids=[f"{r.kind}{r.days or ''}-{i}" for r, i, _ in LIMITS],
)
def test_limit(rule: FreshnessRule, issued_on: date, expected: date | None) -> None:
    assert rule.limit(issued_on) == expected


WITH_A_LIMIT = [(rule, issued_on, limit) for rule, issued_on, limit in LIMITS if limit]


@pytest.mark.parametrize(
    ("rule", "issued_on", "limit"),
    WITH_A_LIMIT,
    ids=[f"{r.kind}{r.days or ''}-{i}" for r, i, _ in WITH_A_LIMIT],
)
def test_the_limit_day_is_fresh_and_the_day_after_is_not(
    rule: FreshnessRule, issued_on: date, limit: date
) -> None:
    on_the_day = assess(issued_on, limit, rule)
    assert on_the_day.fresh is True
    assert on_the_day.limit == limit
    assert on_the_day.age_days == (limit - issued_on).days

    day_after = assess(issued_on, limit + timedelta(days=1), rule)
    assert day_after.fresh is False
    assert day_after.limit == limit
    assert day_after.age_days == (limit - issued_on).days + 1


@pytest.mark.parametrize(
    "rule", [DAYS_30, MONTHS_3, custom(1), custom(3650)], ids=lambda r: f"{r.kind}{r.days or ''}"
)
def test_a_document_issued_today_is_fresh_and_zero_days_old(rule: FreshnessRule) -> None:
    day = date(2026, 5, 20)
    assert assess(day, day, rule).age_days == 0
    assert assess(day, day, rule).fresh is True


def test_thirty_days_means_age_thirty_is_fresh_and_age_thirty_one_is_not() -> None:
    issued_on = date(2026, 4, 1)
    assert assess(issued_on, issued_on + timedelta(days=30), DAYS_30).fresh is True
    assert assess(issued_on, issued_on + timedelta(days=31), DAYS_30).fresh is False


@pytest.mark.parametrize("age", [0, 1, 400, 10_000])
def test_without_a_rule_there_is_no_limit_and_no_verdict(age: int) -> None:
    issued_on = date(2000, 2, 29)
    assessed = assess(issued_on, issued_on + timedelta(days=age), NONE)
    assert assessed.age_days == age
    assert assessed.limit is None
    assert assessed.fresh is None


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 5, 15), 0, date(2026, 5, 15)),
        (date(2026, 11, 30), 2, date(2027, 1, 30)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize("days", [1, 2, 30, 3649, 3650])
def test_custom_rules_accept_one_to_3650_days(days: int) -> None:
    assert FreshnessRule(RuleKind.CUSTOM, days).days == days


@pytest.mark.parametrize("days", [None, -1, 0, 3651, 100_000])
def test_custom_rules_refuse_other_day_counts(days: int | None) -> None:
    with pytest.raises(ValueError, match="1 to 3650 days"):
        FreshnessRule(RuleKind.CUSTOM, days)


def test_rule_kinds_are_the_values_the_form_and_api_send() -> None:
    assert [kind.value for kind in RuleKind] == ["none", "30-days", "3-months", "custom"]
