"""Japanese era dates (和暦) beside ISO 8601, for labels on official documents.

Pure functions. Era boundaries: Meiji from 1868-10-23 (the Gregorian calendar from 1873-01-01,
Meiji 6), Taishō 1912-07-30, Shōwa 1926-12-25, Heisei 1989-01-08, Reiwa 2019-05-01. The first
year of an era is written 元年 ("first year").
"""

from __future__ import annotations

from datetime import date

ERAS: tuple[tuple[date, str, str], ...] = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Shōwa"),
    (date(1912, 7, 30), "大正", "Taishō"),
    (date(1873, 1, 1), "明治", "Meiji"),
)
_MEIJI_START_YEAR = 1868


def _era(day: date) -> tuple[str, str, int]:
    for start, name, romaji in ERAS:
        if day >= start:
            first_year = _MEIJI_START_YEAR if name == "明治" else start.year
            return name, romaji, day.year - first_year + 1
    raise ValueError(f"{day.isoformat()} is before the Gregorian calendar was adopted in Japan")


def wareki(day: date) -> str:
    """``令和7年12月1日``; the first year of an era is ``元年``."""
    name, _romaji, year = _era(day)
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年{day.month}月{day.day}日"


def wareki_en(day: date) -> str:
    """``Reiwa 7 (2025)``: the era year in English with the Gregorian year."""
    _name, romaji, year = _era(day)
    return f"{romaji} {year} ({day.year})"


def both(day: date) -> str:
    """``令和7年12月1日（2025-12-01）``: the form printed on kit documents."""
    return f"{wareki(day)}（{day.isoformat()}）"
