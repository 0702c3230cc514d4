"""The back office's rules: what a clerk may enter into the register, and the dates of a DV
support measure. Pure: a form arrives as a mapping of the strings that were typed, ``today``
is a parameter, and each reader returns the value it understood or, for each field that is
wrong, a short problem code (the pages turn codes into messages on their fields).

Problem codes: ``required``, ``too_long``, ``incomplete`` / ``not_real`` / ``too_early`` (a
date), ``future`` (after ``today``), ``past`` (before ``today``), ``before_birth``,
``before_resident``, ``before_start``, ``not_katakana``, ``not_latin``, ``choose`` (a choice
outside the list), ``not_in_city`` (an address outside the municipality), ``in_city`` (a
previous address or destination inside it: that is a change of address), ``head_needed``,
``head_exists``, ``not_for_foreign``, ``nationality_needed``, ``card_format``,
``code_format``, ``no_change``; the My Number's and the postal code's own codes from
:mod:`residence.domain.identifiers` (``not_digits``, ``length``, ``check_digit``, ``format``,
``unknown``, ``outside``). The use cases add ``taken``, ``unknown_household`` and
``not_household_address``, which need the register.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from residence.domain.agency_services import same_address
from residence.domain.identifiers import (
    my_number_problem,
    normalise_digits,
    normalise_postal_code,
    postal_code_problem,
)

T = TypeVar("T")

HEAD = "世帯主"
#: The relationship a child born into a household gets (since 1995 every child is "子").
CHILD = "子"
SEXES = ("male", "female")
MAX_NAME = 100
MAX_ROMAN = 200
MAX_ADDRESS = 300
MAX_RELATIONSHIP = 20
MAX_REASON = 500
MAX_QUERY = 100
MAX_FOREIGN = 100
EARLIEST = date(1900, 1, 1)
#: The prefix of register keys and household numbers the back office makes (seed people use
#: ``H1-1``…; new households are ``M1``, ``M2``…, their people ``M1-1``…).
NEW_HOUSEHOLD_PREFIX = "M"

_KANA = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fb ]+$")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z '.-]*$")
_CARD = re.compile(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$")
_HOUSEHOLD = re.compile(r"^[A-Z0-9-]{1,32}$")


class ForeignCategory(StrEnum):
    """住民基本台帳法 §30-45: who among foreign nationals is on the register."""

    MID_TO_LONG_TERM = "中長期在留者"
    SPECIAL_PERMANENT = "特別永住者"
    TEMPORARY_REFUGE = "一時庇護許可者"
    PROVISIONAL_STAY = "仮滞在許可者"
    BIRTH_TRANSITION = "出生による経過滞在者"
    NATIONALITY_LOSS_TRANSITION = "国籍喪失による経過滞在者"


@dataclass(frozen=True)
class Reading(Generic[T]):
    """What a form said: the ``value`` when every field was right, else ``problems``
    (field name → problem code)."""

    value: T | None
    problems: Mapping[str, str]


# -- single fields --------------------------------------------------------------------------------


def clean(text: str | None) -> str:
    """Spaces at both ends dropped, runs of spaces (and ideographic spaces) made one."""
    return " ".join((text or "").replace("\u3000", " ").split())


def normalise_kana(text: str) -> str:
    """Katakana as the register writes it: half-width kana made full-width (NFKC), hiragana
    made katakana, spaces tidied (``'もりした ｹﾝﾀ'`` → ``'モリシタ ケンタ'``)."""
    text = unicodedata.normalize("NFKC", clean(text))
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


#: Full-width digits (``１８``) as ASCII: the only other digits a date box accepts.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def read_date(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    """A date typed in three boxes (full-width digits allowed): ``(date, None)`` or
    ``(None, "required" | "incomplete" | "not_real" | "too_early")``. Anything but 1–2
    digits for the day and month and 4 for the year is ``not_real`` (a sign, ``²``, other
    scripts' digits, a number too large for a date)."""
    parts = [(p or "").translate(_FULL_WIDTH_DIGITS).strip() for p in (day, month, year)]
    if not any(parts):
        return None, "required"
    if not all(parts):
        return None, "incomplete"
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None, "not_real"
    if len(parts[0]) > 2 or len(parts[1]) > 2 or len(parts[2]) != 4:
        return None, "not_real"
    try:
        value = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except (ValueError, OverflowError):
        return None, "not_real"
    if value < EARLIEST:
        return None, "too_early"
    return value, None


def one_year_from(start: date) -> date:
    """The last day of a one-year period starting on ``start`` (a measure from 2026-05-26
    ends on 2027-05-25; one from 29 February ends on 28 February)."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February, and next year has none
        anniversary = date(start.year + 1, 3, 1)
    return anniversary - timedelta(days=1)


def renewed_until(ends_on: date) -> date:
    """A renewal adds a year after the current end."""
    return one_year_from(ends_on + timedelta(days=1))


class MeasureState(StrEnum):
    ACTIVE = "active"
    SCHEDULED = "scheduled"
    ENDED = "ended"
    LIFTED = "lifted"


def measure_state(
    *, starts_on: date, ends_on: date, lifted_on: date | None, today: date
) -> MeasureState:
    if lifted_on is not None and lifted_on <= today:
        return MeasureState.LIFTED
    if today < starts_on:
        return MeasureState.SCHEDULED
    if today > ends_on:
        return MeasureState.ENDED
    return MeasureState.ACTIVE


def mask_juminhyo_code(code: str | None) -> str:
    """How a 住民票コード is shown outside the certificate: its last four digits only."""
    digits = normalise_digits(code or "")
    if len(digits) != 11 or not (digits.isascii() and digits.isdigit()):
        return "*******-****"
    return f"*******-{digits[-4:]}"


def query_problem(query: str) -> str | None:
    return "too_long" if len(query) > MAX_QUERY else None


def reason_problem(text: str) -> str | None:
    """A clerk's reason (for a refusal or a revocation)."""
    if not clean(text):
        return "required"
    return "too_long" if len(text.strip()) > MAX_REASON else None


def relationship_problem(relationship: str, *, new_household: bool, has_head: bool) -> str | None:
    """A new household's first member is its head; a household has one head."""
    if new_household and relationship != HEAD:
        return "head_needed"
    if not new_household and relationship == HEAD and has_head:
        return "head_exists"
    return None


def normalise_household(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


# -- reading a whole form -------------------------------------------------------------------------


class _Form:
    """Reads fields of one form, collecting problems."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = fields
        self.problems: dict[str, str] = {}

    def raw(self, name: str) -> str:
        value = self.fields.get(name)
        return value if isinstance(value, str) else ""

    def fail(self, name: str, code: str) -> None:
        self.problems.setdefault(name, code)

    def text(self, name: str, *, limit: int, required: bool = True) -> str:
        value = clean(self.raw(name))
        if not value:
            if required:
                self.fail(name, "required")
        elif len(value) > limit:
            self.fail(name, "too_long")
        return value

    def kana(self, name: str) -> str:
        value = normalise_kana(self.raw(name))
        if not value:
            self.fail(name, "required")
        elif len(value) > MAX_NAME:
            self.fail(name, "too_long")
        elif not _KANA.match(value):
            self.fail(name, "not_katakana")
        return value

    def roman(self, name: str) -> str:
        value = clean(unicodedata.normalize("NFKC", self.raw(name)))
        if not value:
            self.fail(name, "required")
        elif len(value) > MAX_ROMAN:
            self.fail(name, "too_long")
        elif not _LATIN.match(value):
            self.fail(name, "not_latin")
        return value

    def date(self, name: str, *, required: bool = True) -> date | None:
        value, problem = read_date(
            self.raw(f"{name}-day"), self.raw(f"{name}-month"), self.raw(f"{name}-year")
        )
        if problem == "required" and not required:
            return None
        if problem is not None:
            self.fail(name, problem)
        return value

    def not_future(self, name: str, value: date | None, today: date) -> None:
        if value is not None and value > today:
            self.fail(name, "future")

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.raw(name).strip()
        if value not in choices:
            self.fail(name, "choose")
        return value


def _in_municipality(address: str, municipality: str) -> bool:
    return unicodedata.normalize("NFKC", address).startswith(municipality)


@dataclass(frozen=True)
class Names:
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    name_roman: str


def _names(form: _Form) -> Names:
    return Names(
        family_name=form.text("family_name", limit=MAX_NAME),
        given_name=form.text("given_name", limit=MAX_NAME),
        family_name_kana=form.kana("family_name_kana"),
        given_name_kana=form.kana("given_name_kana"),
        name_roman=form.roman("name_roman"),
    )


def _address(form: _Form, *, postal_codes: Mapping[str, str], municipality: str) -> tuple[str, str]:
    postal = form.raw("postal_code")
    problem = (
        "required"
        if not postal.strip()
        else postal_code_problem(postal, known=postal_codes, municipality=municipality)
    )
    if problem is not None:
        form.fail("postal_code", problem)
    address = form.text("address", limit=MAX_ADDRESS)
    if address and "address" not in form.problems and not _in_municipality(address, municipality):
        form.fail("address", "not_in_city")
    return (normalise_postal_code(postal) if problem is None else postal.strip()), address


@dataclass(frozen=True)
class ForeignItems:
    nationality: str
    category: str
    residence_status: str
    period_of_stay: str | None
    stay_expires_on: date | None
    residence_card_number: str | None


@dataclass(frozen=True)
class MoveIn:
    """A person moving into the city (転入): everything the register holds about them."""

    #: The household they join, or ``None`` for a new household (they are its head).
    household: str | None
    relationship: str
    names: Names
    birthdate: date
    sex: str
    postal_code: str
    address: str
    moved_in_on: date
    previous_address: str
    my_number: str
    #: ``None``: the register gives them a new 住民票コード.
    juminhyo_code: str | None
    honseki: str | None
    hittosha: str | None
    foreign: ForeignItems | None


_FOREIGN_FIELDS = (
    "foreign_resident_category",
    "residence_status",
    "period_of_stay",
    "residence_card_number",
)


def read_move_in(
    fields: Mapping[str, str],
    *,
    today: date,
    postal_codes: Mapping[str, str],
    municipality: str,
) -> Reading[MoveIn]:
    """A move-in form: household (``household_choice`` ``new`` or ``existing`` with
    ``household``), relationship, names, birth date, sex, new address, the day they moved in,
    previous address, My Number, 住民票コード (optional), and either 本籍/筆頭者 (Japanese
    nationals) or the foreign resident's items (``nationality`` given)."""
    form = _Form(fields)
    choice = form.choice("household_choice", ("new", "existing"))
    household: str | None = None
    if choice == "existing":
        household = normalise_household(form.raw("household"))
        if not household:
            form.fail("household", "required")
        elif not _HOUSEHOLD.match(household):
            form.fail("household", "unknown_household")
    relationship = form.text("relationship", limit=MAX_RELATIONSHIP)
    if relationship and choice == "new" and relationship != HEAD:
        form.fail("relationship", "head_needed")
    names = _names(form)
    birthdate = form.date("birthdate")
    form.not_future("birthdate", birthdate, today)
    sex = form.choice("sex", SEXES)
    postal_code, address = _address(form, postal_codes=postal_codes, municipality=municipality)
    moved_in_on = form.date("moved_in_on")
    form.not_future("moved_in_on", moved_in_on, today)
    if moved_in_on and birthdate and "birthdate" not in form.problems and moved_in_on < birthdate:
        form.fail("moved_in_on", "before_birth")
    previous = form.text("previous_address", limit=MAX_ADDRESS)
    if previous and _in_municipality(previous, municipality):
        form.fail("previous_address", "in_city")
    my_number = form.raw("my_number")
    problem = my_number_problem(my_number)
    if problem is not None:
        form.fail("my_number", "required" if problem == "empty" else problem)
    code = normalise_digits(form.raw("juminhyo_code"))
    if code and not (len(code) == 11 and code.isascii() and code.isdigit()):
        form.fail("juminhyo_code", "code_format")
    nationality = form.text("nationality", limit=MAX_FOREIGN, required=False)
    foreign = _foreign(form, nationality)
    honseki = form.text("honseki", limit=MAX_ADDRESS, required=not nationality)
    hittosha = form.text("hittosha", limit=MAX_NAME, required=not nationality)
    if nationality:
        for name, value in (("honseki", honseki), ("hittosha", hittosha)):
            if value:
                form.fail(name, "not_for_foreign")
    if form.problems or birthdate is None or moved_in_on is None:
        return Reading(None, dict(form.problems))
    return Reading(
        MoveIn(
            household=household,
            relationship=relationship,
            names=names,
            birthdate=birthdate,
            sex=sex,
            postal_code=postal_code,
            address=address,
            moved_in_on=moved_in_on,
            previous_address=previous,
            my_number=normalise_digits(my_number),
            juminhyo_code=code or None,
            honseki=honseki or None,
            hittosha=hittosha or None,
            foreign=foreign,
        ),
        {},
    )


def _foreign(form: _Form, nationality: str) -> ForeignItems | None:
    """The foreign resident's items (when a nationality is given; else they must be empty)."""
    if not nationality:
        typed = [name for name in _FOREIGN_FIELDS if clean(form.raw(name))]
        typed += ["stay_expires_on"] if form.date("stay_expires_on", required=False) else []
        if typed:
            form.fail("nationality", "nationality_needed")
        return None
    category = form.choice("foreign_resident_category", tuple(ForeignCategory))
    status = form.text("residence_status", limit=MAX_FOREIGN)
    period = form.text("period_of_stay", limit=50, required=False)
    expires = form.date("stay_expires_on", required=False)
    card = unicodedata.normalize("NFKC", form.raw("residence_card_number")).strip().upper()
    if card and not _CARD.match(card):
        form.fail("residence_card_number", "card_format")
    return ForeignItems(
        nationality=nationality,
        category=category,
        residence_status=status,
        period_of_stay=period or None,
        stay_expires_on=expires,
        residence_card_number=card or None,
    )


@dataclass(frozen=True)
class Birth:
    """A child born to a household of the city (出生届): a resident from their birth date."""

    names: Names
    birthdate: date
    sex: str
    relationship: str


def read_birth(fields: Mapping[str, str], *, today: date) -> Reading[Birth]:
    form = _Form(fields)
    names = _names(form)
    birthdate = form.date("birthdate")
    form.not_future("birthdate", birthdate, today)
    sex = form.choice("sex", SEXES)
    relationship = form.text("relationship", limit=MAX_RELATIONSHIP, required=False) or CHILD
    if relationship == HEAD:
        form.fail("relationship", "head_exists")
    if form.problems or birthdate is None:
        return Reading(None, dict(form.problems))
    return Reading(Birth(names, birthdate, sex, relationship), {})


@dataclass(frozen=True)
class MoveOut:
    """A resident moving out of the city (転出): removed on ``removed_on`` (除票)."""

    removed_on: date
    moved_to: str


def read_move_out(
    fields: Mapping[str, str], *, today: date, became_resident_on: date | None, municipality: str
) -> Reading[MoveOut]:
    form = _Form(fields)
    removed_on = form.date("removed_on")
    form.not_future("removed_on", removed_on, today)
    if removed_on and became_resident_on and removed_on < became_resident_on:
        form.fail("removed_on", "before_resident")
    moved_to = form.text("moved_to", limit=MAX_ADDRESS)
    if moved_to and _in_municipality(moved_to, municipality):
        form.fail("moved_to", "in_city")
    if form.problems or removed_on is None:
        return Reading(None, dict(form.problems))
    return Reading(MoveOut(removed_on, moved_to), {})


@dataclass(frozen=True)
class Correction:
    """New names or a new address for a resident. ``moved_on`` is set when the address
    changes (a move within the city, 転居): the day they moved."""

    names: Names
    postal_code: str
    address: str
    moved_on: date | None


def read_correction(
    fields: Mapping[str, str],
    *,
    today: date,
    current: Correction,
    became_resident_on: date | None,
    postal_codes: Mapping[str, str],
    municipality: str,
) -> Reading[Correction]:
    """Names and address as the clerk corrected them; ``moved_on`` is needed (and read) only
    when the address or postal code changed (the same address typed with full-width digits
    or other spaces is no change: it stays as written); nothing changed at all is
    ``no_change``."""
    form = _Form(fields)
    names = _names(form)
    postal_code, address = _address(form, postal_codes=postal_codes, municipality=municipality)
    moved = postal_code != current.postal_code or not same_address(address, current.address)
    if not moved:
        address = current.address
    moved_on = form.date("moved_on") if moved else None
    form.not_future("moved_on", moved_on, today)
    if moved_on and became_resident_on and moved_on < became_resident_on:
        form.fail("moved_on", "before_resident")
    if form.problems:
        return Reading(None, dict(form.problems))
    corrected = Correction(names, postal_code, address, moved_on)
    if not moved and names == current.names:
        return Reading(None, {"family_name": "no_change"})
    return Reading(corrected, {})


@dataclass(frozen=True)
class NewMeasure:
    """A DV support measure (DV等支援措置): one year from ``starts_on``, renewable."""

    adverse_name: str
    adverse_birthdate: date | None
    starts_on: date
    ends_on: date


def read_measure(fields: Mapping[str, str], *, today: date) -> Reading[NewMeasure]:
    form = _Form(fields)
    name = form.text("adverse_name", limit=200)
    birthdate = form.date("adverse_birthdate", required=False)
    form.not_future("adverse_birthdate", birthdate, today)
    starts_on = form.date("starts_on")
    if starts_on is not None and starts_on < today:
        form.fail("starts_on", "past")
    if form.problems or starts_on is None:
        return Reading(None, dict(form.problems))
    return Reading(NewMeasure(name, birthdate, starts_on, one_year_from(starts_on)), {})
