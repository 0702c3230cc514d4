"""Check digits and formats of My Numbers, postal codes and local-government codes."""

from __future__ import annotations

import pytest

from residence.domain.identifiers import (
    lg_code_valid,
    mask_my_number,
    my_number_check_digit,
    my_number_problem,
    normalise_digits,
    normalise_postal_code,
    postal_code_problem,
)

KNOWN = {
    "000-0101": "桜木市",
    "000-0102": "桜木市",
    "000-0103": "桜木市",
    "000-0201": "梅園市",
}


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("999000000016", "999000000016"),
        ("９９９０００００００１６", "999000000016"),
        ("9990 0000 0016", "999000000016"),
        ("9990-0000-0016", "999000000016"),
        ("９９９０－００００－００１６", "999000000016"),
        ("9990\u30000000\u30000016", "999000000016"),
        ("000−0101", "0000101"),
        ("000ー0101", "0000101"),
        ("000ｰ0101", "0000101"),
        ("abc", "abc"),
        ("", ""),
    ],
)
def test_normalise_digits(text: str, digits: str) -> None:
    assert normalise_digits(text) == digits


# -- My Number ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "123456789018",
        "999000000016",
        "999000000024",
        "999000000130",
        "999000000245",
        "９９９０００００００１６",
        " 9990 0000 0016 ",
        "9990-0000-0016",
    ],
)
def test_valid_my_numbers(number: str) -> None:
    assert my_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("123456789012", "check_digit"),
        ("999000000017", "check_digit"),
        ("９９９０００００００１７", "check_digit"),
        ("99900000001", "length"),
        ("9990000000160", "length"),
        ("", "empty"),
        ("   ", "empty"),
        ("- -", "empty"),
        ("99900000001a", "not_digits"),
        ("ABCDEFGHIJKL", "not_digits"),
        ("abc", "not_digits"),
        ("٩٩٩٠٠٠٠٠٠٠١٦", "not_digits"),
    ],
)
def test_invalid_my_numbers(number: str, problem: str) -> None:
    assert my_number_problem(number) == problem


def test_the_check_digit_follows_the_statutory_weights() -> None:
    # weights 6,5,4,3,2,7,6,5,4,3,2 over 12345678901: 6+10+12+12+10+42+42+40+36+0+2 = 212;
    # 212 mod 11 = 3, so the check digit is 11 - 3 = 8.
    assert my_number_check_digit("12345678901") == 8
    assert my_number_check_digit("99900000001") == 6


@pytest.mark.parametrize(
    ("first11", "check"),
    [
        ("00000000000", 0),  # remainder 0 → 0
        ("00000000006", 0),  # 6 x 2 = 12, remainder 1 → 0
        ("00000000001", 9),  # 1 x 2 = 2, remainder 2 → 9
        ("10000000000", 5),  # 1 x 6 = 6, remainder 6 → 5
    ],
)
def test_the_check_digit_is_zero_for_remainders_zero_and_one(first11: str, check: int) -> None:
    assert my_number_check_digit(first11) == check


@pytest.mark.parametrize(
    "first11", ["1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"]
)
def test_the_check_digit_needs_eleven_ascii_digits(first11: str) -> None:
    with pytest.raises(ValueError, match="11 ASCII digits"):
        my_number_check_digit(first11)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("999000000016", "****-****-0016"),
        ("９９９０００００００１６", "****-****-0016"),
        ("9990-0000-0016", "****-****-0016"),
        ("99900000001", "****-****-****"),
        ("99900000001x", "****-****-****"),
        ("", "****-****-****"),
    ],
)
def test_mask_my_number(number: str, masked: str) -> None:
    assert mask_my_number(number) == masked


# -- postal codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("000-0101", "000-0101"),
        ("0000101", "000-0101"),
        ("０００−０１０１", "000-0101"),
        ("０００－０１０１", "000-0101"),
        ("000ー0101", "000-0101"),
        (" 000 - 0101 ", "000-0101"),
    ],
)
def test_normalise_postal_code(text: str, code: str) -> None:
    assert normalise_postal_code(text) == code


@pytest.mark.parametrize("text", ["0000-123", "000-012", "00-00101", "000--0101", "abc-defg", ""])
def test_normalise_postal_code_refuses_other_formats(text: str) -> None:
    with pytest.raises(ValueError, match="NNN-NNNN"):
        normalise_postal_code(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("000-0101", None),
        ("000-0103", None),
        ("０００−０１０１", None),
        ("0000102", None),
        ("0000-123", "format"),
        ("000-012", "format"),
        ("000-01011", "format"),
        ("000-01a1", "format"),
        ("〒000-0101", "format"),
        ("", "format"),
        ("000-0199", "unknown"),
        ("100-0001", "unknown"),
        ("000-0201", "outside"),
        ("０００−０２０１", "outside"),
    ],
)
def test_postal_code_problem(text: str, problem: str | None) -> None:
    assert postal_code_problem(text, known=KNOWN, municipality="桜木市") == problem


def test_a_postal_code_is_judged_against_the_municipality_given() -> None:
    assert postal_code_problem("000-0201", known=KNOWN, municipality="梅園市") is None
    assert postal_code_problem("000-0101", known=KNOWN, municipality="梅園市") == "outside"


# -- local-government codes --------------------------------------------------------------------


@pytest.mark.parametrize("code", ["139998", "131016", "131041", "141003", "011002"])
def test_valid_lg_codes(code: str) -> None:
    assert lg_code_valid(code)


@pytest.mark.parametrize(
    "code",
    ["139997", "131017", "141004", "011001", "13999", "1399980", "", "13999x", "１３９９９８"],
)
def test_invalid_lg_codes(code: str) -> None:
    assert not lg_code_valid(code)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("200000", True),  # 2 x 6 = 12, remainder 1: 11 - 1 = 10, last digit 0
        ("200001", False),
        ("000001", True),  # remainder 0: 11, last digit 1
        ("000000", False),
    ],
)
def test_the_lg_check_digit_is_the_last_digit_of_eleven_minus_the_remainder(
    code: str, valid: bool
) -> None:
    assert lg_code_valid(code) is valid
