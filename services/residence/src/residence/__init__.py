"""Madoguchi residence: Sakuragi City's resident register and the residence certificate journey.

Citizens ask for a signed copy of a resident record (``residence.web``: the journey); the city's
clerks keep the register (``residence.web.clerk``: the back office); other agencies read the
register through the exchange (``residence.api``); verifiers ask for a copy's status
(``/api/v1/documents/<id>/status``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from govkit.access import PUBLIC, PUBLIC_API
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint
from residence.privacy import NOTICE
from residence.settings import ResidenceSettings

__version__ = "0.1.0"

#: Who this service is at the identity provider: its agency (citizens get one pairwise
#: ``sub`` per agency) and the name the sign-in page shows.
SECTOR = "GOV/LG-139998"
CLIENT_NAME = "住民票の写し（桜木市）"


def create_app(settings: ResidenceSettings | None = None) -> Flask:
    """Build the residence app; settings come from the environment unless given."""
    settings = settings or ResidenceSettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("Residence certificate"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from govkit.auth import init_auth
    from govkit.certificates.web import status_blueprint
    from govkit.exchange.provider import EXCHANGE_PROVIDER
    from residence import api, documents, testing
    from residence.api.views import CONSENTS_EXTENSION
    from residence.models import AUTH
    from residence.providers import ExchangeConsents
    from residence.status import certificate_status, list_url, seal_identity, statuses
    from residence.web import bp as web_bp
    from residence.web import clerk

    init_auth(app, settings, sector=SECTOR, client_name=CLIENT_NAME, model=AUTH)
    documents.init_app(app, settings)
    # One exchange client per app, built on the first consent check (tests replace the checker).
    app.extensions[CONSENTS_EXTENSION] = ExchangeConsents.from_settings(settings)
    register_blueprint(app, web_bp, access=PUBLIC)
    register_blueprint(app, clerk.bp, access=clerk.CLERK_ACCESS)
    register_blueprint(app, api.bp, access=EXCHANGE_PROVIDER)
    register_blueprint(
        app,
        status_blueprint(
            lookup=certificate_status,
            list_statuses=statuses,
            identity=seal_identity,
            list_url=list_url,
        ),
        access=PUBLIC_API,
    )
    register_blueprint(app, testing.bp, access=testing.TESTING)
    return app
