"""Build a service's app for tests: test settings, a fresh database, migrations applied."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from govkit.exchange.provider import SECURITY_SERVER_TOKEN_HEADER
from govkit.service import ServiceDefinition, prepare

#: The security server token of every test app (``security_server_token``), unless a test
#: gives its own.
SECURITY_SERVER_TOKEN = "security-server-token-of-the-tests-" + "0" * 16


def from_security_server(**headers: str) -> dict[str, str]:
    """``headers`` plus the token a test app's own security server would send: a request as the
    security server forwards it to the app's exchange endpoints."""
    return {SECURITY_SERVER_TOKEN_HEADER: SECURITY_SERVER_TOKEN, **headers}


def build_test_app(
    definition: ServiceDefinition, *, database_url: str, data_dir: Path, **overrides: Any
) -> Flask:
    """The service's app as its factory builds it, on ``database_url``, migrated and seeded.

    Settings are made in code (never from the developer's environment): ``environment="test"``,
    a random secret, :data:`SECURITY_SERVER_TOKEN`, the given database and data folder, plus
    ``overrides``.
    """
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": secrets.token_urlsafe(48),
        "security_server_token": SECURITY_SERVER_TOKEN,
        "database_url": database_url,
        "data_dir": data_dir,
        **overrides,
    }
    settings = definition.settings_class.model_validate(values)
    prepare(definition, settings)
    return definition.create_app(settings)
