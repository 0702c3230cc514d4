"""The fee for residence certificates, as a dated rule.

Each municipality sets the fee by its own ordinance (手数料条例, under 地方自治法 §228 ①); the
cities consulted charge ¥300 a copy at the counter (Akabira, Tochigi, Nishiwaki, Narita,
Nanto; domain.md §1.1). Sakuragi's (fictional) ordinance has charged ¥300 since 2000-04-01
(a date the kit chose: the day the 地方分権一括法 took effect). A later change
is a new :class:`FeeRule` with the day it takes effect, so a request is charged by the rule in
force on the day it is made; a deployment may override the amount (the residence settings'
``certificate_fee_yen``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FeeRule:
    """From ``effective_from`` on, each copy costs ``per_copy_yen``."""

    effective_from: date
    per_copy_yen: int


#: The city's fee rules, oldest first.
FEES: tuple[FeeRule, ...] = (FeeRule(date(2000, 4, 1), 300),)


def rule_on(today: date, rules: Sequence[FeeRule] = FEES) -> FeeRule:
    """The rule in force on ``today``: the latest that has taken effect."""
    in_force = [rule for rule in rules if rule.effective_from <= today]
    if not in_force:
        raise ValueError(f"no certificate fee is in force on {today.isoformat()}")
    return max(in_force, key=lambda rule: rule.effective_from)


def per_copy_fee(today: date, per_copy_override: int | None = None) -> int:
    """What one copy costs on ``today``: the override when a deployment sets one."""
    if per_copy_override is not None:
        if per_copy_override < 0:
            raise ValueError("a fee cannot be negative")
        return per_copy_override
    return rule_on(today).per_copy_yen


def fee_for(copies: int, today: date, per_copy_override: int | None = None) -> int:
    """The fee in yen for ``copies`` copies (at least one) asked for on ``today``."""
    if copies < 1:
        raise ValueError("at least one copy")
    return copies * per_copy_fee(today, per_copy_override)
