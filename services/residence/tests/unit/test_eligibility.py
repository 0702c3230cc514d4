"""Who may have a residence certificate about whom (domain.md §1.1, §1.3), table by table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from residence.domain.eligibility import (
    Decision,
    MandateView,
    PersonOnRegister,
    Reason,
    Requester,
    RequestStatus,
    SupportMeasureView,
    decide,
    household_members,
    is_adverse_party,
    mandate_problem,
    same_name,
)
from residence.domain.items import Delivery, OptionalItem, Purpose, Route

TODAY = date(2026, 11, 25)
DAY = timedelta(days=1)
MY_NUMBER = OptionalItem.MY_NUMBER
CODE = OptionalItem.JUMINHYO_CODE
HEAD = OptionalItem.HEAD_RELATIONSHIP


def _person(
    key: str, household: str, relationship: str, name: str, born: date, **more: Any
) -> PersonOnRegister:
    family, given = name.split(" ", 1)
    fields: dict[str, Any] = {
        "register_key": key,
        "household": household,
        "relationship": relationship,
        "family_name": family,
        "given_name": given,
        "family_name_kana": "カナ",
        "given_name_kana": "カナ",
        "birthdate": born,
        "sex": "male",
        "address": "桜木市中央一丁目2番3号",
        "postal_code": "000-0101",
    }
    fields.update(more)
    return PersonOnRegister(**fields)


H3_ADDRESS = "桜木市中央三丁目3番4号201号室"
KENTA = _person("H1-1", "H1", "世帯主", "森下 健太", date(1990, 5, 12))
AYAKA = _person("H1-2", "H1", "妻", "森下 彩花", date(1992, 9, 3))
SETSUKO = _person("H1-6", "H1", "妻の母", "佐伯 節子", date(1958, 3, 15))
AOI = _person("H1-3", "H1", "子", "森下 蒼", date(2020, 6, 15))
ADDRESS_H2 = {"address": "桜木市中央二丁目5番8号", "postal_code": "000-0102"}
YUMIKO = _person("H2-2", "H2", "妻", "大野 由美子", date(1968, 11, 22), **ADDRESS_H2)
TOMI = _person("H2-5", "H2", "母", "大野 トミ", date(1941, 2, 3), **ADDRESS_H2)
SHIGERU = _person(
    "H2-9",
    "H2",
    "父",
    "大野 茂",
    date(1938, 1, 15),
    removed_on=date(2023, 2, 10),
    removal_reason="died",
    **ADDRESS_H2,
)
RYOSUKE = _person("H3-1", "H3", "世帯主", "石川 亮介", date(1983, 2, 14), address=H3_ADDRESS)
MASAO = _person("H3-6", "H4", "世帯主", "石川 正男", date(1955, 8, 30), address=H3_ADDRESS)


def _requester(person: PersonOnRegister) -> Requester:
    return Requester(f"xid-{person.register_key}", person.full_name, person.birthdate)


TAKAGI = Requester("xid-X-1", "高木 直子", date(1978, 6, 1))
TAMURA = Requester("xid-X-3", "田村 剛", date(1965, 8, 20))
STRANGER = Requester("xid-X-9", "山田 花子", date(1980, 1, 1))

MEASURE = SupportMeasureView(
    subject="H2-2",
    adverse_name="田村 剛",
    adverse_birthdate=date(1965, 8, 20),
    adverse_pseudonym="xid-X-3",
    starts_on=TODAY - 100 * DAY,
    ends_on=TODAY + 200 * DAY,
)


def _mandate(**overrides: Any) -> MandateView:
    fields: dict[str, Any] = {
        "id": "M-ABCDEFGHJKLM",
        "principal": "H1-1",
        "proxy_name": "高木 直子",
        "proxy_birthdate": date(1978, 6, 1),
        "purpose": "bank",
        "allow_my_number": False,
        "valid_from": TODAY - 10 * DAY,
        "valid_until": TODAY + 30 * DAY,
        "signer_pseudonym": "xid-H1-1",
        "principal_pseudonym": "xid-H1-1",
        "signature_valid": True,
    }
    fields.update(overrides)
    return MandateView(**fields)


def ask(**overrides: Any) -> Decision:
    """Kenta asks for his own copy for the bank, unless told otherwise."""
    arguments: dict[str, Any] = {
        "requester": _requester(KENTA),
        "requester_record": KENTA,
        "subject": KENTA,
        "route": Route.SELF,
        "mandate": None,
        "purpose": Purpose.BANK,
        "items": (),
        "measures": (),
        "today": TODAY,
    }
    arguments.update(overrides)
    return decide(**arguments)


def by(person: PersonOnRegister, **overrides: Any) -> Decision:
    """``person`` (a resident) asks."""
    return ask(requester=_requester(person), requester_record=person, **overrides)


def proxy(**overrides: Any) -> Decision:
    """高木 直子 (a scrivener in another city) asks for Kenta's copy as his proxy."""
    arguments: dict[str, Any] = {
        "requester": TAKAGI,
        "requester_record": None,
        "route": Route.PROXY,
        "mandate": _mandate(),
    }
    arguments.update(overrides)
    return ask(**arguments)


