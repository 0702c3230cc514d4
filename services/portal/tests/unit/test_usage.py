"""The data-usage record's hash chain (the exchange contract's rule), and who is who in it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from portal.domain.usage import (
    GENESIS,
    Agency,
    ChainProblem,
    ChainVerdict,
    LegalBasis,
    agency,
    agency_of,
    canonical,
    legal_basis,
    link,
    member_of,
    record_hash,
    verify_chain,
)


def event(seq: int, **changes: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": f"2026-05-20T0{seq}:00:00Z",
        "client": "JP-KIT/GOV/DA/portal",
        "service": "JP-KIT/GOV/LG-139998/residence/basic-four",
        "items": ["name", "name_kana", "birthdate", "gender", "address"],
        "purpose": "窓口ポータルに表示するため",
        "legal_basis": "consent:C-ABC",
        "outcome": "served",
        "refusal": None,
        "x_road_id": f"id-{seq}",
        "issue": None,
        **changes,
    }


@pytest.fixture
def chain() -> list[dict[str, Any]]:
    return link([event(1), event(2, outcome="refused", refusal="consent-withdrawn"), event(3)])


def test_the_rule_of_the_contract_by_hand() -> None:
    record = {"seq": 1, "purpose": "表示", "at": "2026-05-20T00:00:00Z"}
    body = '{"at":"2026-05-20T00:00:00Z","purpose":"表示","seq":1}'
    assert canonical({**record, "hash": "x", "prev_hash": "y"}) == body.encode("utf-8")
    expected = hashlib.sha256(("0" * 64 + "\n" + body).encode("utf-8")).hexdigest()
    assert record_hash(GENESIS, record) == expected
    (linked,) = link([record])
    assert linked == {**record, "prev_hash": "0" * 64, "hash": expected}


def test_an_unbroken_chain_verifies(chain: list[dict[str, Any]]) -> None:
    assert verify_chain(chain, chain[-1]["hash"]) == ChainVerdict(3, True)
    assert verify_chain(chain) == ChainVerdict(3, True)  # no head given: not checked


def test_records_survive_a_json_round_trip(chain: list[dict[str, Any]]) -> None:
    received = json.loads(json.dumps({"events": chain}))["events"]
    assert verify_chain(received, chain[-1]["hash"]).intact


@pytest.mark.parametrize("head", [None, GENESIS, ""])
def test_no_records_verify(head: str | None) -> None:
    assert verify_chain([], head) == ChainVerdict(0, True)


def test_no_records_with_a_head_from_elsewhere_do_not() -> None:
    assert verify_chain([], "ab" * 32) == ChainVerdict(0, False, None, ChainProblem.HEAD)


def _broken(records: list[Any], head: Any = None) -> tuple[int | None, ChainProblem | None]:
    verdict = verify_chain(records, head)
    assert not verdict.intact
    return verdict.broken_at, verdict.problem


def test_a_changed_field_breaks_its_record(chain: list[dict[str, Any]]) -> None:
    chain[1]["outcome"] = "served"
    assert _broken(chain) == (2, ChainProblem.WRONG_HASH)


def test_an_added_field_breaks_its_record(chain: list[dict[str, Any]]) -> None:
    chain[0]["note"] = "added later"
    assert _broken(chain) == (1, ChainProblem.WRONG_HASH)


def test_a_removed_record_breaks_the_link(chain: list[dict[str, Any]]) -> None:
    del chain[1]
    assert _broken(chain) == (2, ChainProblem.BROKEN_LINK)


def test_a_removed_first_record_breaks_the_first_link(chain: list[dict[str, Any]]) -> None:
    assert _broken(chain[1:]) == (1, ChainProblem.FIRST_LINK)


def test_swapped_records_break_the_link(chain: list[dict[str, Any]]) -> None:
    chain[1], chain[2] = chain[2], chain[1]
    assert _broken(chain) == (2, ChainProblem.BROKEN_LINK)


def test_a_rehashed_record_still_breaks_the_next_link(chain: list[dict[str, Any]]) -> None:
    chain[1]["outcome"] = "served"
    chain[1]["hash"] = record_hash(chain[1]["prev_hash"], chain[1])
    assert _broken(chain) == (3, ChainProblem.BROKEN_LINK)


def test_a_dropped_last_record_is_caught_by_the_head(chain: list[dict[str, Any]]) -> None:
    head = chain[-1]["hash"]
    assert _broken(chain[:-1], head) == (2, ChainProblem.HEAD)


def test_sequence_numbers_must_increase() -> None:
    records = link([event(2), event(1)])
    assert _broken(records) == (2, ChainProblem.ORDER)


@pytest.mark.parametrize(
    "junk", ["text", None, 3, ["list"], {"seq": 1}, {"hash": 1, "prev_hash": 2}]
)
def test_something_that_is_not_a_record(junk: Any) -> None:
    assert _broken([junk]) == (1, ChainProblem.NOT_A_RECORD)


def test_a_head_that_is_not_text(chain: list[dict[str, Any]]) -> None:
    assert _broken(chain, 42) == (3, ChainProblem.HEAD)


@pytest.mark.parametrize(
    ("identifier", "member"),
    [
        ("JP-KIT/GOV/DA/portal", "GOV/DA"),
        ("JP-KIT/GOV/LG-139998/residence/basic-four", "GOV/LG-139998"),
        ("JP-KIT/GOV/JPS/pension", "GOV/JPS"),
        ("GOV/DA", ""),
        ("", ""),
        (None, ""),
        ("JP-KIT//DA/portal", ""),
    ],
)
def test_member_of(identifier: Any, member: str) -> None:
    assert member_of(identifier) == member


@pytest.mark.parametrize(
    ("identifier", "ja", "en"),
    [
        ("JP-KIT/GOV/DA/portal", "デジタル庁", "Digital Agency"),
        ("JP-KIT/GOV/LG-139998/residence", "桜木市", "Sakuragi City"),
        ("JP-KIT/GOV/JPS/pension", "日本年金機構", "Japan Pension Service"),
        ("JP-KIT/GOV/MOJ/company", "法務省", "Ministry of Justice"),
        ("JP-KIT/GOV/NTA/tax", "GOV/NTA", "GOV/NTA"),
        ("something", "something", "something"),
    ],
)
def test_agencies_by_name(identifier: str, ja: str, en: str) -> None:
    found = agency_of(identifier)
    assert (found.name("ja"), found.name("en")) == (ja, en)


def test_an_agency_by_member_code() -> None:
    assert agency("GOV/DA") == Agency("GOV/DA", "デジタル庁", "Digital Agency")
    assert agency("GOV/X") == Agency("GOV/X", None, None)


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("consent:C-ABC", LegalBasis("consent", "C-ABC")),
        (
            "law:個人情報の保護に関する法律第76条",
            LegalBasis("law", "個人情報の保護に関する法律第76条"),
        ),
        ("consent:", LegalBasis("other", "consent:")),
        ("contract:1", LegalBasis("other", "contract:1")),
        (None, LegalBasis("other", "")),
        (7, LegalBasis("other", "7")),
    ],
)
def test_legal_basis(text: Any, basis: LegalBasis) -> None:
    assert legal_basis(text) == basis
