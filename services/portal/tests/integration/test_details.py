""" "Your details from the resident register": the button asks Sakuragi City's register through
the exchange on the citizen's consent, and the page shows the details or says plainly why not,
for every way the exchange can fail (never a server error).

The exchange is faked (``fake_exchange``) except in the tests of the real client's wiring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask

from govkit.exchange import (
    ExchangeError,
    ExchangeFault,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ResponseTooLarge,
)
from govkit.testing.oidc import FakeProvider, closed_port_url
from govkit.testing.plugin import ServiceAppFactory

Citizen = Any  # conftest.Citizen
FakeExchange = Any  # conftest.FakeExchange
BASIC_FOUR = "JP-KIT/GOV/LG-139998/residence/basic-four"
UNREACHABLE = (
    "The exchange could not reach Sakuragi City. Nothing was shared. Try again in a few minutes."
)


@pytest.fixture
def details(xid: str) -> dict[str, Any]:
    return {
        "resident": xid,
        "name": "森下 健太",
        "name_kana": "モリシタ ケンタ",
        "birthdate": "1990-05-12",
        "gender": "male",
        "address": "桜木市中央一丁目2番3号",
        "as_of": "2026-05-20",
    }


def summary(page: Any) -> dict[str, str]:
    rows = page.select(".kit-register-details .govuk-summary-list__row")
    return {
        r.select_one("dt").get_text(strip=True): r.select_one("dd").get_text(strip=True)
        for r in rows
    }


def problem_text(page: Any) -> str:
    return str(page.select_one(".kit-exchange-problem").get_text(" ", strip=True))


def test_the_page_needs_sign_in(citizen_app: Flask) -> None:
    client = citizen_app.test_client()
    location = client.get("/my-details").headers["Location"]
    assert location == "/auth/login?next=/my-details&acr=aal2"


def test_the_start_page(citizen: Callable[..., Citizen], fake_exchange: FakeExchange) -> None:
    person = citizen("en")
    page = person.page("/my-details", h1="Your details from the resident register")
    assert "You have not decided yet." in page.text()
    assert page.select_one("form[action='/my-details'] button").get_text(strip=True) == (
        "Get my details from Sakuragi City"
    )
    assert not page.select(".kit-exchange-problem")
    assert fake_exchange.calls == []


def test_the_details_arrive_on_the_citizens_consent(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    details: dict[str, Any],
    xid: str,
) -> None:
    person = citizen("en")
    person.decide("give")
    (consent,) = [c["data-consent"] for c in person.page("/consents").select("[data-consent]")]
    fake_exchange.answer(BASIC_FOUR, fake_exchange.reply(200, details))
    page = person.fetch_details()
    assert page.h1 == "Your details from the resident register"
    assert summary(page) == {
        "Name": "森下 健太（モリシタ ケンタ）",
        "Address": "桜木市中央一丁目2番3号",
        "Date of birth": "12 May 1990",
        "Sex": "Male",
        "As of": "20 May 2026",
    }
    (call,) = fake_exchange.calls
    assert call.service == BASIC_FOUR
    assert call.path == f"/residents/{xid}"
    assert call.context.user_id == xid
    assert call.context.legal_basis == f"consent:{consent}"
    assert call.context.purpose == "Show your details in your Madoguchi account"
    assert re.fullmatch(r"PTL-20260520-[A-Z2-7]{8}", call.context.issue or "")
    assert call.context.issue in page.text()  # the case number, to match the data-usage record


def test_the_details_in_japanese(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange, details: dict[str, Any]
) -> None:
    person = citizen("ja")
    person.decide("give")
    fake_exchange.answer(BASIC_FOUR, fake_exchange.reply(200, details))
    page = person.fetch_details()
    assert page.h1 == "住民基本台帳の本人情報"
    assert summary(page) == {
        "氏名": "森下 健太（モリシタ ケンタ）",
        "住所": "桜木市中央一丁目2番3号",
        "生年月日": "平成2年5月12日（1990-05-12）",
        "性別": "男",
        "時点": "2026年5月20日",
    }


def test_without_any_decision_nothing_is_asked(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange
) -> None:
    person = citizen("en")
    page = person.fetch_details()
    assert problem_text(page) == (
        "You have not given your consent for the portal to read your details from the "
        "resident register, so it did not ask."
    )
    assert fake_exchange.calls == []


def test_a_withdrawn_consent_is_refused_by_the_register_on_the_day_it_was_withdrawn(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange, today: date
) -> None:
    person = citizen("en")
    person.decide("give")
    person.decide("withdraw")
    fake_exchange.answer(
        BASIC_FOUR,
        fake_exchange.problem(403, "consent-withdrawn", withdrawn_at="2026-05-19T16:30:00Z"),
    )
    page = person.fetch_details()
    # 16:30 UTC on 19 May is 01:30 on 20 May in Japan.
    assert problem_text(page) == (
        "Sakuragi City did not release your details because you withdrew your consent on "
        "20 May 2026."
    )
    # The withdrawn consent was still sent: the register decides, and records the refusal.
    (call,) = fake_exchange.calls
    assert call.context.legal_basis is not None
    assert call.context.legal_basis.startswith("consent:C-")
    japanese = citizen("ja")
    page = japanese.fetch_details()
    assert problem_text(page) == (
        "あなたが2026年5月20日に同意を撤回したため、桜木市はあなたの情報を提供しませんでした。"
    )


def test_without_a_date_from_the_register_the_portals_own_record_says_when(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange
) -> None:
    person = citizen("en")
    person.decide("give")
    person.decide("withdraw")
    fake_exchange.answer(BASIC_FOUR, fake_exchange.problem(403, "consent-withdrawn"))
    text = problem_text(person.fetch_details())
    assert re.fullmatch(
        r"Sakuragi City did not release your details because you withdrew your consent on "
        r"\d{1,2} \w+ \d{4}\.",
        text,
    ), text


def test_a_refused_consent(citizen: Callable[..., Citizen], fake_exchange: FakeExchange) -> None:
    person = citizen("en")
    person.decide("refuse")
    fake_exchange.answer(BASIC_FOUR, fake_exchange.problem(403, "consent-refused"))
    text = problem_text(person.fetch_details())
    assert text.startswith(
        "Sakuragi City did not release your details because you refused your consent on "
    )


def test_a_consent_the_register_cannot_find(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange
) -> None:
    person = citizen("en")
    person.decide("give")
    (consent,) = [c["data-consent"] for c in person.page("/consents").select("[data-consent]")]
    fake_exchange.answer(BASIC_FOUR, fake_exchange.problem(403, "consent-not-found"))
    assert problem_text(person.fetch_details()) == (
        "Sakuragi City did not release your details because it could not find your consent "
        f"{consent}."
    )


FAILURES: list[tuple[str, Any, int, str]] = [
    ("exchange unavailable", ExchangeUnavailable("refused"), 503, UNREACHABLE),
    ("connect timeout", ExchangeTimeout("slow", phase="connect"), 504, UNREACHABLE),
    (
        "read timeout",
        ExchangeTimeout("slow", phase="read"),
        504,
        "Sakuragi City did not answer in time, so nothing can be shown. Try again in a few "
        "minutes.",
    ),
    ("other transport error", ExchangeError("the call failed"), 503, UNREACHABLE),
    (
        "network error behind the exchange",
        ExchangeFault("Server.ServerProxy.ServiceFailed.NetworkError", status=500),
        502,
        UNREACHABLE,
    ),
    (
        "access denied",
        ExchangeFault("Server.ServerProxy.AccessDenied", status=500),
        502,
        "The exchange did not allow the portal to ask Sakuragi City for this. Nothing was shared.",
    ),
    (
        "service disabled",
        ExchangeFault("Server.ServerProxy.ServiceDisabled", status=500),
        503,
        "Sakuragi City has switched this service off for the moment. Nothing was shared. Try "
        "again later.",
    ),
    (
        "unknown service",
        ExchangeFault("Server.ServerProxy.UnknownService", status=500),
        502,
        "The exchange does not know this Sakuragi City service. Nothing was shared.",
    ),
    (
        "other exchange fault",
        ExchangeFault("Server.ClientProxy.OutdatedGlobalConf", status=500),
        502,
        "The exchange had a problem passing the request on. Nothing was shared. Try again in a "
        "few minutes.",
    ),
    (
        "client fault",
        ExchangeFault("Client.BadRequest", status=400),
        502,
        "The exchange refused the portal's request. Nothing was shared. Try again later.",
    ),
    (
        "too large",
        ResponseTooLarge(10),
        502,
        "Sakuragi City's answer was too large for the portal to read, so nothing can be shown.",
    ),
    (
        "unreadable",
        InvalidResponse("bad"),
        502,
        "Sakuragi City's answer could not be read, so nothing can be shown. Try again later.",
    ),
    (
        "consent mismatch",
        ("problem", 403, "consent-mismatch"),
        200,
        "Sakuragi City did not release your details because your consent does not cover this "
        "request.",
    ),
    (
        "consent unverifiable",
        ("problem", 503, "consent-unverifiable"),
        502,
        "Sakuragi City could not check your consent with the portal, so it did not release "
        "your details. Try again in a few minutes.",
    ),
    (
        "unknown resident",
        ("problem", 404, "unknown-resident"),
        200,
        "Sakuragi City's resident register has no record of you, so there is nothing to show.",
    ),
    (
        "missing legal basis",
        ("problem", 400, "missing-legal-basis"),
        502,
        "Sakuragi City refused the request because it did not say on what legal basis it "
        "asked. Nothing was shared.",
    ),
    (
        "another refusal",
        ("problem", 403, "something-else"),
        502,
        "Sakuragi City refused the portal's request. Nothing was shared.",
    ),
    (
        "the register fails",
        ("reply", 500, b"Internal Server Error"),
        502,
        "Sakuragi City's resident register could not answer because of a problem on its side. "
        "Try again later.",
    ),
    (
        "not json",
        ("reply", 200, b"<html>"),
        502,
        "Sakuragi City's answer could not be read, so nothing can be shown. Try again later.",
    ),
]


@pytest.mark.parametrize(
    ("outcome", "status", "message"),
    [pytest.param(o, s, m, id=name) for name, o, s, m in FAILURES],
)
def test_every_failure_is_a_plain_page(
    citizen: Callable[..., Citizen],
    fake_exchange: FakeExchange,
    outcome: Any,
    status: int,
    message: str,
) -> None:
    person = citizen("en")
    person.decide("give")
    if isinstance(outcome, tuple) and outcome[0] == "problem":
        outcome = fake_exchange.problem(outcome[1], outcome[2])
    elif isinstance(outcome, tuple):
        outcome = fake_exchange.reply(outcome[1], outcome[2])
    fake_exchange.answer(BASIC_FOUR, outcome)
    page = person.fetch_details(status=status)
    assert page.h1 == "Your details from the resident register"
    assert problem_text(page) == message
    assert not page.select(".kit-register-details")
    japanese = citizen("ja")
    page = japanese.fetch_details(status=status)
    assert problem_text(page) != message  # said in Japanese


def test_the_button_needs_the_forms_token(
    citizen: Callable[..., Citizen], fake_exchange: FakeExchange
) -> None:
    person = citizen("en")
    response = person.client.post("/my-details", data={})
    assert response.status_code == 400
    assert fake_exchange.calls == []


# -- the real exchange client ---------------------------------------------------------------------


@pytest.fixture
def wired_portal(
    service_app: ServiceAppFactory, fake_idp: FakeProvider, xid: str
) -> Callable[..., Flask]:
    """``wired_portal(**settings)``: a portal with its real exchange client from settings."""

    def build(**settings: Any) -> Flask:
        app = service_app("portal", idp_url=fake_idp.issuer, **settings)
        fake_idp.tamper = lambda claims, _header: claims.update(exchange_id=xid)
        return app

    return build


def test_a_portal_without_an_exchange_says_so(
    wired_portal: Callable[..., Flask], citizen_on: Callable[..., Citizen]
) -> None:
    person = citizen_on(wired_portal(), "en")
    person.decide("give")
    page = person.fetch_details(status=503)
    assert problem_text(page) == (
        "This portal is not connected to the data exchange yet, so it cannot ask Sakuragi City "
        "for anything. Nothing was shared."
    )


def test_a_security_server_that_is_down(
    wired_portal: Callable[..., Flask], citizen_on: Callable[..., Citizen]
) -> None:
    app = wired_portal(
        security_server_url=closed_port_url(), exchange_client="JP-KIT/GOV/DA/portal"
    )
    person = citizen_on(app, "en")
    person.decide("give")
    page = person.fetch_details(status=503)
    assert problem_text(page) == UNREACHABLE