def third_party(**overrides: Any) -> Decision:
    arguments: dict[str, Any] = {
        "requester": STRANGER,
        "requester_record": None,
        "route": Route.THIRD_PARTY,
        "reason": "債権回収のため（貸金返還請求訴訟の提起）",
    }
    arguments.update(overrides)
    return ask(**arguments)


def refusal(route: Route, reason: Reason, *, treated_as_proxy: bool = False) -> Decision:
    return Decision(
        allowed=False,
        route=route,
        reason=reason,
        delivery=Delivery.DOWNLOAD,
        needs_signature=False,
        review=False,
        treated_as_proxy=treated_as_proxy,
    )


def issued(route: Route, *, signature: bool = False, treated_as_proxy: bool = False) -> Decision:
    return Decision(
        allowed=True,
        route=route,
        reason=None,
        delivery=Delivery.DOWNLOAD,
        needs_signature=signature,
        review=False,
        treated_as_proxy=treated_as_proxy,
    )


# -- the person themselves ---------------------------------------------------------------------


def test_the_person_may_always_have_their_own_copy_unsigned() -> None:
    decision = ask()
    assert decision == issued(Route.SELF)
    assert decision.status is RequestStatus.ISSUED


def test_the_person_signs_for_a_copy_showing_their_my_number() -> None:
    decision = ask(items={MY_NUMBER, HEAD}, purpose=Purpose.TAX)
    assert decision == issued(Route.SELF, signature=True)


def test_the_person_signs_for_a_copy_showing_their_juminhyo_code() -> None:
    assert ask(items={CODE}, purpose=Purpose.PENSION) == issued(Route.SELF, signature=True)


@pytest.mark.parametrize("item", [MY_NUMBER, CODE])
def test_statutory_only_items_need_a_statutory_purpose_even_for_oneself(
    item: OptionalItem,
) -> None:
    assert ask(items={item}) == refusal(Route.SELF, Reason.STATUTORY_PURPOSE_NEEDED)


@pytest.mark.parametrize("record", [AYAKA, None])
def test_someone_else_asking_as_the_person_is_refused_generically(
    record: PersonOnRegister | None,
) -> None:
    decision = ask(requester=STRANGER, requester_record=record)
    assert decision == refusal(Route.SELF, Reason.REFUSED)
    assert decision.status is RequestStatus.REFUSED


def test_a_removed_person_may_have_their_own_record() -> None:
    moved = replace(KENTA, removed_on=TODAY - 30 * DAY, removal_reason="moved_out")
    assert ask(requester_record=moved, subject=moved) == issued(Route.SELF)


# -- a member of the same household ------------------------------------------------------------


@pytest.mark.parametrize("member", [AYAKA, SETSUKO, AOI])
def test_a_household_member_needs_no_letter_of_authority(member: PersonOnRegister) -> None:
    assert by(member, route=Route.HOUSEHOLD) == issued(Route.HOUSEHOLD)


def test_a_household_member_signs_for_a_my_number_copy_and_downloads_it() -> None:
    decision = by(AYAKA, route=Route.HOUSEHOLD, items={MY_NUMBER}, purpose=Purpose.TAX)
    assert decision == issued(Route.HOUSEHOLD, signature=True)


def test_a_household_member_needs_a_statutory_purpose_for_the_my_number() -> None:
    decision = by(AYAKA, route=Route.HOUSEHOLD, items={MY_NUMBER})
    assert decision == refusal(Route.HOUSEHOLD, Reason.STATUTORY_PURPOSE_NEEDED)


