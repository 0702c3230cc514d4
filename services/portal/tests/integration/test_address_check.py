"""Has the person on a residence certificate moved since it was issued? The verification page,
its JSON API and the exchange's verification service ask Sakuragi City's ``address-check``
through the exchange (faked here), and only for a valid residence certificate:

* a bank or landlord (the page, ``POST /api/v1/verify``) on the person's check code — their
  consent; without a code nothing is asked and the page says how to get one;
* a government agency (``POST /exchange/verification``, known by its ``X-Road-Client``) on its
  own statutory basis, which the portal relays naming the agency.

The seal check itself is tested elsewhere: here its verdict is given (``verdict`` fixture).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from govkit.certificates.verify import Result, Verdict
from govkit.exchange import ExchangeUnavailable, encode_legal_basis
from govkit.testing import Page, check_page, from_security_server
from portal import services
from portal.documents import documents
from portal.domain import freshness

Browser = Any  # conftest.Browser
FakeExchange = Any  # conftest.FakeExchange
ADDRESS_CHECK = "JP-KIT/GOV/LG-139998/residence/address-check"
DOCUMENT = "JR-139998-20261121-000001"
CODE = "C-MFRGGZDFMZTWQ2LK"
PENSION = "JP-KIT/GOV/JPS/pension"
LAW = "law:厚生年金保険法第100条の2"
RESIDENCE = Result(
    Verdict.VALID,
    document_id=DOCUMENT,
    document_type="residence-certificate",
    issuer_member="GOV/LG-139998",
    issuer_name_ja="桜木市",
    issuer_name_en="Sakuragi City",
    issued_on=date(2026, 5, 1),
)
SPECIMEN = Result(
    Verdict.VALID,
    document_id="SPC-20260520-000001",
    document_type="specimen",
    issuer_member="GOV/DA",
    issued_on=date(2026, 5, 20),
)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Nothing here is kept in the portal's database: SQLite only."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


class _Trust:
    def current(self) -> None:
        return None


@pytest.fixture
def verdict(citizen_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[Result], None]:
    """``verdict(result)``: what the seal check finds in whatever is sent."""
    with citizen_app.app_context():
        documents().trust = _Trust()  # type: ignore[assignment]
    judged: dict[str, Result] = {"result": RESIDENCE}

    def verify_document(*, rule: freshness.FreshnessRule, today: date, **_: Any) -> Any:
        result = judged["result"]
        assert result.issued_on is not None
        return services.Verification(result, freshness.assess(result.issued_on, today, rule), rule)

    monkeypatch.setattr(services, "verify_document", verify_document)
    return lambda result: judged.update(result=result)


def answer(fake_exchange: FakeExchange, **changes: Any) -> None:
    body = {
        "document_id": DOCUMENT,
        "issued_at": "2026-05-01T01:00:00Z",
        "status": "issued",
        "subject_still_at_address": True,
        "moved_on": None,
        "as_of": "2026-05-20",
        **changes,
    }
    fake_exchange.answer(ADDRESS_CHECK, fake_exchange.reply(200, body))


def submit(visitor: Browser, *, status: int = 303, **fields: str) -> Page | None:
    data = {
        "csrf_token": visitor.csrf_token(),
        "qr": "MDG1:ANYTHING",
        "freshness": "none",
        **fields,
    }
    response = visitor.client.post("/verify", data=data, content_type="multipart/form-data")
    if status != 303:
        return check_page(response, status=status, lang=visitor.language)
    assert response.status_code == 303, response.get_data(as_text=True)
    return None


def address_section(page: Page) -> tuple[str, str]:
    box = page.select_one(".kit-address-check")
    assert box is not None
    return str(box["data-address"]), box.get_text(" ", strip=True)


# -- the page --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("verdict")
def test_a_bank_with_the_check_code_learns_the_person_still_lives_there(
    citizen_app: Flask, browser: Callable[..., Browser], fake_exchange: FakeExchange
) -> None:
    answer(fake_exchange)
    visitor = browser(citizen_app, "en")
    submit(visitor, consent=" c-mfrg gzdf mztw q2lk ")
    page = visitor.page("/verify/result", h1="This document is valid")
    state, text = address_section(page)
    assert state == "still"
    assert "still lives at the address it shows" in text
    (call,) = fake_exchange.calls
    assert (call.service, call.path) == (ADDRESS_CHECK, f"/certificates/{DOCUMENT}")
    assert call.context.legal_basis == f"consent:{CODE}"
    assert call.context.user_id is None  # the verifier does not know the person's identity
    assert call.context.issue.startswith("PTL-")
    assert call.headers == {}
    rows = " ".join(r.get_text(" ", strip=True) for r in page.select(".govuk-summary-list__row"))
    assert "Copy of resident record (juminhyo)" in rows


@pytest.mark.usefixtures("verdict")
def test_a_move_since_issue_is_shown_with_its_day(
    citizen_app: Flask, browser: Callable[..., Browser], fake_exchange: FakeExchange
) -> None:
    answer(fake_exchange, subject_still_at_address=False, moved_on="2026-05-10")
    visitor = browser(citizen_app, "en")
    submit(visitor, consent=CODE)
    state, text = address_section(visitor.page("/verify/result"))
    assert state == "moved"
    assert text.endswith("no longer lives at the address it shows: they moved on 10 May 2026.")


@pytest.mark.usefixtures("verdict")
def test_without_a_check_code_nothing_is_asked_and_the_page_says_how(
    citizen_app: Flask, browser: Callable[..., Browser], fake_exchange: FakeExchange
) -> None:
    visitor = browser(citizen_app, "en")
    submit(visitor)
    state, text = address_section(visitor.page("/verify/result"))
    assert state == "not-asked"
    assert "ask them for a check code" in text
    assert fake_exchange.calls == []


@pytest.mark.usefixtures("verdict")
@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_malformed_check_code_is_an_error_on_its_field(
    citizen_app: Flask, browser: Callable[..., Browser], fake_exchange: FakeExchange, language: str
) -> None:
    visitor = browser(citizen_app, language)
    page = submit(visitor, status=400, consent="C-1234")
    assert page is not None
    assert [str(a["href"]) for a in page.select(".govuk-error-summary a")] == ["#consent"]
    assert page.select_one("#consent")["value"] == "C-1234"
    assert fake_exchange.calls == []


@pytest.mark.usefixtures("verdict")
@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        (("problem", 403, "consent-withdrawn"), "has withdrawn this check code"),
        (("problem", 403, "consent-mismatch"), "did not accept this check code"),
        (("problem", 404, "unknown-document"), "has no record of this certificate"),
        (ExchangeUnavailable("down"), "could not be asked now"),
        (("reply", 200, {"document_id": "someone-else"}), "could not be asked now"),
    ],
    ids=["withdrawn", "mismatch", "unknown", "exchange-down", "not-an-answer"],
)
def test_when_the_city_does_not_answer_the_verifier_is_told_why(
    citizen_app: Flask,
    browser: Callable[..., Browser],
    fake_exchange: FakeExchange,
    outcome: Any,
    words: str,
) -> None:
    if isinstance(outcome, tuple):
        kind, status, detail = outcome
        outcome = (
            fake_exchange.problem(status, detail)
            if kind == "problem"
            else fake_exchange.reply(status, detail)
        )
    fake_exchange.answer(ADDRESS_CHECK, outcome)
    visitor = browser(citizen_app, "en")
    submit(visitor, consent=CODE)
    page = visitor.page("/verify/result", h1="This document is valid")
    state, text = address_section(page)
    assert state == "failed"
    assert words in text
    assert "PTL-" in text  # the case number, to quote


def test_other_documents_get_no_address_check(
    citizen_app: Flask,
    browser: Callable[..., Browser],
    fake_exchange: FakeExchange,
    verdict: Callable[[Result], None],
) -> None:
    for result in (SPECIMEN, Result(Verdict.REVOKED, **_fields(RESIDENCE))):
        verdict(result)
        visitor = browser(citizen_app, "en")
        submit(visitor, consent=CODE)
        assert visitor.page("/verify/result").select(".kit-address-check") == []
    assert fake_exchange.calls == []


def _fields(result: Result) -> dict[str, Any]:
    return {
        "document_id": result.document_id,
        "document_type": result.document_type,
        "issuer_member": result.issuer_member,
        "issued_on": result.issued_on,
    }


# -- the JSON API ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("verdict")
def test_the_api_answers_the_address_check_in_both_languages(
    citizen_app: Flask, fake_exchange: FakeExchange
) -> None:
    answer(fake_exchange, subject_still_at_address=False, moved_on="2026-05-10")
    client = citizen_app.test_client()
    body = client.post("/api/v1/verify", json={"qr": "MDG1:X", "consent": CODE}).get_json()
    check = body["address_check"]
    assert check["asked"] is True
    assert (check["subject_still_at_address"], check["moved_on"]) == (False, "2026-05-10")
    assert check["reason"] is None
    assert "moved on" in check["message"]["en"]
    assert check["message"]["ja"]
    without = client.post("/api/v1/verify", json={"qr": "MDG1:X"}).get_json()["address_check"]
    assert (without["asked"], without["subject_still_at_address"]) == (False, None)
    assert len(fake_exchange.calls) == 1


@pytest.mark.usefixtures("verdict")
@pytest.mark.parametrize("code", ["C-1", 42, ["C-MFRGGZDFMZTWQ2LK"]], ids=repr)
def test_the_api_refuses_a_malformed_check_code(citizen_app: Flask, code: Any) -> None:
    response = citizen_app.test_client().post(
        "/api/v1/verify", json={"qr": "MDG1:X", "consent": code}
    )
    assert response.status_code == 400
    assert response.get_json()["title"] == "Invalid check code"


# -- government verifiers, through the exchange ----------------------------------------------------


def _exchange_post(app: Flask, *, client: str = PENSION, basis: str | None = LAW, **headers: str):
    sent = from_security_server(
        **{"X-Road-Client": client, "X-Road-Id": "xr-1", "X-Road-Issue": "JPS-CASE-7", **headers}
    )
    if basis is not None:
        sent["X-Madoguchi-Legal-Basis"] = encode_legal_basis(basis)
    return app.test_client().post(
        "/exchange/verification",
        data=b'{"qr": "MDG1:X", "freshness": "3-months"}',
        content_type="application/json",
        headers=sent,
    )


@pytest.mark.usefixtures("verdict")
def test_a_government_verifier_gets_the_statutory_check_relayed_in_its_name(
    citizen_app: Flask, fake_exchange: FakeExchange
) -> None:
    answer(fake_exchange)
    response = _exchange_post(
        citizen_app, **{"X-Madoguchi-Purpose": encode_legal_basis("年金の加入手続")}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["verdict"] == "valid"
    assert body["verifier"] == PENSION
    assert body["freshness"]["rule"] == "3-months"
    assert body["address_check"]["subject_still_at_address"] is True
    (call,) = fake_exchange.calls
    assert call.context.legal_basis == LAW
    assert call.context.purpose == "年金の加入手続"
    assert call.context.issue == "JPS-CASE-7"
    assert call.headers == {"X-Madoguchi-On-Behalf-Of": PENSION}


@pytest.mark.usefixtures("verdict")
def test_a_government_verifier_without_a_statute_gets_no_address_check(
    citizen_app: Flask, fake_exchange: FakeExchange
) -> None:
    for basis in (None, f"consent:{CODE}"):
        body = _exchange_post(citizen_app, basis=basis).get_json()
        assert body["verdict"] == "valid"
        assert body["address_check"]["reason"] == "statutory-basis-needed"
    assert fake_exchange.calls == []


@pytest.mark.usefixtures("verdict")
def test_the_exchange_service_is_for_government_verifiers_only(citizen_app: Flask) -> None:
    response = _exchange_post(citizen_app, client="JP-KIT/COM/1234567890123/bank")
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("/government-verifiers-only")
    client = citizen_app.test_client()
    no_client = client.post(
        "/exchange/verification", json={"qr": "MDG1:X"}, headers=from_security_server()
    )
    assert no_client.status_code == 400  # no X-Road-Client
    around = client.post("/exchange/verification", json={"qr": "MDG1:X"})
    assert around.status_code == 403  # not from the portal's security server


def test_the_exchange_service_is_described(citizen_app: Flask) -> None:
    document = citizen_app.test_client().get("/exchange/openapi.json").get_json()
    assert "post" in document["paths"]["/verification"]


def test_an_upload_works_through_the_exchange_too(
    citizen_app: Flask, fake_exchange: FakeExchange, verdict: Callable[[Result], None]
) -> None:
    verdict(SPECIMEN)
    response = citizen_app.test_client().post(
        "/exchange/verification",
        data={"document": (io.BytesIO(b"%PDF-1.7"), "a.pdf")},
        headers=from_security_server(**{"X-Road-Client": PENSION}),
    )
    assert response.status_code == 200
    assert response.get_json()["address_check"] is None
