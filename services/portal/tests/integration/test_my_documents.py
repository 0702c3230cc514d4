""" "Your documents" (わたしの証明書): the residence certificates Sakuragi City issued to the
signed-in citizen, fetched through the exchange (faked) each time, each PDF passed through and
never kept; and the citizen's check code for banks and landlords, made and withdrawn beside
them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from govkit.exchange import CallContext, ExchangeUnavailable

Citizen = Any  # conftest.Citizen
FakeExchange = Any  # conftest.FakeExchange
DOCUMENTS = "JP-KIT/GOV/LG-139998/residence/documents"
FIRST, SECOND = "JR-139998-20260501-000001", "JR-139998-20260510-000002"
PDF = b"%PDF-1.7\n% a signed certificate\n%%EOF\n"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The portal keeps only the check code here (consents are tested on both databases)."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def register(fake_exchange: FakeExchange, xid: str) -> dict[str, Any]:
    """The register's documents service: the certificates it lists, and its PDFs."""
    state: dict[str, Any] = {
        "certificates": [
            {
                "document_id": SECOND,
                "issued_at": "2026-05-10T00:30:00Z",
                "status": "issued",
                "status_changed_at": None,
                "subject_name": "森下 蒼",
                "members": 2,
            },
            {
                "document_id": FIRST,
                "issued_at": "2026-05-01T05:00:00Z",
                "status": "revoked",
                "status_changed_at": "2026-05-02T00:00:00Z",
                "subject_name": "森下 健太",
                "members": 1,
            },
        ]
    }

    def answer(path: str, context: CallContext) -> Any:
        if path == f"/residents/{xid}/certificates":
            body = {"resident": xid, "certificates": state["certificates"]}
            return fake_exchange.reply(200, body)
        if path in (f"/residents/{xid}/certificates/{FIRST}/pdf",):
            return fake_exchange.reply(200, PDF, headers={"Content-Type": "application/pdf"})
        return fake_exchange.problem(404, "unknown-document")

    fake_exchange.answer(DOCUMENTS, answer)
    return state


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_citizen_sees_their_certificates_newest_first(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange, xid: str, language: str
) -> None:
    person = citizen(language)
    page = person.page("/my-documents")
    rows = page.select("tr[data-document]")
    assert [r["data-document"] for r in rows] == [SECOND, FIRST]
    cells = {c["data-column"]: c.get_text(" ", strip=True) for c in rows[0].select("td")}
    assert cells["about"] == "森下 蒼"
    assert cells["issued"].endswith("09:30")  # Japan time
    links = [a["href"] for a in page.select("td[data-column=download] a")]
    assert links == [f"/my-documents/{SECOND}/pdf", f"/my-documents/{FIRST}/pdf"]
    (call,) = fake_exchange.calls
    assert call.service == DOCUMENTS
    assert call.context.user_id == xid
    assert call.context.legal_basis == "law:個人情報の保護に関する法律第76条"
    if language == "en":
        assert [r.select_one("[data-column=status]").get_text(strip=True) for r in rows] == [
            "Valid",
            "Revoked",
        ]


def test_certificates_of_the_same_minute_are_listed_by_number(
    citizen: Callable[..., Citizen], register: dict[str, Any]
) -> None:
    """Newest first to the minute the page shows; within it the later number first, whatever
    order the register lists them in. The table scrolls in its own region on a phone."""
    numbers = ["000015", "000014", "000012", "000013"]
    seconds = {"000015": 50, "000014": 40, "000012": 30, "000013": 10}
    register["certificates"] = [
        {
            "document_id": f"JR-139998-20260520-{n}",
            "issued_at": f"2026-05-20T05:06:{seconds[n]:02d}Z",
            "status": "issued",
            "subject_name": "森下 健太",
            "members": 1,
        }
        for n in numbers
    ] + [
        {
            "document_id": "JR-139998-20260520-000016",
            "issued_at": "2026-05-20T05:05:59Z",
            "status": "issued",
            "subject_name": "森下 健太",
            "members": 1,
        }
    ]
    page = citizen("en").page("/my-documents")
    listed = [r["data-document"][-6:] for r in page.select("tr[data-document]")]
    assert listed == ["000015", "000014", "000013", "000012", "000016"]
    region = page.select_one("div.kit-table-scroll")
    assert (region["tabindex"], region["role"]) == ("0", "region")
    assert region["aria-label"] == "Your residence certificates, newest first"


