"""Madoguchi trust: the kit's trust service provider.

CAs, RFC 3161 timestamps, OCSP, CRLs and the signed trust list.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from govkit.access import PUBLIC_API
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint
from trust.keyring import Keyring
from trust.pki import Urls
from trust.privacy import NOTICE
from trust.settings import TrustSettings

__version__ = "0.1.0"


def create_app(settings: TrustSettings | None = None) -> Flask:
    """Build the trust app; settings come from the environment unless given."""
    settings = settings or TrustSettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("Madoguchi trust services"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from trust.web import pki, ra
    from trust.web.context import TrustContext, validity_from_settings

    app.extensions["trust"] = TrustContext(
        keyring=Keyring(settings.data_dir / "keys"),
        urls=Urls(settings.public_url),
        validity=validity_from_settings(
            settings.ocsp_validity_minutes, settings.crl_validity_hours, settings.seal_validity_days
        ),
    )
    register_blueprint(app, pki.bp, access=PUBLIC_API)
    register_blueprint(app, ra.bp, access=ra.RA_ACCESS)
    return app
