"""A security server must know which member it serves."""

from datetime import timedelta

import pytest

from govkit.config import SettingsError
from securityserver.messagelog.settings import MessageLogSettings
from securityserver.settings import SecurityServerSettings

SECRET = {"SECURITYSERVER_SECRET_KEY": "x" * 48}


def test_member_and_instance_are_read_from_the_environment() -> None:
    settings = SecurityServerSettings.from_env({**SECRET, "SECURITYSERVER_MEMBER": "GOV/LG-139998"})
    assert settings.member == "GOV/LG-139998"
    assert settings.exchange_instance == "JP-KIT"


@pytest.mark.parametrize("member", ["", "GOV", "GOV/LG 139998", "GOV/LG/1", "GOV/../x"])
def test_a_missing_or_malformed_member_is_a_clear_error(member: str) -> None:
    with pytest.raises(SettingsError, match="SECURITYSERVER_MEMBER"):
        SecurityServerSettings.from_env({**SECRET, "SECURITYSERVER_MEMBER": member})


def test_hosted_clients_are_the_members_own_subsystems() -> None:
    member = {**SECRET, "SECURITYSERVER_MEMBER": "GOV/LG-139998"}
    settings = SecurityServerSettings.from_env(
        {
            **member,
            "SECURITYSERVER_HOSTED_CLIENTS": "JP-KIT/GOV/LG-139998/residence, "
            "JP-KIT/GOV/LG-139998/childcare,JP-KIT/GOV/LG-139998/residence,",
        }
    )
    assert settings.client_codes == ("residence", "childcare")
    assert SecurityServerSettings.from_env(member).client_codes == ()


@pytest.mark.parametrize(
    ("clients", "says"),
    [
        ("JP-KIT/GOV/DA/portal", "not a subsystem of JP-KIT/GOV/LG-139998"),
        ("OTHER/GOV/LG-139998/residence", "not a subsystem of JP-KIT/GOV/LG-139998"),
        ("JP-KIT/GOV/LG-139998", "not a subsystem"),
        ("JP-KIT/GOV/LG-139998/a/b", "not a subsystem"),
        ("JP-KIT/GOV/LG-139998/res idence", "subsystem code"),
    ],
)
def test_a_client_of_another_member_is_a_clear_error(clients: str, says: str) -> None:
    environ = {**SECRET, "SECURITYSERVER_MEMBER": "GOV/LG-139998"}
    with pytest.raises(SettingsError, match="SECURITYSERVER_HOSTED_CLIENTS") as raised:
        SecurityServerSettings.from_env({**environ, "SECURITYSERVER_HOSTED_CLIENTS": clients})
    assert says in str(raised.value)


def test_archiving_and_retention_default_to_x_roads_and_can_be_set() -> None:
    member = {**SECRET, "SECURITYSERVER_MEMBER": "GOV/DA"}
    defaults = MessageLogSettings.from_settings(SecurityServerSettings.from_env(member))
    assert defaults.archive_every_seconds == 6 * 3600
    assert defaults.keep_records_for == timedelta(days=30)
    assert SecurityServerSettings.from_env(member).opmon_keep_records_days == 7
    chosen = SecurityServerSettings.from_env(
        {
            **member,
            "SECURITYSERVER_MESSAGELOG_ARCHIVE_EVERY_SECONDS": "0",
            "SECURITYSERVER_MESSAGELOG_KEEP_RECORDS_DAYS": "0.5",
            "SECURITYSERVER_OPMON_KEEP_RECORDS_DAYS": "1",
        }
    )
    log = MessageLogSettings.from_settings(chosen)
    assert (log.archive_every_seconds, log.keep_records_for) == (0, timedelta(hours=12))
    assert chosen.opmon_keep_records_days == 1


@pytest.mark.parametrize(
    "name",
    ["SECURITYSERVER_MESSAGELOG_KEEP_RECORDS_DAYS", "SECURITYSERVER_OPMON_KEEP_RECORDS_DAYS"],
)
def test_a_retention_of_zero_days_is_refused(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        SecurityServerSettings.from_env({**SECRET, "SECURITYSERVER_MEMBER": "GOV/DA", name: "0"})


def test_connections_stay_open_through_a_citizens_pause() -> None:
    from govkit import gunicorn_config
    from securityserver.service import KEEP_ALIVE_SECONDS, definition

    arguments = definition.gunicorn_arguments()
    assert arguments[:2] == ["--worker-class", "securityserver.worker.MutualTlsWorker"]
    assert arguments[arguments.index("--keep-alive") + 1] == str(KEEP_ALIVE_SECONDS)
    assert KEEP_ALIVE_SECONDS > 60 > gunicorn_config.keepalive
