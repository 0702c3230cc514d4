"""central's privacy notice (``/privacy``) in English and Japanese: organisations only, no
data about residents."""

from __future__ import annotations

from flask import Flask

from central.privacy import NOTICE
from govkit.testing.notices import read_privacy_notice


def test_the_notice_says_it_holds_no_data_about_residents(app: Flask) -> None:
    notice = read_privacy_notice(app, "en")
    [registry] = notice.holdings
    assert len(NOTICE.holdings) == 1
    assert "Digital Agency" in notice.controller
    assert "which are organisations" in registry[0]
    assert registry[3].startswith("Not deleted.")
    assert "This service holds no personal data about residents." in notice.page.text()


def test_the_notice_in_japanese(app: Flask) -> None:
    notice = read_privacy_notice(app, "ja")
    [registry] = notice.holdings
    assert "デジタル庁" in notice.controller
    assert "デジタル庁設置法" in registry[2]
    assert "住民の個人情報を保有しません" in notice.page.text()
