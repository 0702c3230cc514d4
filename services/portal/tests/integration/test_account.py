"""The citizen's account on the portal: sign-in (faked provider), who is signed in, sign-out."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from govkit.testing import check_page
from govkit.testing.oidc import FakeProvider
from govkit.testing.plugin import ServiceAppFactory
from portal import CLIENT_NAME, SECTOR


@pytest.fixture
def app(service_app: ServiceAppFactory, fake_idp: FakeProvider) -> Flask:
    app = service_app("portal", idp_url=fake_idp.issuer)
    fake_idp.install(app)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    return client


def navigation(page: object) -> dict[str, str]:
    links = page.select(".govuk-service-navigation__list a")  # type: ignore[attr-defined]
    return {a.get_text(strip=True): a["href"] for a in links}


def test_the_header_offers_to_sign_in(client: FlaskClient) -> None:
    page = check_page(client.get("/"), lang="en")
    assert navigation(page) == {"Sign in": "/auth/login?next=/"}


def test_the_account_page_needs_sign_in(client: FlaskClient) -> None:
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/account&acr=aal2"


def test_the_account_page_says_who_is_signed_in(
    client: FlaskClient, fake_idp: FakeProvider
) -> None:
    page = check_page(fake_idp.sign_in(client, "/account"), lang="en", h1="Your account")
    assert page.select_one(".kit-signed-in-as").get_text(strip=True) == "Signed in as 森下 健太"
    assert navigation(page) == {"Your account": "/account", "Sign out": "/auth/logout"}
    assert page.select_one("form[action='/auth/logout'] input[name=csrf_token]")
    assert "Get a copy of your residence record (juminhyo)" in page.links()
    home = check_page(client.get("/"), lang="en")
    assert navigation(home) == {"Your account": "/account", "Sign out": "/auth/logout"}
    (registered,) = fake_idp.clients.values()
    assert registered["sector_identifier"] == SECTOR == "GOV/DA"
    assert registered["client_name"] == CLIENT_NAME


def test_the_account_page_in_japanese(app: Flask, fake_idp: FakeProvider) -> None:
    page = check_page(fake_idp.sign_in(app.test_client(), "/account"), lang="ja")
    assert "森下 健太" in page.select_one(".kit-signed-in-as").get_text()


def test_signing_out_from_the_account_page(client: FlaskClient, fake_idp: FakeProvider) -> None:
    page = check_page(fake_idp.sign_in(client, "/account"), lang="en")
    token = page.select_one("form[action='/auth/logout'] input[name=csrf_token]")["value"]
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{fake_idp.issuer}/logout?")
    assert client.get("/account").status_code == 302


def test_without_a_registration_the_account_page_explains(service_app: ServiceAppFactory) -> None:
    client = service_app("portal").test_client()
    client.set_cookie("kit_lang", "en")
    response = client.get("/auth/login?next=/account")
    check_page(response, status=503, lang="en", h1="Sign-in is unavailable")


def test_the_account_page_links_to_the_citizens_data(
    client: FlaskClient, fake_idp: FakeProvider
) -> None:
    page = check_page(fake_idp.sign_in(client, "/account"), lang="en")
    links = {a.get_text(strip=True): a["href"] for a in page.select(".kit-your-data a")}
    documents = {text for text, href in links.items() if href == "/my-documents"}
    assert len(documents) == 1  # "Your documents" (its Japanese comes with the catalogue)
    assert {text: href for text, href in links.items() if text not in documents} == {
        "Your consents": "/consents",
        "Your details from the resident register": "/my-details",
        "Who used my data": "/data-usage",
    }
