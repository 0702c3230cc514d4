"""Facts about people (idp.domain.people): age in Japanese law, My Number check digits, and
what a card accepts as a PIN or signing password. Table-driven, no fixtures."""

from __future__ import annotations

from datetime import date

import pytest

from idp.domain.people import (
    PIN,
    SIGNING_PASSWORD,
    age_on,
    is_valid_my_number,
    may_sign,
    my_number_check_digit,
    synthetic_my_number,
)


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(2000, 4, 2), date(2015, 3, 31), 14),
        (date(2000, 4, 2), date(2015, 4, 1), 15),  # the day before the birthday: 15 in law
        (date(2000, 4, 2), date(2015, 4, 2), 15),
        (date(2000, 4, 1), date(2015, 3, 30), 14),
        (date(2000, 4, 1), date(2015, 3, 31), 15),  # across a month end
        (date(2000, 1, 1), date(2014, 12, 31), 15),  # across a year end
        (date(2000, 1, 1), date(2014, 12, 30), 14),
        (date(2004, 2, 29), date(2019, 2, 27), 14),
        (date(2004, 2, 29), date(2019, 2, 28), 15),  # no 29 Feb: reached on the 28th
        (date(2004, 2, 29), date(2020, 2, 27), 15),
        (date(2004, 2, 29), date(2020, 2, 28), 16),  # leap year: the day before the 29th
        (date(2025, 11, 20), date(2025, 11, 20), 0),
        (date(2025, 11, 20), date(2026, 11, 19), 1),
        (date(1941, 2, 3), date(2025, 12, 1), 84),
    ],
)
def test_age_on_counts_a_birthday_from_the_day_before(born: date, day: date, age: int) -> None:
    """年齢計算ニ関スル法律 and Civil Code art. 143: an age is reached at the end of the day
    before the anniversary, so on that day the person counts as the new age."""
    assert age_on(born, day) == age


@pytest.mark.parametrize(
    ("born", "today", "allowed"),
    [
        (date(2011, 6, 10), date(2026, 6, 8), False),
        (date(2011, 6, 10), date(2026, 6, 9), True),
        (date(2011, 6, 10), date(2026, 6, 10), True),
        (date(2020, 6, 15), date(2026, 6, 15), False),
        (date(1958, 3, 15), date(2026, 6, 15), True),
    ],
)
def test_signing_certificates_start_at_15(born: date, today: date, allowed: bool) -> None:
    assert may_sign(born, today) is allowed


@pytest.mark.parametrize(
    ("first_eleven", "check"),
    [
        ("12345678901", 8),  # 212 mod 11 = 3 -> 8 (the usual worked example)
        ("00000000000", 0),  # remainder 0 -> 0
        ("99900000001", 6),  # 137 mod 11 = 5 -> 6
        ("00000000006", 0),  # remainder 1 -> 0 (6 * 2 = 12 = 11 + 1)
    ],
)
def test_the_my_number_check_digit(first_eleven: str, check: int) -> None:
    """Weights 6 5 4 3 2 7 6 5 4 3 2; 11 minus the remainder mod 11, or 0 if it is 0 or 1."""
    assert my_number_check_digit(first_eleven) == check
    assert is_valid_my_number(first_eleven + str(check))


@pytest.mark.parametrize(
    "bad", ["", "1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"]
)
def test_the_check_digit_needs_eleven_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="11 digits"):
        my_number_check_digit(bad)


@pytest.mark.parametrize(
    "number",
    ["123456789019", "12345678901", "1234567890188", "12345678901a", "", "123456789018\n"],
)
def test_invalid_my_numbers(number: str) -> None:
    assert not is_valid_my_number(number)


def test_synthetic_my_numbers_are_valid_distinct_and_marked_fictional() -> None:
    numbers = [synthetic_my_number(i) for i in range(1, 22)]
    assert len(set(numbers)) == 21
    for number in numbers:
        assert len(number) == 12
        assert number.startswith("9990")
        assert is_valid_my_number(number)
    assert synthetic_my_number(1) == "999000000016"
    assert synthetic_my_number(21).startswith("99900000021")


@pytest.mark.parametrize(
    ("pin", "ok"),
    [("1234", True), ("0000", True), ("123", False), ("12345", False), ("12a4", False),
     ("1234\n", False), ("１２３４", False), (" 1234", False)],
)  # fmt: skip
def test_a_pin_is_exactly_four_ascii_digits(pin: str, ok: bool) -> None:
    assert bool(PIN.match(pin)) is ok


@pytest.mark.parametrize(
    ("password", "ok"),
    [("Sakura2025", True), ("abcdef", True), ("A" * 16, True), ("abcde", False),
     ("A" * 17, False), ("Sakura 2025", False), ("Sakura2025\n", False), ("さくら2025ab", False)],
)  # fmt: skip
def test_a_signing_password_is_6_to_16_letters_and_digits(password: str, ok: bool) -> None:
    assert bool(SIGNING_PASSWORD.match(password)) is ok
