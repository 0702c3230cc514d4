"""Japanese era dates: every era boundary lands in the right era, the first year reads 元年, and
dates before the Gregorian calendar (1873) are refused rather than given a wrong era."""

from datetime import date

import pytest

from govkit.certificates.wareki import both, wareki, wareki_en

CASES = [
    # (day, 和暦, English)
    (date(2025, 12, 1), "令和7年12月1日", "Reiwa 7 (2025)"),
    (date(2019, 5, 1), "令和元年5月1日", "Reiwa 1 (2019)"),
    (date(2019, 4, 30), "平成31年4月30日", "Heisei 31 (2019)"),
    (date(1989, 1, 8), "平成元年1月8日", "Heisei 1 (1989)"),
    (date(1989, 1, 7), "昭和64年1月7日", "Shōwa 64 (1989)"),
    (date(1926, 12, 25), "昭和元年12月25日", "Shōwa 1 (1926)"),
    (date(1926, 12, 24), "大正15年12月24日", "Taishō 15 (1926)"),
    (date(1912, 7, 30), "大正元年7月30日", "Taishō 1 (1912)"),
    (date(1912, 7, 29), "明治45年7月29日", "Meiji 45 (1912)"),
    (date(1873, 1, 1), "明治6年1月1日", "Meiji 6 (1873)"),
    (date(2000, 2, 29), "平成12年2月29日", "Heisei 12 (2000)"),
]


@pytest.mark.parametrize(
    ("day", "japanese", "english"), CASES, ids=[c[0].isoformat() for c in CASES]
)
def test_era_dates(day: date, japanese: str, english: str) -> None:
    assert wareki(day) == japanese
    assert wareki_en(day) == english


@pytest.mark.parametrize(
    ("day", "japanese", "_english"), CASES, ids=[c[0].isoformat() for c in CASES]
)
def test_both_prints_the_era_date_then_iso_in_full_width_brackets(
    day: date, japanese: str, _english: str
) -> None:
    assert both(day) == f"{japanese}（{day.isoformat()}）"


def test_both_for_a_known_day() -> None:
    assert both(date(2025, 12, 1)) == "令和7年12月1日（2025-12-01）"


@pytest.mark.parametrize("day", [date(1872, 12, 31), date(1868, 10, 23), date(1, 1, 1)])
@pytest.mark.parametrize("function", [wareki, wareki_en, both])
def test_dates_before_the_gregorian_calendar_are_refused(day: date, function) -> None:
    with pytest.raises(ValueError, match="Gregorian"):
        function(day)
