"""The back office's form rules (residence.domain.backoffice): dates in three boxes, names in
katakana and Latin letters, addresses in or outside the city, the foreign resident's items, a
support measure's year; each problem a code on its field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from residence.domain import backoffice as rules

TODAY = date(2026, 11, 25)
POSTAL = {"000-0101": "桜木市", "000-0102": "桜木市", "000-0201": "梅園市"}
CITY = "桜木市"


def dated(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("25", "11", "2026"), (date(2026, 11, 25), None)),
        (("２５", "１１", "２０２６"), (date(2026, 11, 25), None)),  # full width
        ((" 1", "2 ", "2000"), (date(2000, 2, 1), None)),
        (("", "", ""), (None, "required")),
        (("1", "", "2000"), (None, "incomplete")),
        (("31", "2", "2000"), (None, "not_real")),
        (("1", "13", "2000"), (None, "not_real")),
        (("1", "1", "26"), (None, "not_real")),  # a two-digit year is ambiguous
        (("a", "1", "2000"), (None, "not_real")),
        (("-1", "1", "2000"), (None, "not_real")),
        (("1", "1", "1899"), (None, "too_early")),
        # never an exception: huge, signed, superscript, other scripts' digits
        (("99999999999999999999", "1", "2000"), (None, "not_real")),
        (("1", "99999999999999999999", "2000"), (None, "not_real")),
        (("1", "1", "99999999999999999999"), (None, "not_real")),
        (("１" * 30, "1", "2000"), (None, "not_real")),
        (("1", "-1", "2000"), (None, "not_real")),
        (("1", "1", "-200"), (None, "not_real")),
        (("²", "1", "2000"), (None, "not_real")),
        (("1", "١", "2000"), (None, "not_real")),  # Arabic-Indic one
        (("1", "1", "２⁰２６"), (None, "not_real")),
        (("1", "1", "0000"), (None, "not_real")),
    ],
)
def test_a_date_in_three_boxes(parts: tuple[str, str, str], expected: Any) -> None:
    assert rules.read_date(*parts) == expected


@pytest.mark.parametrize(
    ("typed", "kana"),
    [("モリシタ", "モリシタ"), ("もりした", "モリシタ"), ("ﾓﾘｼﾀ", "モリシタ"),
     ("  ティ　ラン ", "ティ ラン"), ("ヴォー", "ヴォー")],
)  # fmt: skip
def test_kana_is_stored_in_katakana(typed: str, kana: str) -> None:
    assert rules.normalise_kana(typed) == kana


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 11, 25), date(2027, 11, 24)),
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2028, 2, 29), date(2029, 2, 28)),
        (date(2027, 3, 1), date(2028, 2, 29)),
    ],
)
def test_a_support_measure_lasts_one_year(start: date, end: date) -> None:
    assert rules.one_year_from(start) == end


def test_a_renewal_adds_a_year_after_the_current_end() -> None:
    assert rules.renewed_until(date(2027, 5, 25)) == date(2028, 5, 25)


@pytest.mark.parametrize(
    ("lifted_on", "today", "state"),
    [
        (None, date(2026, 5, 1), rules.MeasureState.SCHEDULED),
        (None, date(2026, 6, 1), rules.MeasureState.ACTIVE),
        (None, date(2027, 5, 31), rules.MeasureState.ACTIVE),
        (None, date(2027, 6, 1), rules.MeasureState.ENDED),
        (date(2026, 7, 1), date(2026, 7, 1), rules.MeasureState.LIFTED),
        (date(2026, 7, 1), date(2026, 6, 30), rules.MeasureState.ACTIVE),
    ],
)
def test_the_state_of_a_measure(lifted_on: date | None, today: date, state: str) -> None:
    found = rules.measure_state(
        starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31), lifted_on=lifted_on, today=today
    )
    assert found == state


def test_a_resident_record_code_is_masked() -> None:
    assert rules.mask_juminhyo_code("80000007919") == "*******-7919"
    assert rules.mask_juminhyo_code("８００００００７９１９") == "*******-7919"
    for wrong in (None, "", "123", "8000000791X"):
        assert rules.mask_juminhyo_code(wrong) == "*******-****"


@pytest.mark.parametrize(
    ("relationship", "new", "has_head", "problem"),
    [
        ("世帯主", True, False, None),
        ("妻", True, False, "head_needed"),
        ("妻", False, True, None),
        ("世帯主", False, True, "head_exists"),
        ("世帯主", False, False, None),  # the head moved out: a new head joins
    ],
)
def test_one_head_per_household(
    relationship: str, new: bool, has_head: bool, problem: str | None
) -> None:
    found = rules.relationship_problem(relationship, new_household=new, has_head=has_head)
    assert found == problem


def test_reasons_and_queries_have_limits() -> None:
    assert rules.reason_problem("  ") == "required"
    assert rules.reason_problem("x" * 501) == "too_long"
    assert rules.reason_problem("証拠が不十分") is None
    assert rules.query_problem("x" * 101) == "too_long"


# -- a move-in ----------------------------------------------------------------------------------


def move_in(**changes: str) -> dict[str, str]:
    form = {
        "household_choice": "new",
        "relationship": "世帯主",
        "family_name": "山本",
        "given_name": "花子",
        "family_name_kana": "ヤマモト",
        "given_name_kana": "ハナコ",
        "name_roman": "YAMAMOTO Hanako",
        **dated("birthdate", date(1995, 4, 3)),
        "sex": "female",
        "my_number": "9990-0000-0016",  # any writing of a valid number
        "postal_code": "０００－０１０１",
        "address": "桜木市中央一丁目9番9号",
        **dated("moved_in_on", date(2026, 11, 20)),
        "previous_address": "梅園市本町三丁目1番2号",
        "honseki": "梅園市本町三丁目1番",
        "hittosha": "山本 一郎",
    }
    form.update(changes)
    return form


def read(form: dict[str, str]) -> rules.Reading[rules.MoveIn]:
    return rules.read_move_in(form, today=TODAY, postal_codes=POSTAL, municipality=CITY)


def test_a_good_move_in() -> None:
    reading = read(move_in())
    assert reading.problems == {}
    value = reading.value
    assert value is not None
    assert value.household is None
    assert value.my_number == "999000000016"
    assert value.postal_code == "000-0101"
    assert value.birthdate == date(1995, 4, 3)
    assert value.moved_in_on == date(2026, 11, 20)
    assert value.juminhyo_code is None
    assert value.foreign is None
    joining = read(move_in(household_choice="existing", household=" h１ ", relationship="妻"))
    assert joining.value is not None
    assert joining.value.household == "H1"


def test_a_foreign_resident() -> None:
    reading = read(move_in(
        honseki="", hittosha="", nationality="ベトナム", foreign_resident_category="中長期在留者",
        residence_status="留学", residence_card_number="ab 12345678 cd".replace(" ", ""),
        **dated("stay_expires_on", date(2028, 3, 31)),
    ))  # fmt: skip
    assert reading.problems == {}
    assert reading.value is not None
    foreign = reading.value.foreign
    assert foreign is not None
    assert (foreign.nationality, foreign.residence_card_number) == ("ベトナム", "AB12345678CD")
    assert foreign.stay_expires_on == date(2028, 3, 31)
    assert foreign.period_of_stay is None


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"household_choice": "maybe"}, {"household_choice": "choose"}),
        ({"household_choice": "existing"}, {"household": "required"}),
        ({"household_choice": "existing", "household": "H1;--"},
         {"household": "unknown_household"}),
        ({"relationship": "妻"}, {"relationship": "head_needed"}),
        ({"relationship": "x" * 21}, {"relationship": "too_long"}),
        ({"family_name": " ", "given_name": "花" * 101},
         {"family_name": "required", "given_name": "too_long"}),
        ({"family_name_kana": "Yamamoto"}, {"family_name_kana": "not_katakana"}),
        ({"family_name_kana": "山本"}, {"family_name_kana": "not_katakana"}),
        ({"name_roman": "山本 花子"}, {"name_roman": "not_latin"}),
        ({"name_roman": ""}, {"name_roman": "required"}),
        ({**dated("birthdate", date(2026, 11, 26))}, {"birthdate": "future"}),
        ({**dated("moved_in_on", date(1990, 1, 1))}, {"moved_in_on": "before_birth"}),
        ({"moved_in_on-day": ""}, {"moved_in_on": "incomplete"}),
        ({"sex": ""}, {"sex": "choose"}),
        ({"my_number": ""}, {"my_number": "required"}),
        ({"my_number": "99900000001x"}, {"my_number": "not_digits"}),
        ({"my_number": "999000000017"}, {"my_number": "check_digit"}),
        ({"juminhyo_code": "1234"}, {"juminhyo_code": "code_format"}),
        ({"postal_code": ""}, {"postal_code": "required"}),
        ({"postal_code": "123"}, {"postal_code": "format"}),
        ({"postal_code": "000-0999"}, {"postal_code": "unknown"}),
        ({"postal_code": "000-0201"}, {"postal_code": "outside"}),
        ({"address": "梅園市本町一丁目1番"}, {"address": "not_in_city"}),
        ({"previous_address": "桜木市中央二丁目1番"}, {"previous_address": "in_city"}),
        ({"previous_address": ""}, {"previous_address": "required"}),
        ({"honseki": "", "hittosha": ""}, {"honseki": "required", "hittosha": "required"}),
        ({"nationality": "ベトナム"},
         {"foreign_resident_category": "choose", "residence_status": "required",
          "honseki": "not_for_foreign", "hittosha": "not_for_foreign"}),
        ({"residence_card_number": "AB12345678CD"}, {"nationality": "nationality_needed"}),
        ({**dated("stay_expires_on", date(2028, 1, 1))}, {"nationality": "nationality_needed"}),
        ({"nationality": "中国", "honseki": "", "hittosha": "",
          "foreign_resident_category": "特別永住者", "residence_status": "特別永住者",
          "residence_card_number": "1234"},
         {"residence_card_number": "card_format"}),
    ],
)  # fmt: skip
def test_a_move_in_problem_lands_on_its_field(
    changes: dict[str, str], problems: dict[str, str]
) -> None:
    reading = read(move_in(**changes))
    assert reading.value is None
    assert reading.problems == problems


def test_a_form_missing_fields_or_with_odd_values_is_only_problems() -> None:
    reading = read({"sex": ["female"], "birthdate-day": None})  # type: ignore[dict-item]
    assert reading.value is None
    assert reading.problems["family_name"] == "required"
    assert reading.problems["birthdate"] == "required"
    assert reading.problems["sex"] == "choose"


# -- birth, move-out, correction, support measure -------------------------------------------------


def birth(**changes: str) -> dict[str, str]:
    form = {
        "family_name": "森下",
        "given_name": "結",
        "family_name_kana": "モリシタ",
        "given_name_kana": "ユイ",
        "name_roman": "MORISHITA Yui",
        "sex": "female",
        **dated("birthdate", date(2026, 11, 22)),
    }
    form.update(changes)
    return form


def test_a_birth() -> None:
    reading = rules.read_birth(birth(), today=TODAY)
    assert reading.value is not None
    assert reading.value.relationship == "子"  # the default
    assert rules.read_birth(birth(relationship="子の子"), today=TODAY).value is not None
    assert rules.read_birth(birth(relationship="世帯主"), today=TODAY).problems == {
        "relationship": "head_exists"
    }
    future = rules.read_birth(birth(**dated("birthdate", date(2026, 11, 26))), today=TODAY)
    assert future.problems == {"birthdate": "future"}


def test_a_move_out() -> None:
    def read_out(**form: str) -> rules.Reading[rules.MoveOut]:
        return rules.read_move_out(
            form, today=TODAY, became_resident_on=date(2018, 4, 1), municipality=CITY
        )

    good = read_out(**dated("removed_on", TODAY), moved_to="梅園市本町一丁目1番")
    assert good.value == rules.MoveOut(TODAY, "梅園市本町一丁目1番")
    assert read_out(**dated("removed_on", date(2017, 1, 1)), moved_to="梅園市").problems == {
        "removed_on": "before_resident"
    }
    assert read_out(**dated("removed_on", date(2026, 12, 1)), moved_to="桜木市中央").problems == {
        "removed_on": "future",
        "moved_to": "in_city",
    }
    assert read_out().problems == {"removed_on": "required", "moved_to": "required"}


CURRENT = rules.Correction(
    rules.Names("大野", "健二", "オオノ", "ケンジ", "ONO Kenji"),
    "000-0102",
    "桜木市中央二丁目5番8号",
    None,
)


def correction(**changes: str) -> dict[str, str]:
    form = {
        "family_name": "大野",
        "given_name": "健二",
        "family_name_kana": "オオノ",
        "given_name_kana": "ケンジ",
        "name_roman": "ONO Kenji",
        "postal_code": "000-0102",
        "address": "桜木市中央二丁目5番8号",
    }
    form.update(changes)
    return form


def read_correction(form: dict[str, str]) -> rules.Reading[rules.Correction]:
    return rules.read_correction(
        form, today=TODAY, current=CURRENT, became_resident_on=date(2022, 3, 15),
        postal_codes=POSTAL, municipality=CITY,
    )  # fmt: skip


def test_a_correction() -> None:
    assert read_correction(correction()).problems == {"family_name": "no_change"}
    renamed = read_correction(correction(given_name="健次"))
    assert renamed.value is not None
    assert renamed.value.moved_on is None
    assert read_correction(correction(address="桜木市中央一丁目1番")).problems == {
        "moved_on": "required"
    }
    moved = read_correction(
        correction(address="桜木市中央一丁目1番", **dated("moved_on", date(2026, 11, 1)))
    )
    assert moved.value is not None
    assert moved.value.moved_on == date(2026, 11, 1)
    early = correction(postal_code="000-0101", **dated("moved_on", date(2020, 1, 1)))
    assert read_correction(early).problems == {"moved_on": "before_resident"}
    outside = correction(address="梅園市一丁目", **dated("moved_on", date(2026, 11, 1)))
    assert read_correction(outside).problems == {"address": "not_in_city"}


def test_a_support_measure() -> None:
    reading = rules.read_measure(
        {"adverse_name": " 田村　剛 ", **dated("starts_on", TODAY)}, today=TODAY
    )
    assert reading.value == rules.NewMeasure("田村 剛", None, TODAY, date(2027, 11, 24))
    later = rules.read_measure(
        {"adverse_name": "田村 剛", **dated("adverse_birthdate", date(1965, 8, 20)),
         **dated("starts_on", date(2026, 12, 1))},
        today=TODAY,
    )  # fmt: skip
    assert later.value is not None
    assert (later.value.adverse_birthdate, later.value.ends_on) == (
        date(1965, 8, 20),
        date(2027, 11, 30),
    )
    assert rules.read_measure({**dated("starts_on", date(2026, 11, 24))}, today=TODAY).problems == {
        "adverse_name": "required",
        "starts_on": "past",
    }
