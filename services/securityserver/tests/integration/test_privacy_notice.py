"""securityserver's privacy notice (``/privacy``) in English and Japanese: the message log and
the monitoring records, with the member and the retention periods of this server's settings."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.testing import check_page
from govkit.testing.pages import Page
from govkit.testing.plugin import ServiceAppFactory


def privacy_page(app: Flask, language: str, h1: str) -> tuple[Page, list[list[str]]]:
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    page = check_page(client.get("/privacy"), lang=language, h1=h1)
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in page.select("[data-holdings] tbody tr")
    ]
    assert len(rows) == 2
    assert all(len(cells) == 4 and all(cells) for cells in rows)
    return page, rows


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("securityserver", member="GOV/LG-139998")


def test_the_notice_gives_the_servers_retention(app: Flask) -> None:
    page, [log, monitoring] = privacy_page(app, "en", "Privacy notice")
    controller = page.select_one("[data-controller]").get_text(strip=True)
    assert controller.startswith("Sakuragi City (exchange member GOV/LG-139998)")
    assert "X-Road-UserId" in log[0]
    assert "never by their My Number" in log[0]
    assert "every 6 hours" in log[3]
    assert "30 days after it was logged" in log[3]
    assert monitoring[3] == "7 days, then deleted."


def test_the_notice_in_japanese(app: Flask) -> None:
    page, [log, monitoring] = privacy_page(app, "ja", "個人情報の取扱い")
    assert page.select_one("[data-controller]").get_text(strip=True).startswith("桜木市")
    assert "6時間ごと" in log[3]
    assert "30日" in log[3]
    assert monitoring[3] == "7日保存した後、削除します。"


def test_other_settings_give_other_periods(service_app: ServiceAppFactory) -> None:
    app = service_app(
        "securityserver",
        member="GOV/NTA",
        messagelog_archive_every_seconds=0,
        messagelog_keep_records_days=1,
        opmon_keep_records_days=0.5,
    )
    page, [log, monitoring] = privacy_page(app, "en", "Privacy notice")
    assert "exchange member GOV/NTA" in page.select_one("[data-controller]").get_text()
    assert "when the operator runs the archive command" in log[3]
    assert "1 day after" in log[3]
    assert monitoring[3] == "12 hours, then deleted."