def test_a_relative_at_the_same_address_in_a_separate_household_is_a_proxy_without_mandate() -> (
    None
):
    decision = by(MASAO, subject=RYOSUKE, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.PROXY, Reason.MANDATE_MISSING, treated_as_proxy=True)


def test_a_relative_in_a_separate_household_with_a_mandate_is_served_as_a_proxy() -> None:
    mandate = _mandate(
        principal="H3-1",
        proxy_name="石川 正男",
        proxy_birthdate=date(1955, 8, 30),
        signer_pseudonym="xid-H3-1",
        principal_pseudonym="xid-H3-1",
    )
    decision = by(MASAO, subject=RYOSUKE, route=Route.HOUSEHOLD, mandate=mandate)
    assert decision == issued(Route.PROXY, signature=True, treated_as_proxy=True)


def test_a_relative_in_a_separate_household_with_someone_elses_mandate_is_refused() -> None:
    decision = by(MASAO, subject=RYOSUKE, route=Route.HOUSEHOLD, mandate=_mandate())
    assert decision == refusal(Route.PROXY, Reason.MANDATE_OTHER_PERSON, treated_as_proxy=True)


def test_the_same_address_is_compared_without_spaces_or_width() -> None:
    spaced = replace(MASAO, address="桜木市中央三丁目３番４号　201号室")
    decision = by(spaced, subject=RYOSUKE, route=Route.HOUSEHOLD)
    assert decision.treated_as_proxy
    assert decision.reason is Reason.MANDATE_MISSING


def test_a_relative_elsewhere_is_not_in_the_household() -> None:
    decision = by(TOMI, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.HOUSEHOLD, Reason.NOT_SAME_HOUSEHOLD)


def test_a_non_resident_asking_as_household_is_not_in_the_household() -> None:
    decision = ask(requester=TAKAGI, requester_record=None, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.HOUSEHOLD, Reason.NOT_SAME_HOUSEHOLD)


def test_a_member_who_moved_out_is_no_longer_in_the_household() -> None:
    moved = replace(AYAKA, removed_on=TODAY - DAY, removal_reason="moved_out")
    decision = by(moved, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.HOUSEHOLD, Reason.NOT_SAME_HOUSEHOLD)


def test_a_removed_persons_former_household_must_ask_as_a_third_party() -> None:
    decision = by(TOMI, subject=SHIGERU, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.THIRD_PARTY, Reason.REMOVED_USE_THIRD_PARTY)
    assert not decision.review


def test_a_removed_persons_former_household_may_then_ask_as_a_third_party() -> None:
    decision = third_party(
        requester=_requester(TOMI), requester_record=TOMI, subject=SHIGERU, reason="相続手続のため"
    )
    assert decision.review
    assert decision.route is Route.THIRD_PARTY


def test_a_stranger_asking_as_household_learns_nothing_of_a_removal() -> None:
    decision = by(KENTA, subject=SHIGERU, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.HOUSEHOLD, Reason.NOT_SAME_HOUSEHOLD)


@pytest.mark.parametrize(
    ("removed_on", "removed"),
    [(TODAY - DAY, True), (TODAY, True), (TODAY + DAY, False)],
)
def test_a_removal_counts_from_its_date(removed_on: date, removed: bool) -> None:
    leaving = replace(KENTA, removed_on=removed_on, removal_reason="moved_out")
    decision = by(AYAKA, subject=leaving, route=Route.HOUSEHOLD)
    assert (decision.reason is Reason.REMOVED_USE_THIRD_PARTY) is removed
    assert decision.allowed is not removed


# -- a proxy with a letter of authority --------------------------------------------------------


def test_a_proxy_with_a_valid_mandate_is_served_and_signs() -> None:
    decision = proxy()
    assert decision == issued(Route.PROXY, signature=True)
    assert decision.status is RequestStatus.ISSUED


@pytest.mark.parametrize("item", [MY_NUMBER, CODE])
def test_a_proxys_statutory_copy_is_mailed_to_the_principal(item: OptionalItem) -> None:
    decision = proxy(
        mandate=_mandate(purpose="tax", allow_my_number=True), purpose=Purpose.TAX, items={item}
    )
    assert decision.allowed
    assert decision.delivery is Delivery.MAIL_TO_PRINCIPAL
    assert decision.needs_signature
    assert decision.status is RequestStatus.MAILED


