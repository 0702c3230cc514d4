"""The demo register: Sakuragi City's residents from ``seed/register.toml``.

:func:`load_register` reads the file; :func:`seed_register` (the use case ``kit prepare`` runs)
adds the people not yet in the register, with their dates shifted to the kit clock and their
exchange pseudonym computed with the kit's key, and gives a pseudonym to anyone who lacks one
(or whose pseudonym the current key no longer yields). It is idempotent.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from govkit.clock import seed_date
from govkit.exchange import exchange_pseudonym
from residence import repository
from residence.models import Resident, SupportMeasure

REGISTER = Path(__file__).parent / "seed" / "register.toml"


@dataclass(frozen=True)
class RegisterEntry:
    """A resident as the seed file lists them (dates as of the file's reference date; the
    household's address, move-in and 本籍 already applied unless the person overrides them)."""

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
    my_number: str
    juminhyo_code: str
    became_resident_on: date
    previous_address: str | None
    honseki: str | None
    hittosha: str | None
    nationality: str | None = None
    foreign_resident_category: str | None = None
    residence_status: str | None = None
    period_of_stay: str | None = None
    residence_card_number: str | None = None
    removed_on: date | None = None
    removal_reason: str | None = None


@dataclass(frozen=True)
class MeasureEntry:
    """A DV support measure as the seed file lists it (the adverse party by persona id)."""

    subject: str
    adverse_party: str
    adverse_name: str
    adverse_birthdate: date
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class RegisterFile:
    municipality: str
    lg_code: str
    reference_date: date
    people: tuple[RegisterEntry, ...]
    postal_codes: Mapping[str, str]
    support_measures: tuple[MeasureEntry, ...] = ()


_FOREIGN = (
    "nationality",
    "foreign_resident_category",
    "residence_status",
    "period_of_stay",
    "residence_card_number",
)


def _entry(entry: Mapping[str, Any], household: Mapping[str, Any]) -> RegisterEntry:
    def pick(key: str) -> Any:
        return entry.get(key, household.get(key))

    born_here = bool(entry.get("born_here"))
    foreign = entry.get("nationality") is not None
    return RegisterEntry(
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
        address=household["address"],
        postal_code=household["postal_code"],
        my_number=str(entry["my_number"]),
        juminhyo_code=str(entry["juminhyo_code"]),
        became_resident_on=entry["born"] if born_here else pick("moved_in"),
        previous_address=None if born_here else pick("previous_address"),
        honseki=None if foreign else pick("honseki"),
        hittosha=None if foreign else pick("hittosha"),
        **{key: entry.get(key) for key in _FOREIGN},
        removed_on=entry.get("removed_on"),
        removal_reason=entry.get("removal_reason"),
    )


def load_register(path: Path = REGISTER) -> RegisterFile:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    households: Mapping[str, Mapping[str, Any]] = data["households"]
    return RegisterFile(
        municipality=data["municipality"],
        lg_code=str(data["lg_code"]),
        reference_date=data["reference_date"],
        people=tuple(_entry(e, households[e["household"]]) for e in data["people"]),
        postal_codes=dict(data.get("postal_codes", {})),
        support_measures=tuple(MeasureEntry(**m) for m in data.get("support_measures", ())),
    )


@dataclass(frozen=True)
class SeedReport:
    total: int
    added: int
    completed: int
    pseudonyms_set: int
    measures_added: int
    has_key: bool

    def line(self, municipality: str) -> str:
        text = f"resident register of {municipality}: {self.total} residents ({self.added} added"
        if self.completed:
            text += f", {self.completed} completed"
        text += f"), {self.measures_added} support measures added"
        if not self.has_key:
            return text + (
                "; no exchange pseudonyms: KIT_EXCHANGE_PSEUDONYM_KEY is not set, so "
                "exchange calls find nobody"
            )
        if self.pseudonyms_set:
            return text + f"; exchange pseudonyms set for {self.pseudonyms_set}"
        return text


def _complete(resident: Resident, entry: RegisterEntry, shift: Callable[[date], date]) -> None:
    """Fill in the items added by migration 0004 (registers seeded before it lack them)."""
    resident.household = entry.household
    resident.relationship = entry.relationship
    resident.became_resident_on = shift(entry.became_resident_on)
    resident.address_since = resident.became_resident_on
    resident.address_notified_on = resident.became_resident_on
    resident.previous_address = entry.previous_address
    resident.honseki = entry.honseki
    resident.hittosha = entry.hittosha
    resident.juminhyo_code = entry.juminhyo_code
    resident.my_number = entry.my_number
    for key in _FOREIGN:
        setattr(resident, key, getattr(entry, key))
    if entry.residence_card_number is not None:
        resident.stay_expires_on = None  # 永住者: no end to the period of stay
    resident.removed_on = shift(entry.removed_on) if entry.removed_on else None
    resident.removal_reason = entry.removal_reason


def seed_register(
    *,
    session: Session,
    register: RegisterFile,
    pseudonym_key: str | None,
    today: date,
    now: datetime,
) -> SeedReport:
    """Add the file's people missing from the register (and complete those seeded before the
    register held every item), bring pseudonyms up to date with ``pseudonym_key`` (``None``:
    none are set, and existing ones are left as they are) and add the support measures."""

    def shift(day: date) -> date:
        return seed_date(day, reference_date=register.reference_date, today=today)

    added = completed = pseudonyms_set = 0
    for entry in register.people:
        pseudonym = exchange_pseudonym(pseudonym_key, entry.id) if pseudonym_key else None
        resident = repository.find_resident(session=session, register_key=entry.id)
        changed = False
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
                birthdate=shift(entry.born),
                sex=entry.sex,
                postal_code=entry.postal_code,
                address=entry.address,
                exchange_pseudonym=pseudonym,
                created_at=now,
            )
            _complete(resident, entry, shift)
            added += 1
            pseudonyms_set += pseudonym is not None
            changed = True
        elif resident.juminhyo_code is None:
            _complete(resident, entry, shift)
            completed += 1
            changed = True
        if pseudonym is not None and resident.exchange_pseudonym != pseudonym:
            resident.exchange_pseudonym = pseudonym
            pseudonyms_set += 1
            changed = True
        if changed:
            repository.save_resident(session=session, resident=resident)
    measures_added = 0
    for measure in register.support_measures:
        if repository.list_support_measures(session=session, subject=measure.subject):
            continue
        repository.save_support_measure(
            session=session,
            measure=SupportMeasure(
                subject=measure.subject,
                adverse_name=measure.adverse_name,
                adverse_birthdate=shift(measure.adverse_birthdate),
                adverse_pseudonym=(
                    exchange_pseudonym(pseudonym_key, measure.adverse_party)
                    if pseudonym_key
                    else None
                ),
                starts_on=shift(measure.starts_on),
                ends_on=shift(measure.ends_on),
                created_at=now,
            ),
        )
        measures_added += 1
    session.commit()
    return SeedReport(
        total=len(register.people),
        added=added,
        completed=completed,
        pseudonyms_set=pseudonyms_set,
        measures_added=measures_added,
        has_key=pseudonym_key is not None,
    )
