"""Facts about people the provider needs: age (the Japanese rule), My Number check digits,
and which secrets a card accepts."""

from __future__ import annotations

import re
from datetime import date, timedelta

SIGNING_MINIMUM_AGE = 15
#: ``\Z``, not ``$``: ``$`` also matches before a trailing newline, so "1234\n" would pass.
PIN = re.compile(r"^[0-9]{4}\Z")
#: JPKI signing password: 6 to 16 letters and digits.
SIGNING_PASSWORD = re.compile(r"^[A-Za-z0-9]{6,16}\Z")
PIN_ATTEMPTS = 3
SIGNING_ATTEMPTS = 5


def age_on(birthdate: date, day: date) -> int:
    """Age in law: a birthday is reached the day before its anniversary (年齢計算ニ関スル法律)."""
    before = day + timedelta(days=1)
    years = before.year - birthdate.year
    if (before.month, before.day) < (birthdate.month, birthdate.day):
        years -= 1
    return years


def may_sign(birthdate: date, today: date) -> bool:
    """JPKI issues signing certificates only from 15."""
    return age_on(birthdate, today) >= SIGNING_MINIMUM_AGE


def my_number_check_digit(first_eleven: str) -> int:
    """The 12th digit of a My Number (weights 6,5,4,3,2,7,6,5,4,3,2 over the first 11)."""
    if not re.fullmatch(r"[0-9]{11}", first_eleven):
        raise ValueError("a My Number starts with 11 digits")
    weights = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first_eleven, weights, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(number: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{12}", number)) and (
        my_number_check_digit(number[:11]) == int(number[11])
    )


def synthetic_my_number(index: int) -> str:
    """The kit's fictional My Numbers: ``9990`` + 7 digits + the check digit."""
    base = f"9990{index:07d}"
    return base + str(my_number_check_digit(base))
