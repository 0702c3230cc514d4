"""The demo register: Sakuragi City's residents from ``seed/register.toml``.

:func:`load_register` reads the file; :func:`seed_register` (the use case ``kit prepare`` runs)
adds the people not yet in the register, with their dates shifted to the kit clock and their
exchange pseudonym computed with the kit's key, and gives a pseudonym to anyone who lacks one
(or whose pseudonym the current key no longer yields). It is idempotent.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from govkit.clock import seed_date
from govkit.exchange import exchange_pseudonym
from residence import repository
from residence.models import Resident

REGISTER = Path(__file__).parent / "seed" / "register.toml"


@dataclass(frozen=True)
class RegisterEntry:
    """A resident as the seed file lists them (dates as of the file's reference date)."""

    id: str
    household: str
    relationship: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    name_roman: str
    sex: str
    born: date
    address: str
    postal_code: str


@dataclass(frozen=True)
class RegisterFile:
    municipality: str
    lg_code: str
    reference_date: date
    people: tuple[RegisterEntry, ...]


def load_register(path: Path = REGISTER) -> RegisterFile:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    households: Mapping[str, Mapping[str, Any]] = data["households"]
    people = tuple(
        RegisterEntry(
            id=str(entry["id"]),
            household=str(entry["household"]),
            relationship=entry["relationship"],
            family_name=entry["family_name"],
            given_name=entry["given_name"],
            family_name_kana=entry["family_name_kana"],
            given_name_kana=entry["given_name_kana"],
            name_roman=entry["name_roman"],
            sex=entry["sex"],
            born=entry["born"],
            address=households[entry["household"]]["address"],
            postal_code=households[entry["household"]]["postal_code"],
        )
        for entry in data["people"]
    )
    return RegisterFile(
        municipality=data["municipality"],
        lg_code=str(data["lg_code"]),
        reference_date=data["reference_date"],
        people=people,
    )


@dataclass(frozen=True)
class SeedReport:
    total: int
    added: int
    pseudonyms_set: int
    has_key: bool

    def line(self, municipality: str) -> str:
        text = f"resident register of {municipality}: {self.total} residents ({self.added} added)"
        if not self.has_key:
            return text + (
                "; no exchange pseudonyms: KIT_EXCHANGE_PSEUDONYM_KEY is not set, so "
                "exchange calls find nobody"
            )
        if self.pseudonyms_set:
            return text + f"; exchange pseudonyms set for {self.pseudonyms_set}"
        return text


def seed_register(
    *,
    session: Session,
    register: RegisterFile,
    pseudonym_key: str | None,
    today: date,
    now: datetime,
) -> SeedReport:
    """Add the file's people missing from the register and bring pseudonyms up to date with
    ``pseudonym_key`` (``None``: none are set, and existing ones are left as they are)."""
    added = pseudonyms_set = 0
    for entry in register.people:
        pseudonym = exchange_pseudonym(pseudonym_key, entry.id) if pseudonym_key else None
        resident = repository.find_resident(session=session, register_key=entry.id)
        if resident is None:
            resident = Resident(
                register_key=entry.id,
                household=entry.household,
                relationship=entry.relationship,
                family_name=entry.family_name,
                given_name=entry.given_name,
                family_name_kana=entry.family_name_kana,
                given_name_kana=entry.given_name_kana,
                name_roman=entry.name_roman,
                birthdate=seed_date(
                    entry.born, reference_date=register.reference_date, today=today
                ),
                sex=entry.sex,
                postal_code=entry.postal_code,
                address=entry.address,
                exchange_pseudonym=pseudonym,
                created_at=now,
            )
            added += 1
            pseudonyms_set += pseudonym is not None
        elif pseudonym is not None and resident.exchange_pseudonym != pseudonym:
            resident.exchange_pseudonym = pseudonym
            pseudonyms_set += 1
        else:
            continue
        repository.save_resident(session=session, resident=resident)
    session.commit()
    return SeedReport(
        total=len(register.people),
        added=added,
        pseudonyms_set=pseudonyms_set,
        has_key=pseudonym_key is not None,
    )
