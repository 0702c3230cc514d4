"""Which claims each scope releases (idp.domain.claims) and pairwise subjects."""

from __future__ import annotations

from datetime import date

import pytest

from idp.domain.claims import (
    BASIC_SCOPES,
    MY_NUMBER_SCOPE,
    SUPPORTED_SCOPES,
    Person,
    pairwise_subject,
    released_claims,
)

MORISHITA = Person(
    family_name="森下",
    given_name="健太",
    family_name_kana="モリシタ",
    given_name_kana="ケンタ",
    name_roman="MORISHITA Kenta",
    birthdate=date(1990, 5, 12),
    gender="male",
    postal_code="000-0101",
    address="桜木市中央一丁目2番3号",
    my_number="999000000016",
)
NAME_CLAIMS = {
    "name": "森下 健太",
    "family_name": "森下",
    "given_name": "健太",
    "name#ja-Kana-JP": "モリシタ ケンタ",
    "family_name#ja-Kana-JP": "モリシタ",
    "given_name#ja-Kana-JP": "ケンタ",
    "name#ja-Latn-JP": "MORISHITA Kenta",
}
ADDRESS_CLAIM = {"formatted": "桜木市中央一丁目2番3号", "postal_code": "000-0101", "country": "JP"}


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ({"openid"}, {}),
        ({"openid", "name"}, NAME_CLAIMS),
        ({"openid", "address"}, {"address": ADDRESS_CLAIM}),
        ({"openid", "birthdate"}, {"birthdate": "1990-05-12"}),
        ({"openid", "gender"}, {"gender": "male"}),
        (
            set(BASIC_SCOPES),
            {**NAME_CLAIMS, "address": ADDRESS_CLAIM, "birthdate": "1990-05-12", "gender": "male"},
        ),
        ({"openid", "offline_access", "profile", "email"}, {}),
    ],
)
def test_each_scope_releases_its_part_of_the_basic_four(
    scopes: set[str], expected: dict[str, object]
) -> None:
    """The Digital Authentication App's scopes: name (kanji, kana, Latin), address, birth date,
    gender; nothing for scopes the kit does not know."""
    assert released_claims(MORISHITA, scopes, statutory_basis=None) == expected


def test_the_my_number_needs_the_scope_and_a_statute() -> None:
    """Only a client registered with a statutory basis gets the My Number, and only if it asked."""
    asked = {"openid", MY_NUMBER_SCOPE}
    assert released_claims(MORISHITA, asked, statutory_basis=None) == {}
    assert released_claims(MORISHITA, asked, statutory_basis="") == {}
    assert released_claims(MORISHITA, {"openid"}, statutory_basis="番号法 別表第二") == {}
    assert released_claims(MORISHITA, asked, statutory_basis="番号法 別表第二") == {
        "my_number": "999000000016"
    }


def test_no_my_number_is_released_for_a_person_without_one() -> None:
    person = Person(**{**MORISHITA.__dict__, "my_number": None})
    assert released_claims(person, {"openid", MY_NUMBER_SCOPE}, statutory_basis="x") == {}


def test_supported_scopes_are_the_basic_four_plus_my_number_and_offline_access() -> None:
    assert set(SUPPORTED_SCOPES) == {
        "openid", "name", "address", "birthdate", "gender", "my_number", "offline_access",
    }  # fmt: skip


def test_pairwise_subjects_are_stable_per_sector_and_unlinkable_across() -> None:
    salt = b"s" * 32
    first = pairwise_subject("residence.example", "citizen-1", salt)
    assert first == pairwise_subject("residence.example", "citizen-1", salt)
    assert first != pairwise_subject("pension.example", "citizen-1", salt)
    assert first != pairwise_subject("residence.example", "citizen-2", salt)
    assert first != pairwise_subject("residence.example", "citizen-1", b"t" * 32)
    assert len(first) == 43  # 32 bytes, base64url without padding
    assert "=" not in first
    assert "citizen-1" not in first
