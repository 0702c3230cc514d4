""" "Who used my data" (わたしのデータの利用記録) and its JSON API: the register's record of every
exchange about the citizen, fetched through the exchange, its hash chain checked again, and
each use shown with the agency's name, the service, the data, the purpose, the legal basis
(a consent links to it) and the outcome."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from govkit.exchange import ExchangeFault, ExchangeTimeout, ExchangeUnavailable
from portal.domain.usage import link, record_hash

Citizen = Any  # conftest.Citizen
FakeExchange = Any  # conftest.FakeExchange
DATA_USAGE = "JP-KIT/GOV/LG-139998/residence/data-usage"
BASIC_FOUR = "JP-KIT/GOV/LG-139998/residence/basic-four"
ITEMS = ["name", "name_kana", "birthdate", "gender", "address"]


def event(seq: int, **changes: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": "2026-05-20T05:06:00Z",
        "client": "JP-KIT/GOV/DA/portal",
        "service": BASIC_FOUR,
        "items": ITEMS,
        "purpose": "Show your details in your Madoguchi account",
        "legal_basis": "consent:C-FIRSTCONSENT0000",
        "outcome": "served",
        "refusal": None,
        "x_road_id": f"xr-{seq}",
        "issue": f"PTL-20260520-AAAAAAA{seq}",
        **changes,
    }


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return link(
        [
            event(1),
            event(
                2,
                at="2026-05-21T23:59:00Z",
                client="JP-KIT/GOV/JPS/pension",
                purpose="年金額の試算のため",
                legal_basis="law:住民基本台帳法第30条の11",
                items=["name", "address", "pension_number"],
            ),
            event(
                3,
                at="2026-05-22T01:00:00Z",
                outcome="refused",
                refusal="consent-withdrawn",
            ),
            event(4, client="JP-KIT/GOV/NTA/tax", legal_basis="law:国税通則法第74条の2"),
        ]
    )


def answer_with(fake_exchange: FakeExchange, xid: str, records: list[Any], head: Any) -> None:
    body = {"resident": xid, "events": records, "head": head}
    fake_exchange.answer(DATA_USAGE, fake_exchange.reply(200, body))


def table(page: Any) -> list[dict[str, str]]:
    rows = []
    for row in page.select("tr[data-usage-row]"):
        rows.append(
            {
                cell["data-column"]: cell.get_text(" ", strip=True)
                for cell in row.select("td[data-column]")
            }
        )
    return rows


def chain_line(page: Any) -> tuple[str, str]:
    verdict = page.select_one("[data-chain]")
    return str(verdict["data-chain"]), verdict.get_text(" ", strip=True)


def test_the_page_needs_sign_in(citizen_app: Flask) -> None:
    location = citizen_app.test_client().get("/data-usage").headers["Location"]
    assert location == "/auth/login?next=/data-usage&acr=aal2"


def test_every_use_in_english(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    records: list[dict[str, Any]],
    xid: str,
) -> None:
    answer_with(fake_exchange, xid, records, records[-1]["hash"])
    person = citizen("en")
    page = person.page("/data-usage", h1="Who used my data")
    assert chain_line(page) == ("intact", "4 records, the chain is intact.")
    rows = table(page)
    assert [r["when"] for r in rows] == [  # newest first, in Japan time
        "20 May 2026, 14:06",
        "22 May 2026, 10:00",
        "22 May 2026, 08:59",
        "20 May 2026, 14:06",
    ]
    assert rows[3] == {
        "when": "20 May 2026, 14:06",
        "agency": "Digital Agency",
        "service": "Resident register: name, address, date of birth and sex",
        "items": "Name, Name in kana, Date of birth, Sex, Address",
        "purpose": "Show your details in your Madoguchi account",
        "basis": "Your consent C-FIRSTCONSENT0000",
        "outcome": "Served",
    }
    assert rows[2]["agency"] == "Japan Pension Service"
    assert rows[2]["purpose"] == "年金額の試算のため"  # shown as the agency wrote it
    assert (
        rows[2]["basis"] == "Basic Resident Register Act, Article 30-11 (住民基本台帳法第30条の11)"
    )
    assert rows[2]["items"] == "Name, Address, pension_number"
    assert rows[1]["outcome"] == "Refused: the consent had been withdrawn"
    assert rows[0]["agency"] == "GOV/NTA"  # not one the portal knows: its member code
    assert rows[0]["basis"] == "国税通則法第74条の2"
    links = [a["href"] for a in page.select("td[data-column=basis] a")]
    assert links == ["/consents#C-FIRSTCONSENT0000"] * 2

    (call,) = fake_exchange.calls
    assert call.service == DATA_USAGE
    assert call.path == f"/residents/{xid}/events"
    assert call.context.legal_basis == "law:個人情報の保護に関する法律第76条"
    assert call.context.user_id == xid
    assert re.fullmatch(r"PTL-20260520-[A-Z2-7]{8}", call.context.issue or "")


def test_every_use_in_japanese(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    records: list[dict[str, Any]],
    xid: str,
) -> None:
    answer_with(fake_exchange, xid, records, records[-1]["hash"])
    page = citizen("ja").page("/data-usage", h1="わたしのデータの利用記録")
    assert chain_line(page) == ("intact", "4件の記録があり、記録のつながりは保たれています。")
    rows = table(page)
    assert rows[3] == {
        "when": "2026年5月20日 14:06",
        "agency": "デジタル庁",
        "service": "住民基本台帳：氏名・住所・生年月日・性別",
        "items": "氏名、氏名（カナ）、生年月日、性別、住所",
        "purpose": "窓口ポータルのアカウントにあなたの情報を表示するため",
        "basis": "あなたの同意 C-FIRSTCONSENT0000",
        "outcome": "提供",
    }
    assert rows[2]["agency"] == "日本年金機構"
    assert rows[2]["basis"] == "住民基本台帳法第30条の11"
    assert rows[1]["outcome"] == "提供せず：同意が撤回されていた"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_table_scrolls_on_a_phone_and_agency_names_stay_whole(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    records: list[dict[str, Any]],
    xid: str,
    language: str,
) -> None:
    """Seven columns do not fit 360 px: the table scrolls in its own focusable region instead
    of widening the page, and an agency's name never breaks a character a line (デ/ジ/タ/ル/庁)."""
    answer_with(fake_exchange, xid, records, records[-1]["hash"])
    page = citizen(language).page("/data-usage")
    region = page.select_one("div.kit-table-scroll")
    assert (region["tabindex"], region["role"]) == ("0", "region")
    assert region["aria-label"] == page.select_one("table caption").get_text(strip=True)
    assert region.select_one("table.kit-data-usage") is not None
    agencies = page.select("td[data-column=agency]")
    assert agencies
    assert all("kit-nowrap" in cell["class"] for cell in agencies)


