"""Madoguchi pension: the National Pension journey."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from govkit.access import PUBLIC
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint
from pension.privacy import NOTICE
from pension.settings import PensionSettings

__version__ = "0.1.0"

#: Who this service is at the identity provider: its agency (citizens get one pairwise
#: ``sub`` per agency) and the name the sign-in page shows.
SECTOR = "GOV/JPS"
CLIENT_NAME = "国民年金（日本年金機構）"


def create_app(settings: PensionSettings | None = None) -> Flask:
    """Build the pension app; settings come from the environment unless given."""
    settings = settings or PensionSettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("National Pension"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from govkit.auth import init_auth
    from pension.models import AUTH
    from pension.web import bp as web_bp

    init_auth(app, settings, sector=SECTOR, client_name=CLIENT_NAME, model=AUTH)
    register_blueprint(app, web_bp, access=PUBLIC)
    return app
