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
from residence.models import Resident
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


def test_the_register_holds_sakuragis_three_households(app, kit) -> None:
    residents = _residents(app)
    assert len(residents) == 19
    assert {r.household for r in residents.values()} == {"H1", "H2", "H3"}
    assert not {"X-1", "X-2"} & set(residents)
    kenta = residents["H1-1"]
    assert (kenta.family_name, kenta.given_name, kenta.sex) == ("森下", "健太", "male")
    assert (kenta.family_name_kana, kenta.given_name_kana) == ("モリシタ", "ケンタ")
    assert (kenta.address, kenta.postal_code) == ("桜木市中央一丁目2番3号", "000-0101")
    assert kenta.relationship == "世帯主"


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
    register, _client = _seed(app, today=date(2027, 1, 1))
    assert register == "resident register of 桜木市: 19 residents (0 added)"
    assert {k: r.model_dump() for k, r in _residents(app).items()} == before


def test_without_the_key_residents_have_no_pseudonym_and_the_report_says_so(
    register_app, kit
) -> None:
    app = register_app(exchange_pseudonym_key=None)
    assert {r.exchange_pseudonym for r in _residents(app).values()} == {None}
    register, _client = _seed(app)
    assert "no exchange pseudonyms: KIT_EXCHANGE_PSEUDONYM_KEY is not set" in register
    # The key configured later: the next seed gives everyone their pseudonym.
    register, _client = _seed(app, exchange_pseudonym_key=kit.KEY)
    assert register.endswith("(0 added); exchange pseudonyms set for 19")
    assert _residents(app)["H2-1"].exchange_pseudonym == kit.xid("H2-1")


def test_a_new_key_gives_new_pseudonyms(app, kit) -> None:
    other = "another-pseudonym-key-" + "o" * 20
    register, _client = _seed(app, exchange_pseudonym_key=other)
    assert register.endswith("exchange pseudonyms set for 19")
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
    }
    assert actual == expected
    for name, household in register["households"].items():
        assert household == personas["households"][name]
    assert {e.address[:3] for e in load_register().people} == {"桜木市"}
