"""Build a service's app for tests: test settings, a fresh database, migrations applied."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from govkit.service import ServiceDefinition, prepare


def build_test_app(
    definition: ServiceDefinition, *, database_url: str, data_dir: Path, **overrides: Any
) -> Flask:
    """The service's app as its factory builds it, on ``database_url``, migrated and seeded.

    Settings are made in code (never from the developer's environment): ``environment="test"``,
    a random secret, the given database and data folder, plus ``overrides``.
    """
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": secrets.token_urlsafe(48),
        "database_url": database_url,
        "data_dir": data_dir,
        **overrides,
    }
    settings = definition.settings_class.model_validate(values)
    prepare(definition, settings)
    return definition.create_app(settings)
