"""What a residence certificate (住民票の写し) shows, who may see which items, and how it goes out.

The register's items (住民基本台帳法 §7) are printed for each person on the copy: name,
date of birth, sex, address, the date the person became a resident, the dates the address
was set and notified, and the previous address. Other items are printed only when asked for,
one box each (../shared/reference/domain.md §1.1, Kurashiki glossary, Takarazuka, Saku):

* 世帯主・続柄 — the head of household and the relationship to them;
* 本籍・筆頭者 — Japanese nationals only;
* 個人番号 (My Number) and 住民票コード — *statutory-only items*: a copy showing either may be
  used only where a statute requires it, so they need a statutory purpose, a third party never
  gets them (Odawara, Takarazuka, Tochigi), and a proxy's copy is mailed to the principal's
  registered address, never handed to the proxy (Akabira, Isahaya);
* foreign residents' items — nationality or region, the category of foreign resident, status
  and period of residence with its end, and the residence card number.

An online request is signed with the card's signing certificate when it is a proxy's or when
the copy shows a statutory-only item (domain.md §1.3, screen 7).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from residence.domain.eligibility import PersonOnRegister


class OptionalItem(StrEnum):
    """An item printed only when asked for."""

    HEAD_RELATIONSHIP = "head_relationship"
    HONSEKI = "honseki"
    MY_NUMBER = "my_number"
    JUMINHYO_CODE = "juminhyo_code"
    FOREIGN_ITEMS = "foreign_items"


class Purpose(StrEnum):
    """What the copy is for: an ordinary use, or a procedure whose statute requires the My
    Number or the 住民票コード."""

    BANK = "bank"
    LANDLORD = "landlord"
    EMPLOYER = "employer"
    VEHICLE = "vehicle"
    OTHER = "other"
    SOCIAL_INSURANCE = "social_insurance"  # 社会保険の手続
    TAX = "tax"  # 税の手続
    PENSION = "pension"  # 年金の手続
    EMPLOYMENT_INSURANCE = "employment_insurance"  # 雇用保険の手続


class Route(StrEnum):
    """Who asks, in relation to the person the copy is about."""

    SELF = "self"
    HOUSEHOLD = "household"
    PROXY = "proxy"
    THIRD_PARTY = "third_party"


class Delivery(StrEnum):
    """How the copy reaches the requester."""

    DOWNLOAD = "download"
    MAIL_TO_PRINCIPAL = "mail_to_principal"


#: The purposes under which a copy may show the My Number or the 住民票コード.
STATUTORY_PURPOSES = frozenset(
    {
        Purpose.SOCIAL_INSURANCE,
        Purpose.TAX,
        Purpose.PENSION,
        Purpose.EMPLOYMENT_INSURANCE,
    }
)
#: Items a copy may show only for a statutory purpose, never to a third party, and only
#: by mail to the principal when a proxy asks.
STATUTORY_ONLY_ITEMS = frozenset({OptionalItem.MY_NUMBER, OptionalItem.JUMINHYO_CODE})
#: 続柄 of the head of household on the register.
HEAD = "世帯主"

Row = tuple[str, str, str]


def parse_items(values: Iterable[str]) -> frozenset[OptionalItem]:
    """The optional items named by ``values`` (form or JSON input); :class:`ValueError`
    naming the first value that is not one."""
    items = set()
    for value in values:
        try:
            items.add(OptionalItem(value))
        except ValueError:
            raise ValueError(f"{value!r} is not an optional item") from None
    return frozenset(items)


def shows_statutory_only_item(items: Iterable[OptionalItem]) -> bool:
    """Whether the copy would show the My Number or the 住民票コード."""
    return not STATUTORY_ONLY_ITEMS.isdisjoint(items)


def items_problem(items: Iterable[OptionalItem], purpose: Purpose, route: Route) -> str | None:
    """``None`` when ``route`` may have ``items`` for ``purpose``; else
    ``"not_for_third_party"`` (a third party asks for a statutory-only item: never, whatever
    the purpose) or ``"statutory_purpose_needed"`` (a statutory-only item for an ordinary
    purpose)."""
    if not shows_statutory_only_item(items):
        return None
    if route is Route.THIRD_PARTY:
        return "not_for_third_party"
    if purpose not in STATUTORY_PURPOSES:
        return "statutory_purpose_needed"
    return None


def delivery_for(route: Route, items: Iterable[OptionalItem]) -> Delivery:
    """Mail to the principal when a proxy asks for a copy showing a statutory-only item;
    a download otherwise."""
    if route is Route.PROXY and shows_statutory_only_item(items):
        return Delivery.MAIL_TO_PRINCIPAL
    return Delivery.DOWNLOAD


def needs_signature(route: Route, items: Iterable[OptionalItem]) -> bool:
    """Whether the request must be signed with the card: a proxy's request, or a copy
    showing a statutory-only item."""
    return route is Route.PROXY or shows_statutory_only_item(items)


# -- what the certificate prints ---------------------------------------------------------------


def printed_items(
    person: PersonOnRegister, items: Iterable[OptionalItem], *, head_name: str | None = None
) -> list[Row]:
    """The rows the certificate prints for ``person``, each ``(label_ja, label_en, value)``:
    the register's items, then each optional item asked for that applies to them (本籍 to
    Japanese nationals, the foreign residents' items to foreigners). Dates are ISO strings
    (the certificate formats them); a value the register lacks is ``""``.

    ``head_name`` is the head of household's name, needed for 世帯主・続柄 unless ``person``
    is the head."""
    wanted = frozenset(items)
    rows = _register_rows(person)
    if OptionalItem.HEAD_RELATIONSHIP in wanted:
        rows += _head_rows(person, head_name)
    if OptionalItem.HONSEKI in wanted and person.nationality is None:
        rows += [("本籍", "Registered domicile", _text(person.honseki))]
        rows += [("筆頭者", "Head of the family register", _text(person.hittosha))]
    if OptionalItem.MY_NUMBER in wanted:
        rows += [("個人番号", "My Number", _text(person.my_number))]
    if OptionalItem.JUMINHYO_CODE in wanted:
        rows += [("住民票コード", "Resident record code", _text(person.juminhyo_code))]
    if OptionalItem.FOREIGN_ITEMS in wanted and person.nationality is not None:
        rows += _foreign_rows(person)
    return rows


_SEX = {"male": "男", "female": "女"}


def _register_rows(person: PersonOnRegister) -> list[Row]:
    return [
        ("氏名", "Name", person.full_name),
        ("フリガナ", "Name (kana)", person.full_name_kana),
        ("生年月日", "Date of birth", _text(person.birthdate)),
        ("性別", "Sex", _SEX.get(person.sex, person.sex)),
        ("住所", "Address", person.address),
        ("住民となった年月日", "Became a resident on", _text(person.became_resident_on)),
        ("住所を定めた年月日", "Address set on", _text(person.address_since)),
        ("届出年月日", "Notified on", _text(person.address_notified_on)),
        ("前住所", "Previous address", _text(person.previous_address)),
    ]


def _head_rows(person: PersonOnRegister, head_name: str | None) -> list[Row]:
    if person.relationship == HEAD:
        head_name = person.full_name
    if head_name is None:
        raise ValueError("世帯主・続柄 needs the head of household's name")
    return [
        ("世帯主", "Head of household", head_name),
        ("続柄", "Relationship to the head", person.relationship),
    ]


def _foreign_rows(person: PersonOnRegister) -> list[Row]:
    return [
        ("国籍・地域", "Nationality or region", _text(person.nationality)),
        (
            "外国人住民の区分",
            "Category of foreign resident",
            _text(person.foreign_resident_category),
        ),
        ("在留資格", "Status of residence", _text(person.residence_status)),
        ("在留期間", "Period of stay", _text(person.period_of_stay)),
        ("在留期間の満了日", "Period of stay ends on", _text(person.stay_expires_on)),
        ("在留カード等の番号", "Residence card number", _text(person.residence_card_number)),
    ]


def _text(value: str | date | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value