@pytest.mark.usefixtures("register")
def test_a_download_passes_the_signed_pdf_through(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange, xid: str
) -> None:
    person = citizen("en")
    response = person.client.get(f"/my-documents/{FIRST}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == PDF
    assert response.headers["Content-Disposition"] == f'attachment; filename="{FIRST}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert fake_exchange.calls[-1].path == f"/residents/{xid}/certificates/{FIRST}/pdf"


@pytest.mark.usefixtures("register")
def test_someone_elses_or_an_unknown_document_is_not_found(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange
) -> None:
    person = citizen("en")
    person.page(f"/my-documents/{SECOND}/pdf", status=404)  # the register: not theirs
    asked = len(fake_exchange.calls)
    person.page("/my-documents/-bad/pdf", status=404)
    person.page(f"/my-documents/{'x' * 41}/pdf", status=404)
    assert len(fake_exchange.calls) == asked  # never asked about those


@pytest.mark.parametrize(
    ("outcome", "status", "words"),
    [
        (ExchangeUnavailable("down"), 503, "could not reach Sakuragi City"),
        (("problem", 403, "not-the-owner"), 502, "releases your documents only to you"),
    ],
    ids=["exchange-down", "refused"],
)
def test_when_the_list_cannot_be_had_the_page_says_why(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    outcome: Any,
    status: int,
    words: str,
) -> None:
    if isinstance(outcome, tuple):
        outcome = fake_exchange.problem(outcome[1], outcome[2])
    fake_exchange.answer(DOCUMENTS, outcome)
    page = citizen("en").page("/my-documents", status=status, h1="Your documents")
    assert words in page.select_one(".kit-exchange-problem").get_text()
    assert page.select("[data-check-code]") == []


def test_no_certificates_yet(citizen: Callable[..., Citizen], register: dict[str, Any]) -> None:
    register["certificates"] = []
    page = citizen("en").page("/my-documents")
    assert page.select_one(".kit-no-documents").get_text(strip=True) == (
        "You have no residence certificates yet."
    )


@pytest.mark.usefixtures("register")
def test_the_citizen_makes_and_withdraws_a_check_code_beside_their_certificates(
    citizen: Callable[..., Citizen],
) -> None:
    person = citizen("en")
    page = person.page("/my-documents")
    assert page.select("[data-check-code]") == []
    (make,) = [a["href"] for a in page.select("a.govuk-button")]
    assert make == "/consents/residence-address-check/give"
    # The consents page does not ask about it: it is offered here.
    consents = person.page("/consents")
    assert all("residence-address-check" not in a["href"] for a in consents.select("a"))
    token = str(person.page(make).select_one("input[name=csrf_token]")["value"])
    response = person.client.post(make, data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/my-documents"
    page = person.page("/my-documents")
    code = page.select_one("[data-check-code]").get_text(strip=True)
    assert code.startswith("C-")
    assert code in page.select_one(".govuk-notification-banner").get_text()  # "You gave…"
    # Withdrawing it (the warning button) comes back here, with a new code to make.
    (withdraw,) = [a["href"] for a in page.select("a.govuk-button--warning")]
    assert withdraw == f"/consents/{code}/withdraw"
    token = str(person.page(withdraw).select_one("input[name=csrf_token]")["value"])
    response = person.client.post(withdraw, data={"csrf_token": token})
    assert response.headers["Location"] == "/my-documents"
    assert person.page("/my-documents").select("[data-check-code]") == []


def test_the_page_needs_sign_in(citizen_app: Flask, fake_exchange: FakeExchange) -> None:
    response = citizen_app.test_client().get("/my-documents")
    assert response.status_code in (302, 303)
    assert "/auth/" in response.headers["Location"] or "login" in response.headers["Location"]
    pdf = citizen_app.test_client().get(f"/my-documents/{FIRST}/pdf")
    assert pdf.status_code in (302, 303)
    assert fake_exchange.calls == []
