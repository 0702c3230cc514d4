"""Check digits and formats of the numbers a residence-certificate request carries.

People type these numbers by hand, often with a Japanese input method: full-width digits
(``９９９０``), spaces, and any of the dash-like characters (``-``, ``－``, ``−``, ``ー``) between
groups. Each check first normalises with Unicode NFKC (full-width → ASCII) and drops those
separators, then judges the digits (../shared/reference/domain.md §0.4):

* **My Number (個人番号)**, 12 digits, the last a check digit (番号法施行令 §8; the formula of
  domain.md §0.4, as implemented by hsaito/python-mynumber): weights ``6,5,4,3,2,7,6,5,4,3,2``
  over the first eleven digits, ``r = Σ mod 11``, check digit ``0`` when ``r ≤ 1`` else
  ``11 − r``. ``123456789018`` and the kit's ``999000000016`` are valid; ``123456789012`` and
  ``999000000017`` are not.
* **Postal code**, 7 digits written ``NNN-NNNN``. One code can span several towns (498-0000
  covers parts of Mie and Aichi), so a code never proves an address: it is checked against a
  lookup table (Japan Post's KEN_ALL in real life, the kit's synthetic 000-01xx table here)
  and against the municipality.
* **Local-government code (全国地方公共団体コード)**, 5 digits and a check digit: weights
  ``6,5,4,3,2``, check digit = last digit of ``11 − (Σ mod 11)`` (Chiyoda ``131016``,
  Shinjuku ``131041``, Yokohama ``141003``, Sapporo ``011002``, Sakuragi ``139998``).

A problem is reported as a short code (``None`` when the value is fine), for the journey to
turn into a message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

#: Characters people put between digit groups (after NFKC, which already turns the
#: full-width hyphen-minus ``－`` into ``-``): hyphens, dashes, the minus sign, and the long
#: vowel mark ``ー`` a Japanese input method often produces instead of a hyphen.
DASHES = frozenset("-‐‑‒–—―−ー")
MY_NUMBER_LENGTH = 12
_MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_LG_CODE_WEIGHTS = (6, 5, 4, 3, 2)


def normalise_digits(text: str) -> str:
    """``text`` in NFKC (full-width digits become ASCII) without spaces or dashes:
    ``'９９９０ ００００-００１６'`` → ``'999000000016'``. Other characters are kept, so a
    letter still shows as one."""
    return "".join(char for char in unicodedata.normalize("NFKC", text) if not _is_separator(char))


def _is_separator(char: str) -> bool:
    return char.isspace() or char in DASHES


def _ascii_digits(text: str) -> bool:
    """Only ``0``–``9`` (``str.isdigit`` also accepts ``²`` or Arabic-Indic digits)."""
    return text.isascii() and text.isdigit()


def _weighted_sum(digits: str, weights: Sequence[int]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True))


# -- My Number ---------------------------------------------------------------------------------


def my_number_check_digit(first11: str) -> int:
    """The check digit of a My Number whose first eleven digits are ``first11`` (ASCII)."""
    if len(first11) != MY_NUMBER_LENGTH - 1 or not _ascii_digits(first11):
        raise ValueError("a My Number's check digit is computed from 11 ASCII digits")
    remainder = _weighted_sum(first11, _MY_NUMBER_WEIGHTS) % 11
    return 0 if remainder <= 1 else 11 - remainder


def my_number_problem(text: str) -> str | None:
    """``None`` when ``text`` is a valid My Number (after :func:`normalise_digits`), else
    ``"empty"``, ``"not_digits"`` (anything but digits), ``"length"`` (not 12 digits) or
    ``"check_digit"`` (the twelfth digit does not match the first eleven)."""
    digits = normalise_digits(text)
    if not digits:
        return "empty"
    if not _ascii_digits(digits):
        return "not_digits"
    if len(digits) != MY_NUMBER_LENGTH:
        return "length"
    if my_number_check_digit(digits[:-1]) != int(digits[-1]):
        return "check_digit"
    return None


def mask_my_number(number: str) -> str:
    """How a My Number is shown anywhere but on the certificate: its last four digits only,
    ``****-****-0016``. Anything that is not 12 digits is masked entirely, so a mistyped
    number never leaks either."""
    digits = normalise_digits(number)
    if len(digits) != MY_NUMBER_LENGTH or not _ascii_digits(digits):
        return "****-****-****"
    return f"****-****-{digits[-4:]}"


# -- postal codes ------------------------------------------------------------------------------


def _postal_digits(text: str) -> str | None:
    """The 7 digits of ``NNNNNNN`` or ``NNN-NNNN`` (any dash, full-width allowed), else
    ``None``: a dash anywhere else (``0000-123``) is a wrong format, not a separator to drop."""
    compact = "".join(
        "-" if char in DASHES else char
        for char in unicodedata.normalize("NFKC", text)
        if not char.isspace()
    )
    if len(compact) == 8 and compact[3] == "-":
        compact = compact[:3] + compact[4:]
    return compact if len(compact) == 7 and _ascii_digits(compact) else None


def normalise_postal_code(text: str) -> str:
    """``text`` written ``NNN-NNNN`` (``'０００−０１０１'`` and ``'0000101'`` → ``'000-0101'``);
    :class:`ValueError` if it is not a postal code's format."""
    digits = _postal_digits(text)
    if digits is None:
        raise ValueError("a postal code is 7 digits, written NNN-NNNN")
    return f"{digits[:3]}-{digits[3:]}"


def postal_code_problem(text: str, *, known: Mapping[str, str], municipality: str) -> str | None:
    """``None`` when ``text`` is a postal code of ``municipality``, else ``"format"`` (not
    7 digits as ``NNNNNNN`` or ``NNN-NNNN``), ``"unknown"`` (not in ``known``, the lookup
    table from ``NNN-NNNN`` to the municipality's name) or ``"outside"`` (a code of another
    municipality)."""
    if _postal_digits(text) is None:
        return "format"
    owner = known.get(normalise_postal_code(text))
    if owner is None:
        return "unknown"
    return None if owner == municipality else "outside"


# -- local-government codes --------------------------------------------------------------------


def lg_code_valid(code: str) -> bool:
    """Whether ``code`` is six ASCII digits whose last is the check digit of the first five
    (全国地方公共団体コード; ``139998`` is Sakuragi's)."""
    if len(code) != 6 or not _ascii_digits(code):
        return False
    return (11 - _weighted_sum(code[:5], _LG_CODE_WEIGHTS) % 11) % 10 == int(code[5])