def test_no_uses_yet(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange, xid: str
) -> None:
    answer_with(fake_exchange, xid, [], "0" * 64)
    page = citizen("en").page("/data-usage", h1="Who used my data")
    assert chain_line(page) == (
        "intact",
        "No records yet: no agency has used your data through the exchange.",
    )
    assert not page.select("table")


def test_a_changed_record_is_a_clear_warning(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    records: list[dict[str, Any]],
    xid: str,
) -> None:
    records[2]["outcome"] = "served"  # someone hides a refusal
    answer_with(fake_exchange, xid, records, records[-1]["hash"])
    page = citizen("en").page("/data-usage")
    assert chain_line(page) == (
        "broken",
        "Warning: these records have been changed. The chain breaks at record 3 of 4, so they "
        "cannot be trusted. Tell Sakuragi City.",
    )
    assert len(table(page)) == 4  # still shown, under the warning


def test_records_that_are_not_records_are_shown_as_far_as_they_go(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange, xid: str
) -> None:
    answer_with(fake_exchange, xid, ["junk", {"seq": 1, "at": "yesterday"}], None)
    page = citizen("en").page("/data-usage")
    assert chain_line(page)[0] == "broken"
    assert len(table(page)) == 2


@pytest.mark.parametrize(
    ("outcome", "status", "message"),
    [
        (
            ExchangeUnavailable("down"),
            503,
            "The exchange could not reach Sakuragi City. Nothing was shared. Try again in a "
            "few minutes.",
        ),
        (
            ExchangeTimeout("slow", phase="read"),
            504,
            "Sakuragi City did not answer in time, so nothing can be shown. Try again in a few "
            "minutes.",
        ),
        (
            ExchangeFault("Server.ServerProxy.AccessDenied", status=500),
            502,
            "The exchange did not allow the portal to ask Sakuragi City for this. Nothing was "
            "shared.",
        ),
    ],
)
def test_when_the_record_cannot_be_had(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    outcome: Any,
    status: int,
    message: str,
) -> None:
    fake_exchange.answer(DATA_USAGE, outcome)
    page = citizen("en").page("/data-usage", status=status, h1="Who used my data")
    assert page.select_one(".kit-exchange-problem").get_text(" ", strip=True) == message
    assert not page.select("[data-chain]")


