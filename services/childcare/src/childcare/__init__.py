"""Madoguchi childcare: the child allowance and childcare account journey."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from childcare.privacy import NOTICE
from childcare.settings import ChildcareSettings
from govkit.access import PUBLIC
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint

__version__ = "0.1.0"

#: Who this service is at the identity provider: its agency (citizens get one pairwise
#: ``sub`` per agency) and the name the sign-in page shows.
SECTOR = "GOV/LG-139998"
CLIENT_NAME = "児童手当・保育（桜木市）"


def create_app(settings: ChildcareSettings | None = None) -> Flask:
    """Build the childcare app; settings come from the environment unless given."""
    settings = settings or ChildcareSettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("Child allowance and childcare"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from childcare.models import AUTH
    from childcare.web import bp as web_bp
    from govkit.auth import init_auth

    init_auth(app, settings, sector=SECTOR, client_name=CLIENT_NAME, model=AUTH)
    register_blueprint(app, web_bp, access=PUBLIC)
    return app
