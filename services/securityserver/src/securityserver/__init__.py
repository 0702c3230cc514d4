"""Madoguchi securityserver: an exchange security server (one per agency member)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from govkit.service import migrations_dir, new_app
from securityserver.settings import SecurityServerSettings

__version__ = "0.1.0"


def create_app(settings: SecurityServerSettings | None = None) -> Flask:
    """Build the securityserver app; settings come from the environment unless given."""
    settings = settings or SecurityServerSettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("Madoguchi security server"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
    )
    return app
