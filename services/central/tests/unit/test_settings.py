"""central's own settings: the instance is validated; registrations are approved by default."""

from __future__ import annotations

import pytest

from central.settings import CentralSettings
from govkit.config import SettingsError


def settings(**environ: str) -> CentralSettings:
    return CentralSettings.from_env({"CENTRAL_ENVIRONMENT": "development", **environ})


def test_defaults() -> None:
    value = settings()
    assert value.exchange_instance == "JP-KIT"
    assert value.admin_token is None
    assert value.auto_approve_servers is True
    assert value.auto_approve_clients is True


def test_an_operator_can_require_approval() -> None:
    value = settings(CENTRAL_AUTO_APPROVE_SERVERS="false", CENTRAL_AUTO_APPROVE_CLIENTS="0")
    assert (value.auto_approve_servers, value.auto_approve_clients) == (False, False)


@pytest.mark.parametrize(
    "environ",
    [
        {"CENTRAL_EXCHANGE_INSTANCE": "JP KIT"},
        {"CENTRAL_AUTO_APPROVE_SERVERS": "perhaps"},
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(environ))):
        settings(**environ)
