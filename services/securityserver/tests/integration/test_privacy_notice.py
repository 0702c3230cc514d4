"""securityserver's privacy notice (``/privacy``) in English and Japanese: the message log and
the monitoring records, with the member and the retention periods of this server's settings."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.testing.notices import read_privacy_notice
from govkit.testing.plugin import ServiceAppFactory


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("securityserver", member="GOV/LG-139998")


def test_the_notice_gives_the_servers_retention(app: Flask) -> None:
    notice = read_privacy_notice(app, "en")
    [log, monitoring] = notice.holdings
    assert notice.controller.startswith("Sakuragi City (exchange member GOV/LG-139998)")
    assert "X-Road-UserId" in log[0]
    assert "never by their My Number" in log[0]
    assert "every 6 hours" in log[3]
    assert "30 days after it was logged" in log[3]
    assert monitoring[3] == "7 days, then deleted."


def test_the_notice_in_japanese(app: Flask) -> None:
    notice = read_privacy_notice(app, "ja")
    [log, monitoring] = notice.holdings
    assert notice.controller.startswith("桜木市")
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
    notice = read_privacy_notice(app, "en")
    [log, monitoring] = notice.holdings
    assert "exchange member GOV/NTA" in notice.controller
    assert "when the operator runs the archive command" in log[3]
    assert "1 day after" in log[3]
    assert monitoring[3] == "12 hours, then deleted."
