"""residence's privacy notice (/privacy), in English and Japanese, and the footer linking to it."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale

from govkit.testing.notices import get_page, read_privacy_notice
from residence.privacy import NOTICE


def _expected_rows(app: Flask, lang: str) -> list[list[str]]:
    with app.test_request_context(), force_locale(lang):
        return [[str(h.what), str(h.why), str(h.basis), str(h.kept)] for h in NOTICE.holdings]


def test_privacy_notice_in_english(app: Flask) -> None:
    notice = read_privacy_notice(app, "en")
    assert notice.controller.startswith("Sakuragi City (a fictional city), Citizens' Division")

    rows = notice.holdings
    assert len(rows) == len(NOTICE.holdings) >= 10
    assert rows == _expected_rows(app, "en")

    text = notice.page.text()
    removed = next(row for row in rows if "marked as removed" in row[0])
    assert removed[3].startswith("150 years from the day the record was removed")
    assert "Article 15-2" in removed[2]
    my_number = next(row for row in rows if row[0].startswith("Your My Number"))
    assert "My Number Act, Article 19" in my_number[2]
    assert "Basic Resident Registration Act, Article 30-45" in text
    assert "Article 12-3" in text
    assert "Who used my data" in text
    assert "check code" in text
    assert "never shown" in text  # the DV support measure
    assert "make reset" in text

    assert len(notice.shared) == len(NOTICE.shared)
    assert any("Japan Pension Service" in item for item in notice.shared)


def test_privacy_notice_in_japanese(app: Flask) -> None:
    notice = read_privacy_notice(app, "ja")
    assert notice.controller.startswith("桜木市（架空の市）市民課")

    rows = notice.holdings
    assert len(rows) == len(NOTICE.holdings)
    japanese, english = _expected_rows(app, "ja"), _expected_rows(app, "en")
    assert rows == japanese
    # Every cell is translated: none falls back to the English text.
    for row, fallback in zip(rows, english, strict=True):
        for cell, english_cell in zip(row, fallback, strict=True):
            assert cell != english_cell

    text = notice.page.text()
    assert "消除した日から150年間" in text
    assert "番号法）第19条" in text
    assert "住民基本台帳法第30条の45" in text
    assert "住民基本台帳法第12条・第12条の3" in text
    assert "DV等支援措置は、写しにも" in text
    assert "確認コード" in text
    for english_text in ("Basic Resident Registration Act", "My Number Act", "150 years"):
        assert english_text not in text
    with app.test_request_context(), force_locale("ja"):
        for line in (*NOTICE.shared, *NOTICE.notes):
            assert str(line) in text


def test_footer_links_to_the_notices(app: Flask) -> None:
    for lang, privacy in (("en", "Privacy notice"), ("ja", "個人情報の取扱い")):
        page = get_page(app, "/", lang)
        footer = page.soup.select_one("footer")
        links = {a.get_text(strip=True): a["href"] for a in footer.select("a[href]")}
        assert links[privacy] == "/privacy"
        assert "/cookies" in links.values()
        assert "/accessibility" in links.values()
