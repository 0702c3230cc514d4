"""Madoguchi childcare: the child allowance and childcare account journey."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from childcare.settings import ChildcareSettings
from govkit.access import PUBLIC
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint

__version__ = "0.1.0"


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
    )
    from childcare.web import bp as web_bp

    register_blueprint(app, web_bp, access=PUBLIC)
    return app
