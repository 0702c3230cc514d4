"""Madoguchi central: the exchange's central registry.

Members, subsystems, security servers and the signed global configuration.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from central.privacy import NOTICE
from central.settings import CentralSettings
from govkit.access import PUBLIC_API
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint

__version__ = "0.1.0"


def create_app(settings: CentralSettings | None = None) -> Flask:
    """Build the central app; settings come from the environment unless given."""
    settings = settings or CentralSettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("Madoguchi exchange registry"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from central import keys
    from central.publishing import Publisher
    from central.web import admin, public, registration

    # The key is read on first use: `kit prepare central` makes it, after the app may be built.
    app.extensions["central.publisher"] = Publisher(
        lambda: keys.load_signing_key(settings.data_dir)
    )
    register_blueprint(app, public.bp, access=PUBLIC_API)
    register_blueprint(app, admin.bp, access=admin.ADMIN_ACCESS)
    register_blueprint(app, registration.bp, access=registration.REGISTRATION_ACCESS)
    return app
