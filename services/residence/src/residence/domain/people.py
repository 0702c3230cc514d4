"""Facts about the register's people that do not depend on where they are stored."""

from __future__ import annotations

from datetime import date


def shifted(day: date, *, reference_date: date, today: date) -> date:
    """``day`` moved by as many days as the kit clock is past the seed file's reference date,
    so the newborn is always 11 days old whatever the date (the identity provider shifts its
    copy of the same people the same way)."""
    return day + (today - reference_date)
