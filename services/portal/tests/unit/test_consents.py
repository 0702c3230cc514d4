"""The consent rules: a record starts given or refused, a given consent can be withdrawn once,
withdrawn is final, and changing one's mind makes a new record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.domain.consents import (
    ADDRESS_CHECK,
    ASKED_ON_CONSENTS_PAGE,
    BASIC_FOUR,
    OFFERS,
    Action,
    Consent,
    ConsentRuleError,
    ConsentStatus,
    available_actions,
    decide,
    give,
    read_consent_code,
    refuse,
    withdraw,
)

T0 = datetime(2026, 5, 20, 1, 2, 3, tzinfo=UTC)
T1 = datetime(2026, 5, 21, 4, 5, 6, tzinfo=UTC)

GIVEN = Consent("C-1", BASIC_FOUR.key, ConsentStatus.GIVEN, given_at=T0)
REFUSED = Consent("C-1", BASIC_FOUR.key, ConsentStatus.REFUSED, refused_at=T0)
WITHDRAWN = Consent("C-1", BASIC_FOUR.key, ConsentStatus.WITHDRAWN, given_at=T0, withdrawn_at=T1)


def test_the_check_code_is_a_consent_to_the_registers_address_check() -> None:
    assert OFFERS["residence-address-check"] == ADDRESS_CHECK
    assert ADDRESS_CHECK.consumer == "JP-KIT/GOV/DA/portal"
    assert ADDRESS_CHECK.provider_service == "JP-KIT/GOV/LG-139998/residence/address-check"
    assert ADDRESS_CHECK.items == ("moved_since_issue",)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("C-MFRGGZDFMZTWQ2LK", "C-MFRGGZDFMZTWQ2LK"),
        (" c-mfrg gzdf mztw q2lk ", "C-MFRGGZDFMZTWQ2LK"),
        ("CMFRGGZDFMZTWQ2LK", "C-MFRGGZDFMZTWQ2LK"),
        ("Ｃ－ＭＦＲＧＧＺＤＦＭＺＴＷＱ２ＬＫ", "C-MFRGGZDFMZTWQ2LK"),
        ("C-MFRGGZDFMZTWQ2L", None),
        ("C-MFRGGZDFMZTWQ2L1", None),  # 1 is not base32
        ("D-MFRGGZDFMZTWQ2LK", None),
        ("", None),
    ],
)
def test_a_check_code_is_read_as_people_type_it(typed: str, code: str | None) -> None:
    assert read_consent_code(typed) == code


def test_the_demo_offer_is_the_portal_reading_the_basic_four_from_sakuragi_city() -> None:
    assert OFFERS["residence-basic-four"] == BASIC_FOUR
    assert ASKED_ON_CONSENTS_PAGE == ("residence-basic-four",)
    assert BASIC_FOUR.consumer == "JP-KIT/GOV/DA/portal"
    assert BASIC_FOUR.provider_service == "JP-KIT/GOV/LG-139998/residence/basic-four"
    # Every item the register releases under basic-four is covered.
    assert set(BASIC_FOUR.items) == {"name", "name_kana", "birthdate", "gender", "address"}


@pytest.mark.parametrize(
    ("current", "actions"),
    [
        (None, (Action.GIVE, Action.REFUSE)),
        (GIVEN, (Action.WITHDRAW,)),
        (REFUSED, (Action.GIVE,)),
        (WITHDRAWN, (Action.GIVE,)),
    ],
)
def test_what_the_citizen_can_decide(current: Consent | None, actions: tuple[Action]) -> None:
    assert available_actions(current) == actions


@pytest.mark.parametrize("current", [None, REFUSED, WITHDRAWN])
def test_giving_makes_a_new_given_record(current: Consent | None) -> None:
    made = give(current, offer=BASIC_FOUR, new_id="C-2", now=T1)
    assert made == Consent("C-2", BASIC_FOUR.key, ConsentStatus.GIVEN, given_at=T1)
    assert made.decided_at == T1


@pytest.mark.parametrize("current", [None, WITHDRAWN])
def test_refusing_makes_a_new_refused_record(current: Consent | None) -> None:
    made = refuse(current, offer=BASIC_FOUR, new_id="C-2", now=T1)
    assert made == Consent("C-2", BASIC_FOUR.key, ConsentStatus.REFUSED, refused_at=T1)
    assert made.decided_at == T1


def test_withdrawing_keeps_the_id_and_the_date_it_was_given() -> None:
    assert withdraw(GIVEN, now=T1) == WITHDRAWN


@pytest.mark.parametrize(
    ("action", "current", "code"),
    [
        (Action.GIVE, GIVEN, "already-given"),
        (Action.REFUSE, GIVEN, "withdraw-instead"),
        (Action.REFUSE, REFUSED, "already-refused"),
        (Action.WITHDRAW, None, "not-given"),
        (Action.WITHDRAW, REFUSED, "not-given"),
        (Action.WITHDRAW, WITHDRAWN, "already-withdrawn"),
    ],
)
def test_decisions_that_are_not_possible(
    action: Action, current: Consent | None, code: str
) -> None:
    with pytest.raises(ConsentRuleError) as raised:
        decide(action, current, offer=BASIC_FOUR, new_id="C-2", now=T1)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("action", "current", "expected"),
    [
        (Action.GIVE, None, ConsentStatus.GIVEN),
        (Action.REFUSE, None, ConsentStatus.REFUSED),
        (Action.WITHDRAW, GIVEN, ConsentStatus.WITHDRAWN),
        (Action.GIVE, WITHDRAWN, ConsentStatus.GIVEN),
    ],
)
def test_decide_applies_the_action(
    action: Action, current: Consent | None, expected: ConsentStatus
) -> None:
    assert decide(action, current, offer=BASIC_FOUR, new_id="C-2", now=T1).status is expected
