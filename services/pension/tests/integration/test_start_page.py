"""pension's start page, in Japanese and English."""

import pytest
from flask import Flask

from govkit.testing import check_page
from govkit.testing.plugin import ServiceAppFactory


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("pension", portal_url="https://portal.example")


def test_start_page_in_japanese(app: Flask) -> None:
    page = check_page(app.test_client().get("/"), lang="ja", h1="国民年金")
    assert page.title == "国民年金 – 窓口"  # the service's name once
    assert page.select_one(".govuk-inset-text").get_text(strip=True)
    assert page.links()["窓口のトップページで、すべてのサービスを見る"] == "https://portal.example/"


def test_start_page_in_english(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    page = check_page(client.get("/"), lang="en", h1="National Pension")
    assert "See every service on the Madoguchi home page" in page.links()
