"""The portal's privacy notice (``/privacy``), in English and Japanese, and the footer links
every page carries to it and to the other notices."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from govkit.testing import check_page
from govkit.testing.plugin import ServiceAppFactory
from portal.privacy import NOTICE


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("portal")


def get(app: Flask, path: str, language: str) -> BeautifulSoup:
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    response = client.get(path)
    assert response.status_code == 200
    check_page(response, lang=language)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def holdings(soup: BeautifulSoup) -> list[list[str]]:
    rows = soup.select("table[data-holdings] tbody tr")
    return [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in rows]


def test_privacy_notice_in_english(app: Flask) -> None:
    soup = get(app, "/privacy", "en")
    assert soup.h1.get_text(strip=True) == "Privacy notice"
    assert "Digital Agency" in soup.select_one("[data-controller]").get_text()
    rows = holdings(soup)
    assert len(rows) == len(NOTICE.holdings) == 5
    assert all(len(cells) == 4 and all(cells) for cells in rows)
    consents, _history, specimens, sign_in, _sign_out = rows
    assert "exchange pseudonym" in consents[0]
    assert "Withdrawing a consent marks it withdrawn but does not delete it" in consents[3]
    assert "fictional person, not you" in specimens[0]
    assert "identifier Madoguchi ID gives you for the Digital Agency" in sign_in[0]
    text = soup.get_text(" ", strip=True)
    assert "The portal does not keep your details from the resident register" in text
    assert "Documents checked on the “Check a document” page are not saved" in text
    assert "The portal never receives your My Number" in text
    assert len(soup.select("[data-shared] li")) == len(NOTICE.shared)


def test_privacy_notice_in_japanese(app: Flask) -> None:
    soup = get(app, "/privacy", "ja")
    assert soup.h1.get_text(strip=True) == "個人情報の取扱い"
    assert "デジタル庁" in soup.select_one("[data-controller]").get_text()
    rows = holdings(soup)
    assert len(rows) == len(NOTICE.holdings)
    assert all(len(cells) == 4 and all(cells) for cells in rows)
    assert "連携用の識別子" in rows[0][0]
    assert "個人情報の保護に関する法律第61条" in rows[0][2]
    assert "架空の人物" in rows[2][0]
    text = soup.get_text(" ", strip=True)
    assert "あなたの証明書の一覧とそのPDF、情報の利用記録を保存しません" in text
    assert "「文書を確認する」ページで確認した文書は保存しません" in text
    assert "Withdrawing a consent" not in text
    assert "The kit deletes nothing" not in text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_page_links_to_the_notices(app: Flask, language: str) -> None:
    soup = get(app, "/", language)
    footer = {str(a["href"]) for a in soup.select("footer a[href]")}
    assert {"/privacy", "/cookies", "/accessibility"} <= footer
