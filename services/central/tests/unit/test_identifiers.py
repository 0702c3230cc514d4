"""Identifier syntax (PR-REST §4.8, strict) and the registry's other fields."""

from __future__ import annotations

import pytest

from central.domain.errors import InvalidField, InvalidIdentifier
from central.domain.identifiers import (
    MemberId,
    ServerId,
    SubsystemId,
    check_address,
    check_fingerprint,
    check_identifier,
    check_name,
    check_reason,
)


@pytest.mark.parametrize(
    "value",
    ["GOV", "LG-139998", "ss-da", "a.b", "x=y", "q?", "(x)", "a+b,c", "O'Neill", "Z" * 64, "..."],
)
def test_allowed_identifiers(value: str) -> None:
    assert check_identifier(value, "member code") == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "must not be empty"),
        (".", "must not be '.' or '..'"),
        ("..", "must not be '.' or '..'"),
        ("GOV/DA", "only"),
        ("under_score", "only"),
        ("with space", "only"),
        ("per%cent", "only"),
        ("co:lon", "only"),
        ("semi;colon", "only"),
        ("back\\slash", "only"),
        ("zero\u200bwidth", "only"),
        ("\ufeffbom", "only"),
        ("tab\t", "only"),
        ("桜木市", "only"),
        ("Z" * 65, "longer than 64"),
        (None, "must be a string"),
        (42, "must be a string"),
    ],
)
def test_refused_identifiers(value: object, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        check_identifier(value, "member code")
    assert reason in caught.value.reason
    assert "member code" in caught.value.message


def test_identifiers_are_case_sensitive_and_print_with_slashes() -> None:
    assert MemberId("GOV", "DA") != MemberId("gov", "DA")
    subsystem = SubsystemId(MemberId("GOV", "LG-139998"), "residence")
    assert str(subsystem) == "GOV/LG-139998/residence"
    assert SubsystemId.parse("GOV/LG-139998/residence") == subsystem
    assert str(ServerId.parse("GOV/DA/ss-da")) == "GOV/DA/ss-da"
    assert MemberId.parse("GOV/MOJ") == MemberId("GOV", "MOJ")


@pytest.mark.parametrize(
    ("parser", "value"),
    [
        (MemberId.parse, "GOV"),
        (MemberId.parse, "GOV/DA/x"),
        (SubsystemId.parse, "GOV/DA"),
        (SubsystemId.parse, "JP-KIT/GOV/DA/portal"),
        (SubsystemId.parse, "GOV/DA/por tal"),
        (SubsystemId.parse, "GOV%2FDA%2Fportal"),
        (ServerId.parse, "GOV//ss"),
        (SubsystemId.parse, ["GOV", "DA", "portal"]),
    ],
)
def test_refused_composite_identifiers(parser: object, value: object) -> None:
    with pytest.raises(InvalidIdentifier):
        parser(value)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("localhost:8200", "localhost:8200"),
        ("SS-DA.example.jp:443", "ss-da.example.jp:443"),
        ("127.0.0.1:8201", "127.0.0.1:8201"),
        ("[::1]:8200", "[::1]:8200"),
        ("host:08200", "host:8200"),
    ],
)
def test_addresses(value: str, expected: str) -> None:
    assert check_address(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "localhost",
        ":8200",
        "localhost:0",
        "localhost:65536",
        "localhost:port",
        "http://localhost:8200",
        "bad_host:8200",
        "-x:80",
        "[zz::1]:80",
        "host:８２００",
        8200,
        None,
    ],
)
def test_refused_addresses(value: object) -> None:
    with pytest.raises(InvalidField) as caught:
        check_address(value)
    assert caught.value.field == "address"


def test_fingerprints_are_64_hex_digits_kept_lower_case() -> None:
    digits = "AB" * 32
    assert check_fingerprint(digits, "tls_fingerprint") == "ab" * 32
    assert check_fingerprint(":".join(["AB"] * 32), "tls_fingerprint") == "ab" * 32
    for wrong in ["ab" * 31, "zz" * 32, "", 12, "ab" * 33]:
        with pytest.raises(InvalidField):
            check_fingerprint(wrong, "tls_fingerprint")


def test_names_and_reasons() -> None:
    assert check_name("  桜木市 (Sakuragi City) ") == "桜木市 (Sakuragi City)"
    assert check_reason("key compromised") == "key compromised"
    for wrong in ["", "   ", "a\nb", "x\u202ey", "n" * 201, None]:
        with pytest.raises(InvalidField):
            check_name(wrong)
