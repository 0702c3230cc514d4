"""The "Your consents" pages: give, refuse and withdraw the demo consent, with confirmation,
CSRF, an audit trail, and the rules of the domain as pages (never errors).

Each test runs on SQLite and on PostgreSQL (``citizen_app`` is built on ``database_url``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from govkit.db import get_session
from govkit.testing import check_page
from govkit.testing.oidc import FakeProvider
from portal import repository

Citizen = Any  # conftest.Citizen

OFFER_EN = (
    "Let the Madoguchi portal (Digital Agency) read your name, address, date of birth and sex "
    "from Sakuragi City's resident register to show them in your account"
)


def stored(app: Flask, subject: str) -> list[dict[str, Any]]:
    """The consent records of ``subject`` and their audit trails, newest first."""
    with app.app_context():
        session = get_session()
        return [
            {
                "id": record.id,
                "status": record.status,
                "sequence": record.sequence,
                "given": record.given_at is not None,
                "refused": record.refused_at is not None,
                "withdrawn": record.withdrawn_at is not None,
                "events": [
                    event.action
                    for event in repository.list_consent_events(
                        session=session, consent_id=record.id
                    )
                ],
            }
            for record in repository.list_consents(session=session, subject=subject)
        ]


def cards(page: Any) -> dict[str, tuple[str, list[str]]]:
    """Consent number → (status, button texts) on a consents page."""
    found = {}
    for card in page.select("[data-consent]"):
        status = card.select_one(".kit-consent-status").get_text(strip=True)
        buttons = [a.get_text(strip=True) for a in card.select("a.govuk-button")]
        found[card["data-consent"]] = (status, buttons)
    return found


def banner(page: Any) -> str:
    """The last message shown in a notification banner."""
    shown = page.select(".govuk-notification-banner__content")
    return str(shown[-1].get_text(" ", strip=True)) if shown else ""


def test_the_consents_page_needs_sign_in(citizen_app: Flask) -> None:
    response = citizen_app.test_client().get("/consents")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/consents&acr=aal2"


def test_an_undecided_consent_offers_give_and_refuse(
    citizen: Callable[..., Citizen],
) -> None:
    person = citizen("en")
    page = person.page("/consents", h1="Your consents")
    (offer,) = page.select("[data-offer]")
    assert offer.select_one(".kit-consent-text").get_text(strip=True) == OFFER_EN
    assert [a.get_text(strip=True) for a in offer.select("a.govuk-button")] == [
        "Give consent",
        "Refuse consent",
    ]
    assert cards(page) == {}


def test_giving_then_withdrawing_then_giving_again(
    citizen: Callable[..., Citizen], citizen_app: Flask, xid: str
) -> None:
    person = citizen("en")
    confirm = person.page(person.button_href("give"), h1="Give your consent")
    assert OFFER_EN in confirm.text()
    assert "Date of birth" in confirm.text()

    page = person.decide("give")
    ((first, (status, buttons)),) = cards(page).items()
    assert first.startswith("C-")
    assert len(first) == 18
    assert (status, buttons) == ("Given", ["Withdraw consent"])
    assert banner(page) == f"You gave your consent {first}."
    assert not page.select("[data-offer]")

    withdraw = person.page(person.button_href("withdraw"), h1="Withdraw your consent")
    assert first in withdraw.text()
    page = person.decide("withdraw")
    assert cards(page) == {first: ("Withdrawn", ["Give consent"])}
    assert banner(page) == f"You withdrew your consent {first}."
    rows = page.select_one(f"#{first}").get_text(" ", strip=True)
    assert "Given on" in rows
    assert "Withdrawn on" in rows

    page = person.decide("give")
    found = cards(page)
    second = next(c for c in found if c != first)
    assert found == {second: ("Given", ["Withdraw consent"]), first: ("Withdrawn", [])}
    # The new decision is listed first, the withdrawn one under "Earlier decisions".
    headings = [h.get_text(strip=True) for h in page.select("h2.govuk-heading-m")]
    assert headings[:2] == ["Your decisions", "Earlier decisions"]

    assert stored(citizen_app, xid) == [
        {"id": second, "status": "given", "sequence": 2, "given": True, "refused": False,
         "withdrawn": False, "events": ["given"]},
        {"id": first, "status": "withdrawn", "sequence": 1, "given": True, "refused": False,
         "withdrawn": True, "events": ["given", "withdrawn"]},
    ]  # fmt: skip


def test_refusing_and_then_giving(
    citizen: Callable[..., Citizen], citizen_app: Flask, xid: str
) -> None:
    person = citizen("en")
    person.page(person.button_href("refuse"), h1="Refuse consent")
    page = person.decide("refuse")
    ((refused, state),) = cards(page).items()
    assert state == ("Refused", ["Give consent"])
    assert banner(page) == f"You refused consent (record {refused})."
    page = person.decide("give")
    assert [s for s, _b in cards(page).values()] == ["Given", "Refused"]
    assert [r["events"] for r in stored(citizen_app, xid)] == [["given"], ["refused"]]


def test_the_pages_in_japanese(citizen: Callable[..., Citizen]) -> None:
    person = citizen("ja")
    page = person.page("/consents", h1="同意の管理")
    assert "窓口ポータル（デジタル庁" in page.select_one(".kit-consent-text").get_text()
    person.page(person.button_href("give"), h1="同意する")
    page = person.decide("give")
    assert [s for s, _b in cards(page).values()] == ["同意済み"]
    person.page(person.button_href("withdraw"), h1="同意を撤回する")
    page = person.decide("withdraw")
    assert [s for s, _b in cards(page).values()] == ["撤回済み"]


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Sakuragi City — Resident register: name, address, date of birth and sex"),
        ("ja", "桜木市 — 住民基本台帳：氏名・住所・生年月日・性別"),
    ],
)
def test_citizens_read_names_not_exchange_codes(
    citizen: Callable[..., Citizen], language: str, title: str
) -> None:
    """What the citizen agrees to names agencies and services; a consent card is headed by them,
    its number (the check code a citizen may hand on) kept as one of its rows."""
    person = citizen(language)
    pages = [person.page("/consents"), person.page(person.button_href("give"))]
    page = person.decide("give")
    for shown in [*pages, page]:
        assert "JP-KIT/" not in shown.text()
    ((number, _state),) = cards(page).items()
    card = page.select_one(f"#{number}")
    assert card.select_one(".govuk-summary-card__title").get_text(strip=True) == title
    assert number in card.select_one(".govuk-summary-list").get_text(" ", strip=True)


def test_a_second_submission_changes_nothing(
    citizen: Callable[..., Citizen], citizen_app: Flask, xid: str
) -> None:
    person = citizen("en")
    confirm = person.button_href("give")
    token = str(person.page(confirm).select_one("input[name=csrf_token]")["value"])
    assert person.client.post(confirm, data={"csrf_token": token}).status_code == 303
    again = person.client.post(confirm, data={"csrf_token": token})
    assert again.status_code == 303
    page = person.page("/consents")
    assert banner(page) == "Your consent was already given: nothing has changed."
    assert len(stored(citizen_app, xid)) == 1
    # Refusing a given consent is not possible either: it must be withdrawn.
    refuse = confirm.replace("/give", "/refuse")
    assert person.client.post(refuse, data={"csrf_token": token}).status_code == 303
    assert banner(person.page("/consents")) == (
        "Your consent is given: withdraw it to stop the sharing."
    )
    (consent,) = stored(citizen_app, xid)
    withdraw = f"/consents/{consent['id']}/withdraw"
    assert person.client.post(withdraw, data={"csrf_token": token}).status_code == 303
    assert person.client.post(withdraw, data={"csrf_token": token}).status_code == 303
    assert banner(person.page("/consents")) == (
        "This consent was already withdrawn: nothing has changed."
    )
    assert stored(citizen_app, xid)[0]["events"] == ["given", "withdrawn"]
    # A withdrawn consent offers no withdrawal page any more.
    assert person.client.get(withdraw).status_code == 303


def test_every_decision_needs_the_forms_token(
    citizen: Callable[..., Citizen], citizen_app: Flask, xid: str
) -> None:
    person = citizen("en")
    confirm = person.button_href("give")
    response = person.client.post(confirm, data={})
    check_page(response, status=400, lang="en")
    assert stored(citizen_app, xid) == []


def test_unknown_offers_actions_and_consents_are_not_found(
    citizen: Callable[..., Citizen],
) -> None:
    person = citizen("en")
    person.page("/consents/someone-elses-offer/give", status=404)
    person.page("/consents/residence-basic-four/withdraw", status=404)
    person.page("/consents/residence-basic-four/sell", status=404)
    person.page("/consents/C-NOSUCHCONSENT00/withdraw", status=404)
    token = person.csrf_token("/consents/residence-basic-four/give")
    response = person.client.post(
        "/consents/C-NOSUCHCONSENT00/withdraw", data={"csrf_token": token}
    )
    check_page(response, status=404, lang="en")


def test_nobody_withdraws_someone_elses_consent(
    citizen_app: Flask, fake_idp: FakeProvider, citizen: Callable[..., Citizen], xid: str
) -> None:
    owner = citizen("en")
    owner.decide("give")
    (consent,) = stored(citizen_app, xid)
    fake_idp.tamper = lambda claims, _header: claims.update(exchange_id="another-citizen-xid")
    other = citizen("en")
    other.page(f"/consents/{consent['id']}/withdraw", status=404)
    token = other.csrf_token("/consents/residence-basic-four/give")
    response = other.client.post(f"/consents/{consent['id']}/withdraw", data={"csrf_token": token})
    check_page(response, status=404, lang="en")
    assert cards(other.page("/consents")) == {}
    assert stored(citizen_app, xid)[0]["status"] == "given"


def test_without_an_exchange_identity_the_pages_say_so(
    citizen_app: Flask, fake_idp: FakeProvider, citizen: Callable[..., Citizen]
) -> None:
    fake_idp.tamper = None
    person = citizen("en")
    for path in (
        "/consents",
        "/consents/residence-basic-four/give",
        "/my-details",
        "/data-usage",
        "/consents/C-ANY/withdraw",
    ):
        page = person.page(path, h1="Your exchange identity is not available")
        assert "Nothing was shared with anyone." in page.text()
    token = person.csrf_token("/verify")
    for path in ("/consents/residence-basic-four/give", "/my-details", "/consents/C-1/withdraw"):
        response = person.client.post(path, data={"csrf_token": token})
        check_page(response, lang="en", h1="Your exchange identity is not available")
    japanese = citizen("ja")
    japanese.page("/consents", h1="連携用の識別子を利用できません")