# -- GET /api/v1/me/data-usage ---------------------------------------------------------------------


def test_the_api_answers_the_record_and_the_verdict(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    records: list[dict[str, Any]],
    xid: str,
) -> None:
    head = records[-1]["hash"]
    answer_with(fake_exchange, xid, records, head)
    response = citizen("en").client.get("/api/v1/me/data-usage")
    assert response.status_code == 200
    body = response.get_json()
    assert re.fullmatch(r"PTL-20260520-[A-Z2-7]{8}", body.pop("case_id"))
    assert body == {
        "resident": xid,
        "events": records,  # as received: anyone can check the chain again
        "head": head,
        "chain": {
            "intact": True,
            "records": 4,
            "broken_at": None,
            "problem": None,
            "summary": {
                "ja": "4件の記録があり、記録のつながりは保たれています。",
                "en": "4 records, the chain is intact.",
            },
        },
        "agencies": {
            "GOV/DA": {"ja": "デジタル庁", "en": "Digital Agency"},
            "GOV/JPS": {"ja": "日本年金機構", "en": "Japan Pension Service"},
            "GOV/NTA": {"ja": "GOV/NTA", "en": "GOV/NTA"},
        },
    }


def test_the_api_reports_a_broken_chain(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    records: list[dict[str, Any]],
    xid: str,
) -> None:
    records[1]["purpose"] = "something else"
    records[1]["hash"] = record_hash(records[1]["prev_hash"], records[1])
    answer_with(fake_exchange, xid, records, records[-1]["hash"])
    chain = citizen("en").client.get("/api/v1/me/data-usage").get_json()["chain"]
    assert (chain["intact"], chain["broken_at"], chain["problem"]) == (False, 3, "broken-link")


def test_the_api_needs_a_signed_in_citizen(citizen_app: Flask) -> None:
    response = citizen_app.test_client().get("/api/v1/me/data-usage")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "https://madoguchi.example/problems/not-signed-in"
    assert body["title"] == "Not signed in"


def test_the_api_without_an_exchange_identity(
    citizen: Callable[..., Citizen], fake_idp: Any, fake_exchange: FakeExchange
) -> None:
    fake_idp.tamper = None
    response = citizen("en").client.get("/api/v1/me/data-usage")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/no-exchange-identity")
    assert fake_exchange.calls == []


def test_the_api_when_the_exchange_fails(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange
) -> None:
    fake_exchange.answer(DATA_USAGE, ExchangeTimeout("slow", phase="connect"))
    response = citizen("en").client.get("/api/v1/me/data-usage")
    assert response.status_code == 504
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "https://madoguchi.example/problems/exchange-timeout"
    assert body["reason"] == "exchange-timeout"
    assert body["message"]["en"] == (
        "The exchange could not reach Sakuragi City. Nothing was shared. Try again in a few "
        "minutes."
    )
    assert body["message"]["ja"].startswith("情報連携基盤が桜木市に接続できませんでした。")
    assert body["detail"] == body["message"]["en"]
    assert body["case_id"].startswith("PTL-")
