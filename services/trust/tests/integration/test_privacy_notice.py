"""trust's privacy notice (``/privacy``) in English and Japanese: the card certificates and
their revocation status, and a time-stamping service that keeps nothing."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.testing.notices import read_privacy_notice
from govkit.testing.plugin import ServiceAppFactory
from trust.privacy import NOTICE


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("trust", trust_ra_token="r" * 40)


def test_the_notice_names_what_the_card_certificates_carry(app: Flask) -> None:
    notice = read_privacy_notice(app, "en")
    assert len(notice.holdings) == len(NOTICE.holdings) == 2
    assert "Digital Agency" in notice.controller
    certificates, revocation = notice.holdings
    assert "name, address, date of birth and sex" in certificates[0]
    assert "authentication certificate carries none of these" in certificates[0]
    assert "Public Personal Authentication Act" in certificates[2]
    assert "valid for 5 years" in certificates[3]
    assert "revoked" in revocation[0]
    assert "The time-stamping service keeps nothing." in notice.page.text()


def test_the_notice_in_japanese(app: Flask) -> None:
    notice = read_privacy_notice(app, "ja")
    assert len(notice.holdings) == 2
    assert "地方公共団体情報システム機構" in notice.controller
    assert "基本4情報" in notice.holdings[0][0]
    assert "公的個人認証法" in notice.holdings[0][2]
    assert "タイムスタンプサービスは何も保存しません" in notice.page.text()
    assert "time-stamping" not in notice.page.text()
