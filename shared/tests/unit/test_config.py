"""Settings: prefixed variables, kit-wide fallbacks, refusal of placeholder secrets."""

from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest

from govkit.config import ServiceSettings, SettingsError

GOOD_SECRET = "k" * 40


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    env_prefix: ClassVar[str] = "DEMO_"


def test_own_prefix_wins_over_kit_wide_value() -> None:
    settings = DemoSettings.from_env(
        {"DEMO_SECRET_KEY": GOOD_SECRET, "KIT_TODAY": "2025-12-01", "DEMO_TODAY": "2026-01-05"}
    )
    assert settings.today == date(2026, 1, 5)


def test_kit_wide_value_applies_when_the_prefixed_one_is_absent() -> None:
    settings = DemoSettings.from_env({"DEMO_SECRET_KEY": GOOD_SECRET, "KIT_TODAY": "2025-12-01"})
    assert settings.today == date(2025, 12, 1)


@pytest.mark.parametrize("field", ["secret_key", "database_url", "data_dir", "public_url"])
def test_service_only_fields_never_come_from_kit_variables(field: str) -> None:
    assert DemoSettings.env_names(field) == (f"DEMO_{field.upper()}",)


def test_kit_database_url_is_not_shared_between_services(tmp_path: Path) -> None:
    settings = DemoSettings.from_env(
        {
            "DEMO_SECRET_KEY": GOOD_SECRET,
            "DEMO_DATA_DIR": str(tmp_path),
            "KIT_DATABASE_URL": "postgresql+psycopg://shared/db",
        }
    )
    assert settings.database_url == f"sqlite:///{(tmp_path / 'demo.sqlite3').resolve()}"


def test_without_a_data_folder_each_service_gets_its_own_under_var() -> None:
    settings = DemoSettings.from_env({"DEMO_SECRET_KEY": GOOD_SECRET})
    assert settings.data_dir == Path("var") / "demo"  # where `make up` puts it
    assert settings.database_url == f"sqlite:///{(Path('var') / 'demo' / 'demo.sqlite3').resolve()}"
    given = DemoSettings.from_env({"DEMO_SECRET_KEY": GOOD_SECRET, "DEMO_DATA_DIR": "/srv/demo"})
    assert given.data_dir == Path("/srv/demo")
    assert DemoSettings(environment="development", data_dir=Path("var")).data_dir == Path("var")


@pytest.mark.parametrize("secret", ["", "changeme", "CHANGETHIS", "dev", "short-but-random"])
@pytest.mark.parametrize("environment", ["production", "test"])
def test_placeholder_or_short_secrets_are_refused_outside_development(
    secret: str, environment: str
) -> None:
    env = {"DEMO_ENVIRONMENT": environment}
    if secret:
        env["DEMO_SECRET_KEY"] = secret
    with pytest.raises(SettingsError) as raised:
        DemoSettings.from_env(env)
    message = str(raised.value)
    assert "DEMO_SECRET_KEY" in message
    assert "secrets.token_urlsafe" in message


def test_placeholder_secret_is_allowed_in_development() -> None:
    settings = DemoSettings.from_env({"KIT_ENVIRONMENT": "development"})
    assert settings.is_development
    assert settings.secret_key.get_secret_value() == "changeme"


def test_default_environment_is_production_so_forgetting_it_is_safe() -> None:
    with pytest.raises(SettingsError):
        DemoSettings.from_env({})


def test_errors_name_every_variable_that_can_fix_them() -> None:
    with pytest.raises(SettingsError) as raised:
        DemoSettings.from_env(
            {"DEMO_SECRET_KEY": GOOD_SECRET, "KIT_TODAY": "not a date", "DEMO_IDP_URL": "ftp://x"}
        )
    message = str(raised.value)
    assert "DEMO_TODAY or KIT_TODAY" in message
    assert "DEMO_IDP_URL or KIT_IDP_URL" in message
    assert "http://" in message


def test_secret_is_hidden_from_repr() -> None:
    settings = DemoSettings.from_env({"DEMO_SECRET_KEY": GOOD_SECRET})
    assert GOOD_SECRET not in repr(settings)
    assert GOOD_SECRET not in str(settings.model_dump())


def test_settings_are_frozen() -> None:
    settings = DemoSettings.from_env({"DEMO_SECRET_KEY": GOOD_SECRET})
    with pytest.raises(ValueError, match="frozen"):
        settings.log_level = "DEBUG"  # type: ignore[misc]


def test_service_urls_lose_their_trailing_slash() -> None:
    settings = DemoSettings.from_env(
        {"DEMO_SECRET_KEY": GOOD_SECRET, "KIT_PORTAL_URL": "https://portal.example/"}
    )
    assert settings.service_url("portal") == "https://portal.example"
    with pytest.raises(KeyError):
        settings.service_url("nowhere")


def test_a_service_without_a_field_is_found_by_its_kit_variable() -> None:
    settings = DemoSettings.from_env(
        {
            "DEMO_SECRET_KEY": GOOD_SECRET,
            "KIT_LIBRARY_URL": "http://localhost:8016/",  # a service a forked kit added
            "KIT_SS_DA_URL": "http://localhost:8100",  # instance names with a hyphen
            "KIT_RESIDENCE_URL": "http://residence.example",  # has its own field
            "KIT_TEST_POSTGRES_URL": "postgresql://127.0.0.1:5432/x",  # not a service
            "KIT_DATABASE_URL": "sqlite:////tmp/x.sqlite3",  # a field, never a service
        }
    )
    assert settings.service_url("library") == "http://localhost:8016"
    assert settings.service_url("ss-da") == "http://localhost:8100"
    assert settings.service_url("residence") == "http://residence.example"
    assert settings.service_urls == {
        "library": "http://localhost:8016",
        "ss_da": "http://localhost:8100",
    }
    with pytest.raises(KeyError, match="KIT_NOWHERE_URL"):
        settings.service_url("nowhere")


def test_a_service_url_given_directly_must_be_http() -> None:
    with pytest.raises(SettingsError, match="KIT_LIBRARY_URL"):
        DemoSettings.from_env(
            {"DEMO_SECRET_KEY": GOOD_SECRET}, service_urls={"library": "localhost:8016"}
        )
