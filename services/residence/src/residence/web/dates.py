"""Dates on residence's pages. Typed in three boxes, in the order of the page's language: 年 月
日 in Japanese, day month year in English, each box labelled, and examples written in the same
order (the hint and the error message of a field always agree with its boxes). Instants (kept
in UTC) are shown in Japan time, the city's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from govkit.clock import JST
from govkit.i18n import current_language, format_instant

PARTS = ("day", "month", "year")
LABELS = {"day": _l("Day"), "month": _l("Month"), "year": _l("Year")}


def order() -> tuple[str, ...]:
    """The boxes in the page's language's order."""
    return ("year", "month", "day") if current_language() == "ja" else PARTS


def date_items(
    prefix: str, values: Mapping[str, str], *, error: bool = False
) -> list[dict[str, Any]]:
    """The items of a GOV.UK date input named ``prefix-day`` … (``values``: the form as sent,
    by field name), in the page's order, labelled, marked when the field has an error."""
    marked = " govuk-input--error" if error else ""
    return [
        {
            "name": part,
            "label": str(LABELS[part]),
            "value": values.get(f"{prefix}-{part}", ""),
            "classes": ("govuk-input--width-4" if part == "year" else "govuk-input--width-2")
            + marked,
        }
        for part in order()
    ]


def date_example(day: date) -> str:
    """``day`` as it is typed into the boxes: ``1979 6 18`` in Japanese, ``18 6 1979`` in
    English."""
    parts = {"day": day.day, "month": day.month, "year": day.year}
    return " ".join(str(parts[part]) for part in order())


def in_japan(at: datetime) -> datetime:
    """An instant in Japan time (a naive value, as SQLite gives them back, is UTC)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(JST)


def japan_time(at: datetime) -> str:
    """When it happened, in Japan time, the kit's way (``2026年11月25日 14:27``)."""
    return format_instant(in_japan(at))
