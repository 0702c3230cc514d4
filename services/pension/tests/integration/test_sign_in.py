"""Signing in to pension (single sign-on with the kit's identity provider, faked in-process)."""

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from govkit.service import load_definition
from govkit.testing import check_page
from govkit.testing.oidc import FakeProvider
from govkit.testing.plugin import ServiceAppFactory


@pytest.fixture
def app(service_app: ServiceAppFactory, fake_idp: FakeProvider) -> Flask:
    app = service_app("pension", idp_url=fake_idp.issuer)
    fake_idp.install(app)
    return app


def english(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    return client


def test_the_start_page_has_a_sign_in_button(app: Flask) -> None:
    page = check_page(english(app).get("/"), lang="en")
    button = page.select_one("a.govuk-button--start")
    assert button.get_text(strip=True) == "Sign in"
    assert button["href"] == "/start"


def test_the_signed_in_page_needs_the_card(app: Flask) -> None:
    response = english(app).get("/start")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/start&acr=aal3"


def test_a_signed_in_citizen_sees_who_they_are(app: Flask, fake_idp: FakeProvider) -> None:
    client = english(app)
    page = check_page(fake_idp.sign_in(client, "/start"), lang="en", h1="You are signed in")
    assert page.select_one(".kit-signed-in-as").get_text(strip=True) == "Signed in as 森下 健太"
    rows = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
        for row in page.select(".govuk-summary-list__row")
    }
    assert rows["Name"] == "森下 健太"
    assert rows["Signed in with"] == "My Number card and PIN"
    assert page.select_one("form[action='/auth/logout'] input[name=csrf_token]")
    start = check_page(client.get("/"), lang="en")
    assert start.select_one("a.govuk-button--start").get_text(strip=True) == "Continue"
    # The service registered as its agency, under its own name.
    (registered,) = fake_idp.clients.values()
    assert registered["sector_identifier"] == "GOV/JPS"
    assert registered["client_name"] == "国民年金（日本年金機構）"


def test_the_signed_in_page_is_in_japanese_too(app: Flask, fake_idp: FakeProvider) -> None:
    check_page(fake_idp.sign_in(app.test_client(), "/start"), lang="ja")


def test_without_a_registration_sign_in_is_unavailable(service_app: ServiceAppFactory) -> None:
    app = service_app("pension")  # no registration token: prepare could not register
    client = english(app)
    response = client.get("/auth/login?next=/start")
    check_page(response, status=503, lang="en", h1="Sign-in is unavailable")


def test_prepare_says_why_it_did_not_register(tmp_path: Path) -> None:
    definition = load_definition("pension")
    settings = definition.settings({}, environment="test", secret_key="s" * 48, data_dir=tmp_path)
    assert definition.seed is not None
    (line,) = definition.seed(settings, None)  # type: ignore[arg-type]
    assert line.startswith("OpenID client not registered: no registration token")
