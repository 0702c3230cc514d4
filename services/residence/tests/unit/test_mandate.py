"""The text a principal signs for a letter of authority, and the periods it may run for."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import pytest

from residence.domain.items import Purpose
from residence.domain.mandate import (
    KIND,
    MANDATE_MAX_DAYS,
    latest_valid_until,
    mandate_digest,
    mandate_period_problem,
    mandate_text,
)

TODAY = date(2026, 11, 25)
DAY = timedelta(days=1)


def _text(**overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "principal_key": "H1-1",
        "principal_name": "森下 健太",
        "proxy_name": "高木 直子",
        "proxy_birthdate": date(1978, 6, 1),
        "purpose": Purpose.BANK,
        "allow_my_number": False,
        "valid_from": TODAY,
        "valid_until": date(2027, 2, 24),
    }
    arguments.update(overrides)
    return mandate_text(**arguments)


def test_the_text_is_canonical_json() -> None:
    assert _text() == (
        '{"allow_my_number":false,"kind":"residence-certificate-mandate",'
        '"principal":"H1-1","principal_name":"森下 健太","proxy_birthdate":"1978-06-01",'
        '"proxy_name":"高木 直子","purpose":"bank","valid_from":"2026-11-25",'
        '"valid_until":"2027-02-24"}'
    )


def test_the_text_reads_back_as_what_was_delegated() -> None:
    assert json.loads(_text(allow_my_number=True, purpose="tax")) == {
        "kind": KIND,
        "principal": "H1-1",
        "principal_name": "森下 健太",
        "proxy_name": "高木 直子",
        "proxy_birthdate": "1978-06-01",
        "purpose": "tax",
        "allow_my_number": True,
        "valid_from": "2026-11-25",
        "valid_until": "2027-02-24",
    }


def test_a_purpose_given_as_enum_or_string_signs_the_same_text() -> None:
    assert _text(purpose=Purpose.BANK) == _text(purpose="bank")


@pytest.mark.parametrize(
    "overrides",
    [
        {"principal_key": "H1-2"},
        {"principal_name": "森下 彩花"},
        {"proxy_name": "高木 直美"},
        {"proxy_birthdate": date(1978, 6, 2)},
        {"purpose": Purpose.LANDLORD},
        {"allow_my_number": True},
        {"valid_from": TODAY + DAY},
        {"valid_until": date(2027, 2, 23)},
    ],
)
def test_every_field_changes_the_text_and_its_digest(overrides: dict[str, Any]) -> None:
    assert _text(**overrides) != _text()
    assert mandate_digest(_text(**overrides)) != mandate_digest(_text())


def test_the_digest_is_the_sha256_of_the_utf8_text() -> None:
    text = _text()
    assert mandate_digest(text) == hashlib.sha256(text.encode("utf-8")).digest()
    assert len(mandate_digest(text)) == 32
    assert mandate_digest(text) == mandate_digest(_text())


def test_latest_valid_until() -> None:
    assert MANDATE_MAX_DAYS == 92
    assert latest_valid_until(TODAY) == date(2027, 2, 25)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "problem"),
    [
        (TODAY, TODAY, None),
        (TODAY, TODAY + 30 * DAY, None),
        (TODAY, TODAY + MANDATE_MAX_DAYS * DAY, None),
        (TODAY + 10 * DAY, TODAY + (10 + MANDATE_MAX_DAYS) * DAY, None),
        (TODAY, TODAY + (MANDATE_MAX_DAYS + 1) * DAY, "too_long"),
        (TODAY, TODAY + 365 * DAY, "too_long"),
        (TODAY - DAY, TODAY + 30 * DAY, "past"),
        (TODAY - 60 * DAY, TODAY - 30 * DAY, "past"),
        (TODAY + 10 * DAY, TODAY + 9 * DAY, "order"),
        (TODAY - DAY, TODAY - 2 * DAY, "order"),
    ],
)
def test_mandate_period_problem(valid_from: date, valid_until: date, problem: str | None) -> None:
    assert mandate_period_problem(valid_from, valid_until, TODAY) == problem
