"""The journey catalogue: complete facts for each journey, each run by a kit service."""

from portal.journeys import JOURNEYS
from portal.settings import PortalSettings


def test_four_journeys_with_complete_facts() -> None:
    assert [j.key for j in JOURNEYS] == [
        "residence-certificate",
        "childcare-account",
        "company-setup",
        "national-pension",
    ]
    for journey in JOURNEYS:
        assert journey.title
        assert journey.summary
        assert journey.duration
        assert journey.fee
        assert journey.needs, journey.key


def test_every_journey_is_run_by_a_service_the_settings_know() -> None:
    settings = PortalSettings(environment="development")
    for journey in JOURNEYS:
        assert settings.service_url(journey.service).startswith("http")
