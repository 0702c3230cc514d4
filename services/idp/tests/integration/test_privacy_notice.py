"""Madoguchi ID's privacy notice (``/privacy``) in English and Japanese, its cookies page (the
single sign-on session lasts 8 hours) and the footer links every page carries."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from govkit.testing import check_page
from govkit.testing.plugin import ServiceAppFactory
from idp.privacy import NOTICE


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("idp")


def get(app: Flask, path: str, language: str) -> BeautifulSoup:
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    response = client.get(path)
    assert response.status_code == 200
    check_page(response, lang=language)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def rows(soup: BeautifulSoup, table: str) -> list[list[str]]:
    found = soup.select(f"table[{table}] tbody tr")
    return [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in found]


def holding(table: list[list[str]], start: str) -> list[str]:
    """The row whose first cell starts with ``start``."""
    matches = [cells for cells in table if cells[0].startswith(start)]
    assert len(matches) == 1, [cells[0] for cells in table]
    return matches[0]


def test_privacy_notice_in_english(app: Flask) -> None:
    soup = get(app, "/privacy", "en")
    assert soup.h1.get_text(strip=True) == "Privacy notice"
    assert "Digital Agency" in soup.select_one("[data-controller]").get_text()
    table = rows(soup, "data-holdings")
    assert len(table) == len(NOTICE.holdings)
    assert all(len(cells) == 4 and all(cells) for cells in table)
    chip = holding(table, "The simulated chip of your card")
    assert "only as scrypt hashes (never the PIN or password itself)" in chip[0]
    my_number = holding(table, "Your My Number")
    assert "statutory basis" in my_number[1]
    assert my_number[2] == "My Number Act, arts. 19 and 20."
    assert "JPKI" in holding(table, "Your card's certificates")[2]
    sessions = holding(table, "Your sign-in sessions")
    assert "after 8 hours" in sessions[3]
    tokens = holding(table, "Authorization codes and tokens")
    assert "60 seconds" in tokens[3]
    assert "10 minutes" in tokens[3]
    assert "30 days" in tokens[3]
    assert "never holds a PIN, password, code or token" in holding(table, "The audit log")[0]
    shared = [li.get_text(" ", strip=True) for li in soup.select("[data-shared] li")]
    assert len(shared) == len(NOTICE.shared)
    assert any("different identifier" in line for line in shared)
    text = soup.get_text(" ", strip=True)
    assert "Pairwise identifiers and your exchange pseudonym are not stored" in text


def test_privacy_notice_in_japanese(app: Flask) -> None:
    soup = get(app, "/privacy", "ja")
    assert soup.h1.get_text(strip=True) == "個人情報の取扱い"
    assert "デジタル庁" in soup.select_one("[data-controller]").get_text()
    table = rows(soup, "data-holdings")
    assert len(table) == len(NOTICE.holdings)
    assert all(len(cells) == 4 and all(cells) for cells in table)
    chip = holding(table, "カードのICチップ（模擬）")
    assert "scryptハッシュ値（暗証番号やパスワードそのものは保存しません）" in chip[0]
    assert "公的個人認証法" in chip[2]
    my_number = holding(table, "あなたのマイナンバー")
    assert "番号法" in my_number[2]
    assert "第19条" in my_number[2]
    assert "8時間後" in holding(table, "サインインのセッション")[3]
    text = soup.get_text(" ", strip=True)
    assert "ペアワイズ識別子" in text
    assert "暗証番号、パスワード、認可コード、トークンは一切記録しません" in text
    assert "The kit deletes nothing" not in text
    assert "scrypt hashes" not in text


def test_cookies_page_gives_the_sign_on_session_8_hours(app: Flask) -> None:
    soup = get(app, "/cookies", "en")
    session = holding(rows(soup, "data-cookies"), "idp_session")
    assert session[2] == "After 8 hours, or when you sign out"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_page_links_to_the_notices(app: Flask, language: str) -> None:
    soup = get(app, "/", language)
    footer = {str(a["href"]) for a in soup.select("footer a[href]")}
    assert {"/privacy", "/cookies", "/accessibility"} <= footer
