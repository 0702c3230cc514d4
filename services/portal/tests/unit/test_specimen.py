"""The specimen certificate's pure parts: what it is called, until when it is valid, what it
says and how its rows print.

Proves: document numbers read ``SPC-YYYYMMDD-NNNNNN`` and fit the database column; validity is
counted in days from the day of issue; the claims describe the fictional subject, say it is
fictional and carry no My Number (個人番号); the printed rows give dates in 和暦 with the ISO date
beside them.
"""

import json
import re
from datetime import date
from typing import Any

import pytest

from portal.domain import specimen
from portal.models import IssuedDocument
from portal.services import specimen_rows


@pytest.mark.parametrize(
    ("issued_on", "index", "expected"),
    [
        (date(2026, 11, 21), 42, "SPC-20261121-000042"),
        (date(2026, 1, 5), 0, "SPC-20260105-000000"),
        (date(2019, 5, 1), 999_999, "SPC-20190501-999999"),
    ],
)
def test_document_id(issued_on: date, index: int, expected: str) -> None:
    assert specimen.document_id(issued_on, index) == expected


def test_document_ids_fit_their_column_and_differ_by_index() -> None:
    max_length = IssuedDocument.__table__.c.id.type.length
    ids = {specimen.document_id(date(2026, 5, 20), index) for index in range(50)}
    assert len(ids) == 50
    for document_id in ids:
        assert re.fullmatch(r"SPC-\d{8}-\d{6}", document_id)
        assert len(document_id) <= max_length
    # Past a million documents the number only grows longer: still unique.
    assert specimen.document_id(date(2026, 5, 20), 1_000_000) == "SPC-20260520-1000000"


@pytest.mark.parametrize(
    ("issued_on", "days", "expected"),
    [
        (date(2026, 5, 20), 90, date(2026, 8, 18)),
        (date(2026, 1, 31), 90, date(2026, 5, 1)),
        (date(2024, 2, 28), 1, date(2024, 2, 29)),
        (date(2026, 12, 31), 1, date(2027, 1, 1)),
        (date(2026, 5, 20), 3650, date(2036, 5, 17)),
    ],
)
def test_valid_until_counts_days_from_issue(issued_on: date, days: int, expected: date) -> None:
    assert specimen.valid_until(issued_on, days) == expected


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {str(k) for k in value} | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_claims_describe_the_fictional_subject() -> None:
    claims = specimen.claims(specimen.SUBJECT, valid_until_day=date(2026, 8, 18))
    assert claims["fictional"] is True
    assert claims["valid_until"] == "2026-08-18"
    assert claims["subject"] == {
        "name": "見本 花子",
        "name_kana": "ミホン ハナコ",
        "name_roman": "MIHON Hanako",
        "birth_date": "1990-04-01",
        "address": "桜木市中央一丁目1番1号（見本）",
    }
    json.dumps(claims, ensure_ascii=False)  # attachable as claims.json as it is


def test_claims_carry_no_my_number() -> None:
    claims = specimen.claims(specimen.SUBJECT, valid_until_day=date(2026, 8, 18))
    keys = {k.lower().replace("_", "").replace("-", "") for k in _keys(claims)}
    assert not keys & {"mynumber", "individualnumber", "kojinbango", "個人番号"}
    assert not re.search(r"\d{12}", json.dumps(claims))  # no 12-digit number anywhere


def test_rows_print_dates_in_wareki_with_the_iso_date() -> None:
    rows = specimen_rows(specimen.SUBJECT, date(2026, 8, 18))
    by_label = {row.label_ja: row for row in rows}
    assert list(by_label) == ["氏名", "生年月日", "住所", "有効期限", "備考"]
    assert [row.label_en for row in rows] == [
        "Name",
        "Date of birth",
        "Address",
        "Valid until",
        "Note",
    ]
    assert by_label["生年月日"].value == "平成2年4月1日（1990-04-01）"
    assert by_label["有効期限"].value == "令和8年8月18日（2026-08-18）"
    assert by_label["氏名"].value == "見本 花子"
    assert by_label["氏名"].secondary == "ミホン ハナコ / MIHON Hanako"
    assert by_label["住所"].secondary == "1-1-1 Chuo, Sakuragi City (specimen)"
    assert "架空" in by_label["備考"].value


@pytest.mark.parametrize(
    ("valid_until", "printed"),
    [
        (date(2019, 5, 1), "令和元年5月1日（2019-05-01）"),
        (date(2019, 4, 30), "平成31年4月30日（2019-04-30）"),
        (date(2027, 1, 1), "令和9年1月1日（2027-01-01）"),
    ],
)
def test_valid_until_row_at_era_boundaries(valid_until: date, printed: str) -> None:
    rows = specimen_rows(specimen.SUBJECT, valid_until)
    assert next(r for r in rows if r.label_en == "Valid until").value == printed
