"""residence's start page, in Japanese and English."""

import pytest
from flask import Flask

from govkit.testing import check_page
from govkit.testing.plugin import ServiceAppFactory


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("residence", portal_url="https://portal.example")


def test_start_page_in_japanese(app: Flask) -> None:
    page = check_page(app.test_client().get("/"), lang="ja", h1="住民票の写しの交付")
    assert page.select_one(".govuk-inset-text").get_text(strip=True)
    assert page.links()["窓口のトップページで、すべてのサービスを見る"] == "https://portal.example/"
    assert page.links()["請求と写し"] == "/certificates"


def test_start_page_in_english(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    page = check_page(
        client.get("/"), lang="en", h1="Get a copy of your residence record (juminhyo)"
    )
    assert "See every service on the Madoguchi home page" in page.links()
    assert page.links()["Your requests and copies"] == "/certificates"
