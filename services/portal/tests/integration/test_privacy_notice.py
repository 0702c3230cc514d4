"""The portal's privacy notice (``/privacy``), in English and Japanese, and the footer links
every page carries to it and to the other notices."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.testing.notices import get_page, read_privacy_notice
from govkit.testing.plugin import ServiceAppFactory
from portal.privacy import NOTICE


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("portal")


def test_privacy_notice_in_english(app: Flask) -> None:
    notice = read_privacy_notice(app, "en")
    assert "Digital Agency" in notice.controller
    assert len(notice.holdings) == len(NOTICE.holdings) == 5
    consents, _history, specimens, sign_in, _sign_out = notice.holdings
    assert "exchange pseudonym" in consents[0]
    assert "Withdrawing a consent marks it withdrawn but does not delete it" in consents[3]
    assert "fictional person, not you" in specimens[0]
    assert "identifier Madoguchi ID gives you for the Digital Agency" in sign_in[0]
    text = notice.page.text()
    assert "The portal does not keep your details from the resident register" in text
    assert "Documents checked on the “Check a document” page are not saved" in text
    assert "The portal never receives your My Number" in text
    assert len(notice.shared) == len(NOTICE.shared)


def test_privacy_notice_in_japanese(app: Flask) -> None:
    notice = read_privacy_notice(app, "ja")
    assert "デジタル庁" in notice.controller
    rows = notice.holdings
    assert len(rows) == len(NOTICE.holdings)
    assert "連携用の識別子" in rows[0][0]
    assert "個人情報の保護に関する法律第61条" in rows[0][2]
    assert "架空の人物" in rows[2][0]
    text = notice.page.text()
    assert "あなたの証明書の一覧とそのPDF、情報の利用記録を保存しません" in text
    assert "「文書を確認する」ページで確認した文書は保存しません" in text
    assert "Withdrawing a consent" not in text
    assert "The kit deletes nothing" not in text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_page_links_to_the_notices(app: Flask, language: str) -> None:
    page = get_page(app, "/", language)
    footer = {str(a["href"]) for a in page.select("footer a[href]")}
    assert {"/privacy", "/cookies", "/accessibility"} <= footer
