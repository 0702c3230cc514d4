"""The demo register `kit prepare` loads: Sakuragi City's residents (the Sakuragi households of
the identity provider's personas), dates on the kit clock, exchange pseudonyms from the key;
idempotent (SQLite, then PostgreSQL)."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from govkit.db import Database, get_database
from govkit.exchange import exchange_pseudonym
from govkit.service import load_definition
from residence.models import Resident, SupportMeasure
from residence.seeding import REGISTER, load_register

IDP_PERSONAS = Path(__file__).resolve().parents[3] / "idp/src/idp/seed/personas.toml"


def _residents(app) -> dict[str, Resident]:
    with get_database(app).session() as session:
        return {r.register_key: r for r in session.exec(select(Resident))}


def _seed(app, **overrides) -> list[str]:
    definition = load_definition("residence")
    settings = definition.settings_class.model_validate(
        {**app.extensions["govkit.settings"].model_dump(), **overrides}
    )
    database = Database(settings.database_url)
    try:
        return definition.seed(settings, database)  # type: ignore[misc]
    finally:
        database.dispose()


def test_the_register_holds_sakuragis_households(app, kit) -> None:
    residents = _residents(app)
    assert len(residents) == 20
    assert {r.household for r in residents.values()} == {"H1", "H2", "H3", "H4"}
    assert not {"X-1", "X-2", "X-3"} & set(residents)
    kenta = residents["H1-1"]
    assert (kenta.family_name, kenta.given_name, kenta.sex) == ("森下", "健太", "male")
    assert (kenta.family_name_kana, kenta.given_name_kana) == ("モリシタ", "ケンタ")
    assert (kenta.address, kenta.postal_code) == ("桜木市中央一丁目2番3号", "000-0101")
    assert kenta.relationship == "世帯主"
    assert (kenta.honseki, kenta.hittosha) == ("桜木市中央一丁目2番", "森下 健太")
    assert kenta.became_resident_on == date(2018, 4, 1) + (kit.TODAY - date(2025, 12, 1))


def test_every_item_of_the_register_is_filled_in(app, kit) -> None:
    residents = _residents(app)
    numbers = {r.my_number for r in residents.values()}
    assert len(numbers) == 20
    assert all(n and n.startswith("9990") for n in numbers)
    assert residents["H1-1"].my_number == "999000000016"
    assert all(r.juminhyo_code and len(r.juminhyo_code) == 11 for r in residents.values())
    # 亮介's parents share H3's address but are a household of their own.
    masao, ryosuke = residents["H3-6"], residents["H3-1"]
    assert masao.address == ryosuke.address
    assert masao.household != ryosuke.household
    assert masao.relationship == "世帯主"
    # A newborn became a resident on the day she was born, with no previous address.
    assert residents["H1-5"].became_resident_on == residents["H1-5"].birthdate
    assert residents["H1-5"].previous_address is None
    # Lan is a foreign resident: her residence items and no 本籍.
    lan = residents["H3-2"]
    assert (lan.nationality, lan.residence_status) == ("ベトナム", "永住者")
    assert lan.residence_card_number == "AB12345678CD"
    assert lan.honseki is None
    # 大野 茂 has died: his record stays as a removed one (除票).
    shigeru = residents["H2-9"]
    assert shigeru.removal_reason == "died"
    assert shigeru.removed_on is not None


def test_the_dv_support_measure_names_the_adverse_partys_pseudonym(app, kit) -> None:
    with get_database(app).session() as session:
        measures = session.exec(select(SupportMeasure)).all()
    assert [(m.subject, m.adverse_name) for m in measures] == [("H2-2", "田村 剛")]
    assert measures[0].adverse_pseudonym == kit.xid("X-3")
    assert measures[0].starts_on <= kit.TODAY <= measures[0].ends_on


def test_dates_are_shifted_to_the_kit_clock(app, kit) -> None:
    residents = _residents(app)
    assert (kit.TODAY - residents["H1-5"].birthdate).days == 11  # the newborn
    shift = kit.TODAY - date(2025, 12, 1)
    assert residents["H1-1"].birthdate == date(1990, 5, 12) + shift


def test_pseudonyms_are_the_kits_function_of_the_register_key(app, kit) -> None:
    for key, resident in _residents(app).items():
        assert resident.exchange_pseudonym == exchange_pseudonym(kit.KEY, key)


def test_seeding_again_changes_nothing(app, kit) -> None:
    before = {k: r.model_dump() for k, r in _residents(app).items()}
    register, _seal, _client = _seed(app, today=date(2027, 1, 1))
    assert register == (
        "resident register of 桜木市: 20 residents (0 added), 0 support measures added"
    )
    assert {k: r.model_dump() for k, r in _residents(app).items()} == before


def test_without_the_key_residents_have_no_pseudonym_and_the_report_says_so(
    register_app, kit
) -> None:
    app = register_app(exchange_pseudonym_key=None)
    assert {r.exchange_pseudonym for r in _residents(app).values()} == {None}
    register, _seal, _client = _seed(app)
    assert "no exchange pseudonyms: KIT_EXCHANGE_PSEUDONYM_KEY is not set" in register
    # The key configured later: the next seed gives everyone their pseudonym.
    register, _seal, _client = _seed(app, exchange_pseudonym_key=kit.KEY)
    assert register.endswith("0 support measures added; exchange pseudonyms set for 20")
    assert _residents(app)["H2-1"].exchange_pseudonym == kit.xid("H2-1")


def test_a_new_key_gives_new_pseudonyms(app, kit) -> None:
    other = "another-pseudonym-key-" + "o" * 20
    register, _seal, _client = _seed(app, exchange_pseudonym_key=other)
    assert register.endswith("exchange pseudonyms set for 20")
    assert _residents(app)["H1-1"].exchange_pseudonym == kit.xid("H1-1", key=other)


@pytest.mark.skipif(not IDP_PERSONAS.exists(), reason="the identity provider's source is absent")
def test_the_register_agrees_with_the_identity_providers_personas() -> None:
    """Same ids (hence the same pseudonyms), names, dates and addresses as Madoguchi ID."""
    personas = tomllib.loads(IDP_PERSONAS.read_text(encoding="utf-8"))
    register = tomllib.loads(REGISTER.read_text(encoding="utf-8"))
    assert register["reference_date"] == personas["reference_date"]
    fields = ("family_name", "given_name", "family_name_kana", "given_name_kana", "name_roman")
    expected = {
        p["id"]: (*(p[f] for f in fields), p["sex"], p["born"], p["household"], p["relationship"])
        for p in personas["people"]
        if p["household"] in register["households"]
    }
    actual = {
        p["id"]: (*(p[f] for f in fields), p["sex"], p["born"], p["household"], p["relationship"])
        for p in register["people"]
        if "removed_on" not in p  # the dead have no card
    }
    assert actual == expected
    for name, household in register["households"].items():
        place = personas["households"][name]
        assert (household["address"], household["postal_code"]) == (
            place["address"],
            place["postal_code"],
        )
    # The same My Numbers as the cards (the persona's 1-based place in the file).
    numbers = {p["id"]: p["my_number"] for p in register["people"]}
    for index, persona in enumerate(personas["people"], start=1):
        if persona["id"] in numbers:
            assert numbers[persona["id"]] == f"9990{index:07d}" + numbers[persona["id"]][-1]
    assert {e.address[:3] for e in load_register().people} == {"桜木市"}