@pytest.mark.parametrize("item", [MY_NUMBER, CODE])
def test_a_mandate_must_allow_the_my_number(item: OptionalItem) -> None:
    decision = proxy(mandate=_mandate(purpose="tax"), purpose=Purpose.TAX, items={item})
    assert decision == refusal(Route.PROXY, Reason.MY_NUMBER_NOT_IN_MANDATE)


def test_a_proxy_needs_a_statutory_purpose_for_the_my_number() -> None:
    decision = proxy(mandate=_mandate(allow_my_number=True), items={MY_NUMBER})
    assert decision == refusal(Route.PROXY, Reason.STATUTORY_PURPOSE_NEEDED)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"mandate": None}, Reason.MANDATE_MISSING),
        ({"mandate": _mandate(valid_until=TODAY - DAY)}, Reason.MANDATE_EXPIRED),
        ({"mandate": _mandate(valid_from=TODAY + DAY)}, Reason.MANDATE_NOT_YET_VALID),
        (
            {"mandate": _mandate(signer_pseudonym="xid-H1-2")},
            Reason.MANDATE_NOT_SIGNED_BY_PRINCIPAL,
        ),
        ({"mandate": _mandate(signer_pseudonym=None)}, Reason.MANDATE_NOT_SIGNED_BY_PRINCIPAL),
        ({"mandate": _mandate(signature_valid=False)}, Reason.MANDATE_NOT_SIGNED_BY_PRINCIPAL),
        (
            {"mandate": _mandate(signer_pseudonym=None, principal_pseudonym=None)},
            Reason.MANDATE_NOT_SIGNED_BY_PRINCIPAL,
        ),
        ({"mandate": _mandate(proxy_name="高木 直美")}, Reason.MANDATE_OTHER_PERSON),
        ({"mandate": _mandate(proxy_birthdate=date(1978, 6, 2))}, Reason.MANDATE_OTHER_PERSON),
        ({"requester": replace(TAKAGI, birthdate=None)}, Reason.MANDATE_OTHER_PERSON),
        ({"mandate": _mandate(principal="H1-2")}, Reason.MANDATE_OTHER_PERSON),
        ({"subject": AYAKA}, Reason.MANDATE_OTHER_PERSON),
        ({"purpose": Purpose.LANDLORD}, Reason.MANDATE_OTHER_PURPOSE),
        ({"mandate": _mandate(purpose="employer")}, Reason.MANDATE_OTHER_PURPOSE),
    ],
)
def test_mandate_refusals(overrides: dict[str, Any], reason: Reason) -> None:
    assert proxy(**overrides) == refusal(Route.PROXY, reason)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"valid_from": TODAY}, None),
        ({"valid_until": TODAY}, None),
        ({"valid_from": TODAY + DAY}, Reason.MANDATE_NOT_YET_VALID),
        ({"valid_until": TODAY - DAY}, Reason.MANDATE_EXPIRED),
    ],
)
def test_a_mandate_is_in_force_from_its_first_to_its_last_day(
    overrides: dict[str, Any], reason: Reason | None
) -> None:
    assert proxy(mandate=_mandate(**overrides)).reason == reason


@pytest.mark.parametrize("written", ["高木　直子", "高木直子", " 高木 直子 ", "高木 直子"])
def test_the_proxys_name_is_compared_without_spaces(written: str) -> None:
    assert proxy(mandate=_mandate(proxy_name=written)).allowed


def test_a_mandate_ends_with_the_principals_death() -> None:
    died = replace(KENTA, removed_on=TODAY - DAY, removal_reason="died")
    assert proxy(subject=died) == refusal(Route.PROXY, Reason.MANDATE_EXPIRED)


def test_a_mandate_outlives_the_principals_move_out() -> None:
    moved = replace(KENTA, removed_on=TODAY - DAY, removal_reason="moved_out")
    assert proxy(subject=moved).allowed


def test_a_mandate_for_someone_else_says_nothing_of_its_dates_or_signature() -> None:
    stale = _mandate(proxy_name="別人 太郎", valid_until=TODAY - DAY, signature_valid=False)
    assert proxy(mandate=stale).reason is Reason.MANDATE_OTHER_PERSON


