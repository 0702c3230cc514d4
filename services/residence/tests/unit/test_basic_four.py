"""What a basic-four answer holds, and seed dates against the kit clock."""

from datetime import date

from residence.domain.basic_four import ITEMS, ResidentRecord, basic_four, released_items

KENTA = ResidentRecord(
    register_key="H1-1",
    family_name="森下",
    given_name="健太",
    family_name_kana="モリシタ",
    given_name_kana="ケンタ",
    name_roman="MORISHITA Kenta",
    birthdate=date(1990, 5, 12),
    sex="male",
    postal_code="000-0101",
    address="桜木市中央一丁目2番3号",
)


def test_the_answer_is_the_contracts_shape() -> None:
    assert basic_four(KENTA, resident="xid", as_of=date(2026, 11, 25)) == {
        "resident": "xid",
        "name": "森下 健太",
        "name_kana": "モリシタ ケンタ",
        "birthdate": "1990-05-12",
        "gender": "male",
        "address": "桜木市中央一丁目2番3号",
        "as_of": "2026-11-25",
    }


def test_every_item_of_the_answer_is_a_released_item() -> None:
    answer = basic_four(KENTA, resident="xid", as_of=date(2026, 11, 25))
    assert set(released_items()) == set(ITEMS) == set(answer) - {"resident", "as_of"}
    assert "my_number" not in answer
    assert "register_key" not in answer
