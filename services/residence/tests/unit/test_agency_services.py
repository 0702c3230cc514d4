"""The rules of the register's agency services: on which basis an address check is answered,
when a person has moved since a certificate was issued, and what a query number may be."""

from __future__ import annotations

from datetime import date

import pytest

from residence.domain.agency_services import (
    AddressCheck,
    AddressCheckBasis,
    AddressNow,
    BasisRefusal,
    BasisRefused,
    address_check,
    address_check_basis,
    parse_count,
    recorded_purpose,
    require_statute,
)

PORTAL = "JP-KIT/GOV/DA/portal"
PENSION = "JP-KIT/GOV/JPS/pension"
BANK = "JP-KIT/COM/1234567890123/bank"
LAW = "law:住民基本台帳法第30条の11"
HOME = "桜木市中央一丁目2番3号"


@pytest.mark.parametrize(
    ("client", "basis", "on_behalf_of", "expected"),
    [
        (PENSION, LAW, None, AddressCheckBasis("statute")),
        (PENSION, "consent:C-1", None, AddressCheckBasis("consent")),
        (PENSION, LAW, BANK, AddressCheckBasis("statute")),  # ignored from anyone but the portal
        (PORTAL, "consent:C-1", None, AddressCheckBasis("consent")),
        (PORTAL, LAW, PENSION, AddressCheckBasis("statute", PENSION)),
        (PORTAL, LAW, f" {PENSION} ", AddressCheckBasis("statute", PENSION)),
        (BANK, "consent:C-1", None, AddressCheckBasis("consent")),
    ],
)
def test_the_basis_of_an_address_check(client, basis, on_behalf_of, expected) -> None:
    assert (
        address_check_basis(
            client=client, legal_basis=basis, consent_keeper=PORTAL, on_behalf_of=on_behalf_of
        )
        == expected
    )


@pytest.mark.parametrize(
    ("client", "on_behalf_of"),
    [
        (PORTAL, None),  # the portal has no statute of its own
        (PORTAL, BANK),  # nor for a private verifier
        (PORTAL, PORTAL),  # nor for itself
        (PORTAL, "JP-KIT/GOV/JPS"),  # a member, not a subsystem
        (PORTAL, "pension"),
        (BANK, None),
        ("not-a-client", None),
    ],
)
def test_a_statute_that_does_not_hold_needs_the_persons_consent(client, on_behalf_of) -> None:
    with pytest.raises(BasisRefused) as refused:
        address_check_basis(
            client=client, legal_basis=LAW, consent_keeper=PORTAL, on_behalf_of=on_behalf_of
        )
    assert refused.value.refusal is BasisRefusal.CONSENT_NEEDED


def test_statute_only_services_refuse_a_consent() -> None:
    require_statute(LAW)
    with pytest.raises(BasisRefused) as refused:
        require_statute("consent:C-1")
    assert refused.value.refusal is BasisRefusal.STATUTORY_BASIS_NEEDED


def test_a_relayed_check_names_whom_it_was_for() -> None:
    assert recorded_purpose("年金の加入", None) == "年金の加入"
    assert recorded_purpose("年金の加入", PENSION) == f"年金の加入 (for {PENSION})"
    assert recorded_purpose(None, PENSION) == f"Certificate check for {PENSION}"


@pytest.mark.parametrize(
    ("at_issue", "now", "expected"),
    [
        (HOME, AddressNow(HOME, date(2018, 4, 1), None), AddressCheck(True, None)),
        ("桜木市中央一丁目２番３号", AddressNow(HOME, None, None), AddressCheck(True, None)),
        (" 桜木市中央 一丁目2番3号", AddressNow(HOME, None, None), AddressCheck(True, None)),
        (
            HOME,
            AddressNow("桜木市中央二丁目1番1号", date(2026, 11, 15), None),
            AddressCheck(False, date(2026, 11, 15)),
        ),
        (HOME, AddressNow("桜木市中央二丁目1番1号", None, None), AddressCheck(False, None)),
        (
            HOME,
            AddressNow(HOME, date(2018, 4, 1), date(2026, 11, 18)),
            AddressCheck(False, date(2026, 11, 18)),
        ),
    ],
    ids=["same", "full-width", "spaces", "moved-within", "day-unknown", "removed"],
)
def test_moved_since_issue(at_issue, now, expected) -> None:
    assert address_check(at_issue, now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, 7),
        ("0", 0),
        ("42", 42),
        ("100", 100),
        ("101", None),
        ("-1", None),
        ("", None),
        ("1.5", None),
        ("１２", None),  # full-width digits are not a query number
        ("²", None),
        ("9" * 19, None),
    ],
)
def test_a_query_number(text, expected) -> None:
    assert parse_count(text, default=7, low=0, high=100) == expected
