"""A relying party's freshness rule: "issued within the last 30 days", "3 months", or custom.

Banks and landlords often accept a residence certificate only if it was issued recently. The
verification page applies the rule the relying party chooses; the document itself does not
change.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class RuleKind(StrEnum):
    NONE = "none"
    DAYS_30 = "30-days"
    MONTHS_3 = "3-months"
    CUSTOM = "custom"


@dataclass(frozen=True)
class FreshnessRule:
    kind: RuleKind
    days: int | None = None  # for CUSTOM

    def __post_init__(self) -> None:
        if self.kind is RuleKind.CUSTOM and (self.days is None or not 1 <= self.days <= 3650):
            raise ValueError("a custom rule needs 1 to 3650 days")

    def limit(self, issued_on: date) -> date | None:
        """The last day on which a document issued on ``issued_on`` still counts as fresh."""
        if self.kind is RuleKind.NONE:
            return None
        if self.kind is RuleKind.DAYS_30:
            return issued_on + timedelta(days=30)
        if self.kind is RuleKind.MONTHS_3:
            return add_months(issued_on, 3)
        assert self.days is not None
        return issued_on + timedelta(days=self.days)


@dataclass(frozen=True)
class Freshness:
    age_days: int
    limit: date | None
    fresh: bool | None  # None: no rule


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has none (31 Jan → 30 Apr)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def assess(issued_on: date, today: date, rule: FreshnessRule) -> Freshness:
    limit = rule.limit(issued_on)
    return Freshness(
        age_days=(today - issued_on).days,
        limit=limit,
        fresh=None if limit is None else today <= limit,
    )
