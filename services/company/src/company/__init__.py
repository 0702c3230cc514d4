"""Madoguchi company: the one-day company setup journey."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from company.privacy import NOTICE
from company.settings import CompanySettings
from govkit.access import PUBLIC
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint

__version__ = "0.1.0"

#: Who this service is at the identity provider: its agency (citizens get one pairwise
#: ``sub`` per agency) and the name the sign-in page shows.
SECTOR = "GOV/MOJ"
CLIENT_NAME = "会社設立（法務局）"


def create_app(settings: CompanySettings | None = None) -> Flask:
    """Build the company app; settings come from the environment unless given."""
    settings = settings or CompanySettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("Start a company"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from company.models import AUTH
    from company.web import bp as web_bp
    from govkit.auth import init_auth

    init_auth(app, settings, sector=SECTOR, client_name=CLIENT_NAME, model=AUTH)
    register_blueprint(app, web_bp, access=PUBLIC)
    return app
