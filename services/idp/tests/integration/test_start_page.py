"""idp's start page, in Japanese and English."""

import pytest
from flask import Flask

from govkit.testing import check_page
from govkit.testing.plugin import ServiceAppFactory


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("idp", portal_url="https://portal.example")


def test_start_page_in_japanese(app: Flask) -> None:
    page = check_page(app.test_client().get("/"), lang="ja", h1="窓口ID")
    assert page.select_one("a.govuk-button--start")["href"] == "/account"
    assert page.links()["窓口のトップページで、すべてのサービスを見る"] == "https://portal.example/"


def test_start_page_in_english(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    page = check_page(client.get("/"), lang="en", h1="Madoguchi ID")
    assert "See every service on the Madoguchi home page" in page.links()


@pytest.mark.parametrize(
    ("language", "button"),
    [("ja", "窓口ポータルでサインインする"), ("en", "Sign in on the Madoguchi portal")],
)
def test_signed_out_the_account_page_leads_to_a_sign_in(
    app: Flask, language: str, button: str
) -> None:
    """The start page's "Go to your account" leads here: signed out, there is a way on."""
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    page = check_page(client.get("/account"), lang=language)
    assert page.select_one("a.govuk-button").get_text(strip=True) == button
    assert page.links()[button] == "https://portal.example/auth/login?next=/account"