def test_mandate_problem_alone() -> None:
    arguments: dict[str, Any] = {
        "requester": TAKAGI,
        "subject": KENTA,
        "purpose": Purpose.BANK,
        "items": (),
        "today": TODAY,
    }
    assert mandate_problem(_mandate(), **arguments) is None
    assert mandate_problem(None, **arguments) is Reason.MANDATE_MISSING


# -- third parties -----------------------------------------------------------------------------


def test_a_third_party_with_a_reason_is_queued_for_a_clerk_never_served_at_once() -> None:
    decision = third_party(items={HEAD})
    assert decision == Decision(
        allowed=False,
        route=Route.THIRD_PARTY,
        reason=None,
        delivery=Delivery.DOWNLOAD,
        needs_signature=False,
        review=True,
    )
    assert decision.status is RequestStatus.PENDING_REVIEW


@pytest.mark.parametrize("reason", [None, "", "   ", "\u3000"])
def test_a_third_party_must_give_a_reason(reason: str | None) -> None:
    assert third_party(reason=reason) == refusal(Route.THIRD_PARTY, Reason.REASON_NEEDED)


@pytest.mark.parametrize("item", [MY_NUMBER, CODE])
@pytest.mark.parametrize("purpose", [Purpose.BANK, Purpose.TAX])
def test_a_third_party_never_gets_statutory_only_items(
    item: OptionalItem, purpose: Purpose
) -> None:
    decision = third_party(items={item}, purpose=purpose)
    assert decision == refusal(Route.THIRD_PARTY, Reason.NOT_FOR_THIRD_PARTY)


def test_a_third_party_asking_for_the_my_number_without_a_reason_hears_about_the_number() -> None:
    decision = third_party(items={MY_NUMBER}, reason=None)
    assert decision.reason is Reason.NOT_FOR_THIRD_PARTY


# -- DV support measures -----------------------------------------------------------------------


def _to_yumiko(**overrides: Any) -> Decision:
    arguments: dict[str, Any] = {
        "requester": TAMURA,
        "requester_record": None,
        "subject": YUMIKO,
        "measures": [MEASURE],
    }
    arguments.update(overrides)
    return ask(**arguments)


@pytest.mark.parametrize("route", list(Route))
def test_the_adverse_party_is_refused_generically_whatever_the_route(route: Route) -> None:
    decision = _to_yumiko(route=route, reason="離婚調停のため")
    assert decision == refusal(route, Reason.REFUSED)


def test_the_adverse_partys_refusal_looks_like_a_strangers() -> None:
    adverse = _to_yumiko(route=Route.SELF)
    stranger = ask(requester=STRANGER, requester_record=None, subject=YUMIKO, route=Route.SELF)
    assert adverse == stranger


def test_the_adverse_party_with_a_mandate_is_still_refused() -> None:
    mandate = _mandate(
        principal="H2-2",
        proxy_name="田村 剛",
        proxy_birthdate=date(1965, 8, 20),
        signer_pseudonym="xid-H2-2",
        principal_pseudonym="xid-H2-2",
    )
    assert _to_yumiko(route=Route.PROXY, mandate=mandate) == refusal(Route.PROXY, Reason.REFUSED)


def test_the_adverse_party_living_at_the_same_address_is_refused_not_treated_as_proxy() -> None:
    record = _person("X-3", "H9", "世帯主", "田村 剛", date(1965, 8, 20), **ADDRESS_H2)
    decision = _to_yumiko(requester_record=record, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.HOUSEHOLD, Reason.REFUSED)


@pytest.mark.parametrize(
    "requester",
    [
        Requester(None, "田村 剛", date(1965, 8, 20)),
        Requester(None, "田村　剛", date(1965, 8, 20)),
        Requester(None, "田村剛", date(1965, 8, 20)),
        Requester("xid-X-3", "別名 義", None),
    ],
)
def test_the_adverse_party_is_known_by_pseudonym_or_by_name_and_birthdate(
    requester: Requester,
) -> None:
    assert _to_yumiko(requester=requester).reason is Reason.REFUSED


