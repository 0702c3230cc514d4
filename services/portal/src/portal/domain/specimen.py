"""The specimen certificate: a fictional person's details, so the whole chain can be tried
before any journey exists. Pure: dates in, values out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DOCUMENT_TYPE = "specimen"
TITLE_JA = "見本証明書"
TITLE_EN = "Specimen certificate"
STATEMENT_JA = (
    "この文書は、窓口キットの電子証明書の見本であり、"
    "記載の内容が発行者の記録と相違ないことを証明する。"
)
STATEMENT_EN = (
    "This is a specimen of the Madoguchi kit's signed certificates. It certifies that its "
    "contents match the issuer's records."
)


@dataclass(frozen=True)
class SpecimenSubject:
    name: str = "見本 花子"
    name_kana: str = "ミホン ハナコ"
    name_roman: str = "MIHON Hanako"
    birth_date: date = date(1990, 4, 1)
    address: str = "桜木市中央一丁目1番1号（見本）"
    address_en: str = "1-1-1 Chuo, Sakuragi City (specimen)"


SUBJECT = SpecimenSubject()


def document_id(issued_on: date, index: int) -> str:
    """``SPC-20261121-000042``: readable, unique through the status index."""
    return f"SPC-{issued_on:%Y%m%d}-{index:06d}"


def valid_until(issued_on: date, validity_days: int) -> date:
    return issued_on + timedelta(days=validity_days)


def claims(subject: SpecimenSubject, *, valid_until_day: date) -> dict[str, object]:
    """What the document says, as attached in claims.json."""
    return {
        "valid_until": valid_until_day.isoformat(),
        "subject": {
            "name": subject.name,
            "name_kana": subject.name_kana,
            "name_roman": subject.name_roman,
            "birth_date": subject.birth_date.isoformat(),
            "address": subject.address,
        },
        "fictional": True,
    }
