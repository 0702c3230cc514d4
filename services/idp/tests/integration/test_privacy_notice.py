"""Madoguchi ID's privacy notice (``/privacy``) in English and Japanese, its cookies page (the
single sign-on session lasts 8 hours) and the footer links every page carries."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.testing.notices import get_page, read_cookies, read_privacy_notice
from govkit.testing.plugin import ServiceAppFactory
from idp.privacy import NOTICE


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("idp")


def test_privacy_notice_in_english(app: Flask) -> None:
    notice = read_privacy_notice(app, "en")
    assert "Digital Agency" in notice.controller
    assert len(notice.holdings) == len(NOTICE.holdings)
    holding = notice.holding
    chip = holding("The simulated chip of your card")
    assert "only as scrypt hashes (never the PIN or password itself)" in chip[0]
    my_number = holding("Your My Number")
    assert "statutory basis" in my_number[1]
    assert my_number[2] == "My Number Act, arts. 19 and 20."
    assert "JPKI" in holding("Your card's certificates")[2]
    sessions = holding("Your sign-in sessions")
    assert "after 8 hours" in sessions[3]
    tokens = holding("Authorization codes and tokens")
    assert "60 seconds" in tokens[3]
    assert "10 minutes" in tokens[3]
    assert "30 days" in tokens[3]
    assert "never holds a PIN, password, code or token" in holding("The audit log")[0]
    assert len(notice.shared) == len(NOTICE.shared)
    assert any("different identifier" in line for line in notice.shared)
    text = notice.page.text()
    assert "Pairwise identifiers and your exchange pseudonym are not stored" in text


def test_privacy_notice_in_japanese(app: Flask) -> None:
    notice = read_privacy_notice(app, "ja")
    assert "デジタル庁" in notice.controller
    assert len(notice.holdings) == len(NOTICE.holdings)
    holding = notice.holding
    chip = holding("カードのICチップ（模擬）")
    assert "scryptハッシュ値（暗証番号やパスワードそのものは保存しません）" in chip[0]
    assert "公的個人認証法" in chip[2]
    my_number = holding("あなたのマイナンバー")
    assert "番号法" in my_number[2]
    assert "第19条" in my_number[2]
    assert "8時間後" in holding("サインインのセッション")[3]
    text = notice.page.text()
    assert "ペアワイズ識別子" in text
    assert "暗証番号、パスワード、認可コード、トークンは一切記録しません" in text
    assert "The kit deletes nothing" not in text
    assert "scrypt hashes" not in text


def test_cookies_page_gives_the_sign_on_session_8_hours(app: Flask) -> None:
    session = read_cookies(app, "en")["idp_session"]
    assert session[2] == "After 8 hours, or when you sign out"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_page_links_to_the_notices(app: Flask, language: str) -> None:
    page = get_page(app, "/", language)
    footer = {str(a["href"]) for a in page.select("footer a[href]")}
    assert {"/privacy", "/cookies", "/accessibility"} <= footer
