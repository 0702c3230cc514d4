"""central's own settings: the instance and the seeded servers' addresses are validated."""

from __future__ import annotations

import pytest

from central.domain.identifiers import ServerId
from central.settings import CentralSettings
from govkit.config import SettingsError


def settings(**environ: str) -> CentralSettings:
    return CentralSettings.from_env({"CENTRAL_ENVIRONMENT": "development", **environ})


def test_defaults() -> None:
    value = settings()
    assert value.exchange_instance == "JP-KIT"
    assert value.admin_token is None
    assert value.server_addresses == {}


def test_addresses_of_seeded_servers() -> None:
    value = settings(
        CENTRAL_SECURITY_SERVER_ADDRESSES="GOV/DA/ss-da=localhost:8200 , GOV/MOJ/ss-moj=[::1]:8202"
    )
    assert value.server_addresses == {
        ServerId.parse("GOV/DA/ss-da"): "localhost:8200",
        ServerId.parse("GOV/MOJ/ss-moj"): "[::1]:8202",
    }


@pytest.mark.parametrize(
    "environ",
    [
        {"CENTRAL_SECURITY_SERVER_ADDRESSES": "GOV/DA/ss-da"},
        {"CENTRAL_SECURITY_SERVER_ADDRESSES": "GOV/DA=localhost:8200"},
        {"CENTRAL_SECURITY_SERVER_ADDRESSES": "GOV/DA/ss_da=localhost:8200"},
        {"CENTRAL_SECURITY_SERVER_ADDRESSES": "GOV/DA/ss-da=localhost"},
        {"CENTRAL_EXCHANGE_INSTANCE": "JP KIT"},
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(environ))):
        settings(**environ)
