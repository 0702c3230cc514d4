"""The kit clock: one "today" for every service, so seed data and rules agree.

``KIT_TODAY`` (or a service's own ``<PREFIX>TODAY``) pins the date; otherwise it is the real
date in Japan. Domain rules never call this: they take ``today`` as an argument, and the
use-case layer passes ``today(settings)`` in.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from govkit.config import ServiceSettings

JST = ZoneInfo("Asia/Tokyo")


def now_jst() -> datetime:
    """The current instant, as an aware datetime in Japan Standard Time."""
    return datetime.now(JST)


def today(settings: ServiceSettings) -> date:
    """The kit's date: the pinned ``today`` setting, or the real date in Japan."""
    return settings.today if settings.today is not None else now_jst().date()


def seed_date(day: date, *, reference_date: date, today: date) -> date:
    """A seed file's ``day`` moved by as many days as ``today`` is past the file's
    ``reference_date``, so seed people keep their ages whatever the kit clock says (the newborn
    is always 11 days old; DESIGN.md §7)."""
    return day + (today - reference_date)
