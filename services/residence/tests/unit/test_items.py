"""Optional items: who may have which, how the copy goes out, and what it prints."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from residence.domain.eligibility import PersonOnRegister
from residence.domain.items import (
    STATUTORY_PURPOSES,
    Delivery,
    OptionalItem,
    Purpose,
    Route,
    delivery_for,
    items_problem,
    needs_signature,
    parse_items,
    printed_items,
)

MY_NUMBER = OptionalItem.MY_NUMBER
CODE = OptionalItem.JUMINHYO_CODE
HEAD = OptionalItem.HEAD_RELATIONSHIP
HONSEKI = OptionalItem.HONSEKI
FOREIGN = OptionalItem.FOREIGN_ITEMS

KENTA = PersonOnRegister(
    register_key="H1-1",
    household="H1",
    relationship="世帯主",
    family_name="森下",
    given_name="健太",
    family_name_kana="モリシタ",
    given_name_kana="ケンタ",
    birthdate=date(1990, 5, 12),
    sex="male",
    address="桜木市中央一丁目2番3号",
    postal_code="000-0101",
    became_resident_on=date(2018, 4, 1),
    address_since=date(2018, 4, 1),
    address_notified_on=date(2018, 4, 5),
    previous_address="東京都架空区港南五丁目2番1号",
    honseki="桜木市中央一丁目2番",
    hittosha="森下 健太",
    juminhyo_code="80000007919",
    my_number="999000000016",
)
AYAKA = replace(
    KENTA,
    register_key="H1-2",
    relationship="妻",
    given_name="彩花",
    given_name_kana="アヤカ",
    birthdate=date(1992, 9, 3),
    sex="female",
    my_number="999000000024",
)
LAN = PersonOnRegister(
    register_key="H3-2",
    household="H3",
    relationship="妻",
    family_name="グエン",
    given_name="ティ ラン",
    family_name_kana="グエン",
    given_name_kana="ティ ラン",
    birthdate=date(1984, 12, 1),
    sex="female",
    address="桜木市中央三丁目3番4号201号室",
    postal_code="000-0103",
    became_resident_on=date(2019, 4, 1),
    address_since=date(2019, 4, 1),
    address_notified_on=date(2019, 4, 1),
    previous_address="若葉市北町二丁目8番15号",
    my_number="999000000148",
    juminhyo_code="80000110866",
    nationality="ベトナム",
    foreign_resident_category="中長期在留者",
    residence_status="永住者",
    period_of_stay="無期限",
    residence_card_number="AB12345678CD",
)


# -- the enums ---------------------------------------------------------------------------------


def test_the_codes_are_the_contracts_strings() -> None:
    assert [item.value for item in OptionalItem] == [
        "head_relationship",
        "honseki",
        "my_number",
        "juminhyo_code",
        "foreign_items",
    ]
    assert {route.value for route in Route} == {"self", "household", "proxy", "third_party"}
    assert {d.value for d in Delivery} == {"download", "mail_to_principal"}
    assert {p.value for p in STATUTORY_PURPOSES} == {
        "social_insurance",
        "tax",
        "pension",
        "employment_insurance",
    }
    assert {p.value for p in Purpose} - {p.value for p in STATUTORY_PURPOSES} == {
        "bank",
        "landlord",
        "employer",
        "vehicle",
        "other",
    }


def test_parse_items() -> None:
    assert parse_items(["my_number", "honseki", "my_number"]) == {MY_NUMBER, HONSEKI}
    assert parse_items([]) == frozenset()


def test_parse_items_names_an_unknown_value() -> None:
    with pytest.raises(ValueError, match="'blood_type' is not an optional item"):
        parse_items(["honseki", "blood_type"])


# -- who may have which items ------------------------------------------------------------------

ORDINARY_ROUTES = [Route.SELF, Route.HOUSEHOLD, Route.PROXY]


@pytest.mark.parametrize("route", list(Route))
@pytest.mark.parametrize("purpose", list(Purpose))
def test_ordinary_items_suit_any_route_and_purpose(route: Route, purpose: Purpose) -> None:
    assert items_problem({HEAD, HONSEKI, FOREIGN}, purpose, route) is None
    assert items_problem(set(), purpose, route) is None


@pytest.mark.parametrize("route", ORDINARY_ROUTES)
@pytest.mark.parametrize("item", [MY_NUMBER, CODE])
@pytest.mark.parametrize("purpose", sorted(STATUTORY_PURPOSES))
def test_statutory_only_items_with_a_statutory_purpose(
    route: Route, item: OptionalItem, purpose: Purpose
) -> None:
    assert items_problem({item, HEAD}, purpose, route) is None


@pytest.mark.parametrize("route", ORDINARY_ROUTES)
@pytest.mark.parametrize("item", [MY_NUMBER, CODE])
@pytest.mark.parametrize("purpose", sorted(set(Purpose) - STATUTORY_PURPOSES))
def test_statutory_only_items_need_a_statutory_purpose(
    route: Route, item: OptionalItem, purpose: Purpose
) -> None:
    assert items_problem({item}, purpose, route) == "statutory_purpose_needed"


@pytest.mark.parametrize("item", [MY_NUMBER, CODE])
@pytest.mark.parametrize("purpose", [Purpose.TAX, Purpose.BANK])
def test_a_third_party_never_gets_statutory_only_items(
    item: OptionalItem, purpose: Purpose
) -> None:
    assert items_problem({item}, purpose, Route.THIRD_PARTY) == "not_for_third_party"


# -- delivery and signature --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "items", "delivery", "signature"),
    [
        (Route.SELF, set(), Delivery.DOWNLOAD, False),
        (Route.SELF, {HEAD, HONSEKI}, Delivery.DOWNLOAD, False),
        (Route.SELF, {MY_NUMBER}, Delivery.DOWNLOAD, True),
        (Route.SELF, {CODE}, Delivery.DOWNLOAD, True),
        (Route.HOUSEHOLD, {HEAD}, Delivery.DOWNLOAD, False),
        (Route.HOUSEHOLD, {MY_NUMBER}, Delivery.DOWNLOAD, True),
        (Route.PROXY, set(), Delivery.DOWNLOAD, True),
        (Route.PROXY, {HEAD, FOREIGN}, Delivery.DOWNLOAD, True),
        (Route.PROXY, {MY_NUMBER}, Delivery.MAIL_TO_PRINCIPAL, True),
        (Route.PROXY, {CODE, HEAD}, Delivery.MAIL_TO_PRINCIPAL, True),
        (Route.THIRD_PARTY, {HEAD}, Delivery.DOWNLOAD, False),
    ],
)
def test_delivery_and_signature(
    route: Route, items: set[OptionalItem], delivery: Delivery, signature: bool
) -> None:
    assert delivery_for(route, items) is delivery
    assert needs_signature(route, items) is signature


# -- what the certificate prints ---------------------------------------------------------------

REGISTER_ROWS = [
    ("氏名", "Name", "森下 健太"),
    ("フリガナ", "Name (kana)", "モリシタ ケンタ"),
    ("生年月日", "Date of birth", "1990-05-12"),
    ("性別", "Sex", "男"),
    ("住所", "Address", "桜木市中央一丁目2番3号"),
    ("住民となった年月日", "Became a resident on", "2018-04-01"),
    ("住所を定めた年月日", "Address set on", "2018-04-01"),
    ("届出年月日", "Notified on", "2018-04-05"),
    ("前住所", "Previous address", "東京都架空区港南五丁目2番1号"),
]


def _labels(rows: list[tuple[str, str, str]]) -> list[str]:
    return [label for label, _, _ in rows]


def test_without_optional_items_only_the_register_items_are_printed() -> None:
    rows = printed_items(KENTA, [])
    assert rows == REGISTER_ROWS
    values = {value for _, _, value in rows}
    assert "999000000016" not in values
    assert "80000007919" not in values
    assert "桜木市中央一丁目2番" not in values


def test_every_optional_item_of_a_japanese_national() -> None:
    rows = printed_items(KENTA, list(OptionalItem))
    assert rows == [
        *REGISTER_ROWS,
        ("世帯主", "Head of household", "森下 健太"),
        ("続柄", "Relationship to the head", "世帯主"),
        ("本籍", "Registered domicile", "桜木市中央一丁目2番"),
        ("筆頭者", "Head of the family register", "森下 健太"),
        ("個人番号", "My Number", "999000000016"),
        ("住民票コード", "Resident record code", "80000007919"),
    ]


@pytest.mark.parametrize(
    ("item", "labels"),
    [
        (HEAD, ["世帯主", "続柄"]),
        (HONSEKI, ["本籍", "筆頭者"]),
        (MY_NUMBER, ["個人番号"]),
        (CODE, ["住民票コード"]),
        (FOREIGN, []),
    ],
)
def test_each_optional_item_alone(item: OptionalItem, labels: list[str]) -> None:
    assert _labels(printed_items(KENTA, [item]))[len(REGISTER_ROWS) :] == labels


def test_a_member_shows_the_heads_name() -> None:
    rows = printed_items(AYAKA, [HEAD], head_name="森下 健太")
    assert rows[-2:] == [
        ("世帯主", "Head of household", "森下 健太"),
        ("続柄", "Relationship to the head", "妻"),
    ]
    assert rows[3] == ("性別", "Sex", "女")


def test_a_members_head_row_needs_the_heads_name() -> None:
    with pytest.raises(ValueError, match="head of household's name"):
        printed_items(AYAKA, [HEAD])


def test_a_foreign_resident_gets_foreign_items_and_never_honseki() -> None:
    rows = printed_items(LAN, [HONSEKI, FOREIGN])
    assert "本籍" not in _labels(rows)
    assert rows[len(REGISTER_ROWS) :] == [
        ("国籍・地域", "Nationality or region", "ベトナム"),
        ("外国人住民の区分", "Category of foreign resident", "中長期在留者"),
        ("在留資格", "Status of residence", "永住者"),
        ("在留期間", "Period of stay", "無期限"),
        ("在留期間の満了日", "Period of stay ends on", ""),
        ("在留カード等の番号", "Residence card number", "AB12345678CD"),
    ]


def test_a_japanese_national_gets_no_foreign_items() -> None:
    assert printed_items(KENTA, [FOREIGN]) == REGISTER_ROWS


def test_a_value_the_register_lacks_prints_blank() -> None:
    born_here = replace(KENTA, previous_address=None, became_resident_on=None)
    rows = dict((label, value) for label, _, value in printed_items(born_here, []))
    assert rows["前住所"] == ""
    assert rows["住民となった年月日"] == ""


def test_the_stay_end_is_an_iso_date() -> None:
    rows = printed_items(replace(LAN, stay_expires_on=date(2029, 3, 31)), [FOREIGN])
    assert ("在留期間の満了日", "Period of stay ends on", "2029-03-31") in rows