@pytest.mark.parametrize(
    "requester",
    [
        Requester(None, "田村 剛", date(1965, 8, 21)),
        Requester(None, "田村 剛", None),
        Requester("xid-X-4", "田村 剛士", date(1965, 8, 20)),
    ],
)
def test_someone_else_is_not_taken_for_the_adverse_party(requester: Requester) -> None:
    decision = _to_yumiko(requester=requester, route=Route.THIRD_PARTY, reason="訴訟のため")
    assert decision.review


def test_a_measure_without_the_adverse_partys_birthdate_matches_on_the_name() -> None:
    measure = replace(MEASURE, adverse_birthdate=None, adverse_pseudonym=None)
    requester = Requester(None, "田村 剛", None)
    assert _to_yumiko(requester=requester, measures=[measure]).reason is Reason.REFUSED


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        ({}, True),
        ({"starts_on": TODAY}, True),
        ({"starts_on": TODAY + DAY}, False),
        ({"ends_on": TODAY}, True),
        ({"ends_on": TODAY - DAY}, False),
        ({"lifted_on": TODAY + DAY}, True),
        ({"lifted_on": TODAY}, False),
        ({"lifted_on": TODAY - DAY}, False),
    ],
)
def test_only_a_measure_in_force_refuses(overrides: dict[str, Any], refused: bool) -> None:
    measure = replace(MEASURE, **overrides)
    decision = _to_yumiko(measures=[measure], route=Route.THIRD_PARTY, reason="訴訟のため")
    assert (decision.reason is Reason.REFUSED) is refused
    assert decision.review is not refused
    assert is_adverse_party(TAMURA, [measure], TODAY) is refused


def test_a_measure_protecting_another_member_on_the_copy_refuses() -> None:
    """The caller passes the measures of everyone the copy would show."""
    record = _person("X-3", "H2", "同居人", "田村 剛", date(1965, 8, 20), **ADDRESS_H2)
    decision = _to_yumiko(requester_record=record, subject=TOMI, route=Route.HOUSEHOLD)
    assert decision == refusal(Route.HOUSEHOLD, Reason.REFUSED)


def test_a_protected_persons_other_requesters_are_unaffected() -> None:
    husband = _person("H2-1", "H2", "世帯主", "大野 誠", date(1966, 4, 10), **ADDRESS_H2)
    decision = by(husband, subject=YUMIKO, route=Route.HOUSEHOLD, measures=[MEASURE])
    assert decision == issued(Route.HOUSEHOLD)


def test_the_generic_refusal_for_callers_who_find_nobody() -> None:
    assert Decision.refused(Route.THIRD_PARTY) == refusal(Route.THIRD_PARTY, Reason.REFUSED)
    assert Decision.refused(Route.SELF).status is RequestStatus.REFUSED


def test_no_measures_no_adverse_party() -> None:
    assert not is_adverse_party(TAMURA, [], TODAY)


# -- names and households ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("高木 直子", "高木　直子", True),
        ("高木 直子", "高木直子", True),
        ("NGUYEN Thi Lan", "Nguyen  Thi Lan", True),
        ("ＮＧＵＹＥＮ Thi Lan", "nguyen thi lan", True),
        ("高木 直子", "高木 直美", False),
        ("高木 直子", "", False),
    ],
)
def test_same_name(first: str, second: str, same: bool) -> None:
    assert same_name(first, second) is same


def test_household_members_head_first_then_eldest_first_without_removed_people() -> None:
    register = [AOI, AYAKA, TOMI, SETSUKO, KENTA, SHIGERU, YUMIKO, MASAO]
    assert household_members(AYAKA, register) == [KENTA, SETSUKO, AYAKA, AOI]
    assert household_members(TOMI, register) == [TOMI, YUMIKO]


def test_household_members_on_a_day() -> None:
    leaving = replace(AYAKA, removed_on=TODAY + DAY, removal_reason="moved_out")
    register = [KENTA, leaving]
    assert household_members(KENTA, register, today=TODAY) == [KENTA, leaving]
    assert household_members(KENTA, register, TODAY + DAY) == [KENTA]
    assert household_members(KENTA, register) == [KENTA]


def test_person_on_register_keeps_numbers_out_of_its_repr() -> None:
    person = replace(KENTA, my_number="999000000016", juminhyo_code="80000007919")
    assert "999000000016" not in repr(person)
    assert "80000007919" not in repr(person)
    assert person.full_name == "森下 健太"
