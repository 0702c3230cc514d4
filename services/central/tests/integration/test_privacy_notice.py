"""central's privacy notice (``/privacy``) in English and Japanese: organisations only, no
data about residents."""

from __future__ import annotations

from flask import Flask

from central.privacy import NOTICE
from govkit.testing import check_page
from govkit.testing.pages import Page


def privacy_page(app: Flask, language: str, h1: str) -> tuple[Page, list[list[str]]]:
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    page = check_page(client.get("/privacy"), lang=language, h1=h1)
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in page.select("[data-holdings] tbody tr")
    ]
    assert len(rows) == len(NOTICE.holdings) == 1
    assert all(len(cells) == 4 and all(cells) for cells in rows)
    return page, rows


def test_the_notice_says_it_holds_no_data_about_residents(app: Flask) -> None:
    page, [registry] = privacy_page(app, "en", "Privacy notice")
    assert "Digital Agency" in page.select_one("[data-controller]").get_text()
    assert "which are organisations" in registry[0]
    assert registry[3].startswith("Not deleted.")
    assert "This service holds no personal data about residents." in page.text()


def test_the_notice_in_japanese(app: Flask) -> None:
    page, [registry] = privacy_page(app, "ja", "個人情報の取扱い")
    assert "デジタル庁" in page.select_one("[data-controller]").get_text()
    assert "デジタル庁設置法" in registry[2]
    assert "住民の個人情報を保有しません" in page.text()
