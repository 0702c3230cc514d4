"""The basic-four service (基本4情報: name, date of birth, sex, address) of the resident register.

Every call releases the same items, all or nothing: a consent must cover each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: The exchange service the register answers basic-four calls on.
SERVICE = "JP-KIT/GOV/LG-139998/residence/basic-four"
#: What a basic-four answer holds about the resident, in the consent's vocabulary.
ITEMS: tuple[str, ...] = ("name", "name_kana", "birthdate", "gender", "address")


@dataclass(frozen=True)
class ResidentRecord:
    """A resident as the register holds them (the part the basic four are read from)."""

    register_key: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    name_roman: str
    birthdate: date
    sex: str
    postal_code: str
    address: str


def released_items() -> tuple[str, ...]:
    """The items a basic-four answer releases (every one of them, every time)."""
    return ITEMS


def basic_four(record: ResidentRecord, *, resident: str, as_of: date) -> dict[str, str]:
    """The answer to a basic-four call about ``record``, filed under the caller's ``resident``
    id (the exchange pseudonym, never the register key), as the register reads on ``as_of``."""
    return {
        "resident": resident,
        "name": f"{record.family_name} {record.given_name}",
        "name_kana": f"{record.family_name_kana} {record.given_name_kana}",
        "birthdate": record.birthdate.isoformat(),
        "gender": record.sex,
        "address": record.address,
        "as_of": as_of.isoformat(),
    }
