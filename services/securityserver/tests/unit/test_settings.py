"""A security server must know which member it serves."""

import pytest

from govkit.config import SettingsError
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
