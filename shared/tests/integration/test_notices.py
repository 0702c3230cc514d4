"""The pages every service links from its footer: accessibility statement, cookies and the
service's privacy notice (govkit.notices)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

import pytest
from flask import Blueprint, Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import lazy_gettext as _l

from govkit import notices, web
from govkit.access import PUBLIC
from govkit.config import ServiceSettings
from govkit.testing import check_page
from govkit.testing.notices import get_page, read_cookies, read_privacy_notice


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    env_prefix: ClassVar[str] = "DEMO_"


NOTICE = notices.PrivacyNotice(
    controller=_l("Demo City, Records Office"),
    holdings=(
        notices.Holding(
            what=_l("Your requests"),
            why=_l("To answer them"),
            basis=_l("Demo Act, art. 1"),
            kept=_l("5 years"),
        ),
        notices.Holding(
            what="Audit log", why="Evidence", basis="Demo Act, art. 2", kept="10 years"
        ),
    ),
    shared=(_l("The Demo Agency, through the exchange"),),
    notes=("Nothing else is kept.",),
)


def make_app(notice: notices.PrivacyNotice | None = NOTICE) -> Flask:
    app = Flask(__name__)
    web.init_app(app, DemoSettings(environment="test", secret_key="s" * 48), title="Demo service")
    notices.init_app(app, notice)
    pages = Blueprint("pages", __name__)

    @pages.get("/")
    def home() -> str:
        return render_template_string(
            '{% extends "govkit/layout.html" %}{% set page_title = "Home" %}'
            '{% block content %}<h1 class="govuk-heading-l">Home</h1>{% endblock %}'
        )

    web.register_blueprint(app, pages, access=PUBLIC)
    return app


def browser(app: Flask, language: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    return client


def footer(client: FlaskClient, path: str = "/") -> dict[str, str]:
    page = check_page(client.get(path))
    return {a.get_text(strip=True): a["href"] for a in page.select(".govuk-footer__inline-list a")}


def test_every_page_links_the_three_notices_in_its_language() -> None:
    app = make_app()
    assert footer(browser(app, "en")) == {
        "Accessibility statement": "/accessibility",
        "Cookies": "/cookies",
        "Privacy notice": "/privacy",
    }
    assert footer(browser(app, "ja")) == {
        "アクセシビリティ方針": "/accessibility",
        "Cookieについて": "/cookies",
        "個人情報の取扱い": "/privacy",
    }


def test_a_service_without_a_notice_links_none_and_has_no_privacy_page() -> None:
    client = browser(make_app(notice=None), "en")
    assert "Privacy notice" not in footer(client)
    check_page(client.get("/privacy"), status=404)


def test_the_privacy_notice_lays_out_what_the_service_gave() -> None:
    notice = read_privacy_notice(make_app(), "en")
    assert notice.controller == "Demo City, Records Office"
    assert notice.holdings == [
        ["Your requests", "To answer them", "Demo Act, art. 1", "5 years"],
        ["Audit log", "Evidence", "Demo Act, art. 2", "10 years"],
    ]
    assert notice.shared == ["The Demo Agency, through the exchange"]
    assert "Nothing else is kept." in notice.page.text()
    assert "Act on the Protection of Personal Information" in notice.page.text()


def test_a_notice_that_shares_nothing_says_so() -> None:
    quiet = notices.PrivacyNotice(controller="Demo", holdings=NOTICE.holdings)
    page = check_page(browser(make_app(quiet), "ja").get("/privacy"), h1="個人情報の取扱い")
    assert "他の機関に提供しません" in page.select_one("[data-shared]").get_text()


@pytest.mark.parametrize(
    ("permanent", "lifetime", "expected"),
    [
        (False, None, "When you close your browser or sign out"),
        (True, timedelta(hours=8), "After 8 hours, or when you sign out"),
        (True, timedelta(hours=1), "After 1 hour, or when you sign out"),
    ],
)
def test_the_cookies_page_lists_the_two_cookies_and_when_the_session_ends(
    permanent: bool, lifetime: timedelta | None, expected: str
) -> None:
    app = make_app()
    if permanent:
        app.config[notices.PERMANENT_SESSION] = True
        app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
    cookies = read_cookies(app, "en")
    assert {name: row[2] for name, row in cookies.items()} == {
        "demo_session": expected,
        "kit_lang": "After 1 year",
    }
    page = get_page(app, "/cookies", "en", h1="Cookies")
    assert "no cookies for analytics or advertising" in page.text()


def test_the_accessibility_statement_names_the_standard_and_what_falls_short() -> None:
    page = check_page(
        browser(make_app(), "en").get("/accessibility"), h1="Accessibility statement", lang="en"
    )
    text = page.text()
    assert "This statement applies to “Demo service”, a service of Madoguchi." in text
    assert "WCAG) 2.2" in text
    assert "JIS X 8341-3:2016" in text
    assert "not tagged for screen readers" in text
    assert "prepared on November 22, 2026" in text
    in_japanese = browser(make_app(), "ja").get("/accessibility")
    japanese = check_page(in_japanese, h1="アクセシビリティ方針")
    assert "2026年11月22日" in japanese.text()
    assert "400%まで拡大" in japanese.text()
