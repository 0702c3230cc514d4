"""trust's privacy notice (``/privacy``) in English and Japanese: the card certificates and
their revocation status, and a time-stamping service that keeps nothing."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.testing import check_page
from govkit.testing.pages import Page
from govkit.testing.plugin import ServiceAppFactory
from trust.privacy import NOTICE


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("trust", trust_ra_token="r" * 40)


def privacy_page(app: Flask, language: str, h1: str) -> tuple[Page, list[list[str]]]:
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    page = check_page(client.get("/privacy"), lang=language, h1=h1)
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in page.select("[data-holdings] tbody tr")
    ]
    assert len(rows) == len(NOTICE.holdings) == 2
    assert all(len(cells) == 4 and all(cells) for cells in rows)
    return page, rows


def test_the_notice_names_what_the_card_certificates_carry(app: Flask) -> None:
    page, rows = privacy_page(app, "en", "Privacy notice")
    assert "Digital Agency" in page.select_one("[data-controller]").get_text()
    certificates, revocation = rows
    assert "name, address, date of birth and sex" in certificates[0]
    assert "authentication certificate carries none of these" in certificates[0]
    assert "Public Personal Authentication Act" in certificates[2]
    assert "valid for 5 years" in certificates[3]
    assert "revoked" in revocation[0]
    assert "The time-stamping service keeps nothing." in page.text()


def test_the_notice_in_japanese(app: Flask) -> None:
    page, rows = privacy_page(app, "ja", "個人情報の取扱い")
    assert "地方公共団体情報システム機構" in page.select_one("[data-controller]").get_text()
    assert "基本4情報" in rows[0][0]
    assert "公的個人認証法" in rows[0][2]
    assert "タイムスタンプサービスは何も保存しません" in page.text()
    assert "time-stamping" not in page.text()
