"""Madoguchi ID: the OpenID Connect provider with the simulated My Number card login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError

from govkit.access import PUBLIC, PUBLIC_API
from govkit.db import get_database
from govkit.notices import PERMANENT_SESSION
from govkit.service import migrations_dir, new_app
from govkit.web import csrf, register_blueprint
from idp.keys import ensure_keys
from idp.privacy import NOTICE
from idp.settings import IdpSettings

__version__ = "0.1.0"


def create_app(settings: IdpSettings | None = None) -> Flask:
    """Build the idp app; settings come from the environment unless given."""
    settings = settings or IdpSettings.from_env()
    from idp.provider import check_pseudonym_key

    check_pseudonym_key(settings)  # before anything opens a connection
    app = new_app(
        __name__,
        settings,
        title=_l("Madoguchi ID"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from idp import limits, oauth, provider, signin
    from idp.card.simulator import SimulatedCardReader
    from idp.web import bp as web_bp
    from idp.web import counter, protocol, testing
    from idp.web.passkeys import bp as passkeys_bp

    database = get_database(app)
    try:
        with database.session() as session:
            ensure_keys(session, datetime.now(UTC))
    except DBAPIError:
        # Not migrated (or unreachable): /healthz says so, and `kit prepare idp` fixes it.
        app.logger.warning("signing keys not checked: the database is not ready")
    the_provider = provider.install(app, settings, database)
    server = oauth.build_server(app, the_provider)
    app.extensions["idp.server"] = server
    app.extensions["idp.journey"] = signin.Journey(
        server=server,
        reader_for=SimulatedCardReader,
        verifier=_card_verifier(settings),
        session_lifetime=timedelta(seconds=settings.session_lifetime),
        issuer=the_provider.issuer,
    )
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=settings.session_lifetime)
    app.config[PERMANENT_SESSION] = True  # the single sign-on session outlives the browser

    register_blueprint(app, web_bp, access=PUBLIC)
    register_blueprint(app, protocol.bp, access=PUBLIC_API)
    protocol.serve_documents(app, the_provider)
    register_blueprint(app, testing.bp, access=testing.TESTING)
    register_blueprint(app, passkeys_bp, access=PUBLIC)
    register_blueprint(app, counter.bp, access=counter.STAFF_ACCESS)
    # The authorization and logout endpoints take cross-site navigations (GET or POST) from
    # relying parties: they carry no CSRF token by design and change nothing on their own.
    csrf.exempt(app.view_functions["idp.authorize"])
    csrf.exempt(app.view_functions["idp.logout"])
    limits.install(
        app,
        settings,
        {
            "idp.authorize": limits.Limit(settings.rate_limit_login),
            "idp.login_submit": limits.Limit(settings.rate_limit_pin),
            "idp.sign_submit": limits.Limit(settings.rate_limit_pin),
            "idp_passkeys.sign_in_verify": limits.Limit(settings.rate_limit_pin),
            "idp_passkeys.registration_verify": limits.Limit(settings.rate_limit_pin),
            "counter.sign_in_submit": limits.Limit(settings.rate_limit_staff),
            "protocol.token": limits.Limit(settings.rate_limit_token, failures_only=True),
            "protocol.introspect": limits.Limit(settings.rate_limit_token, failures_only=True),
            "protocol.revoke": limits.Limit(settings.rate_limit_token, failures_only=True),
        },
    )
    return app


def _card_verifier(settings: IdpSettings):
    """The JPKI check, if `kit prepare idp` has pinned the trust anchors (else sign-in says so)."""
    from idp.jpki import JpkiVerifier

    folder = settings.data_dir / "trust"
    if not (folder / "jpki.pem").exists():
        return None
    return JpkiVerifier.from_folder(folder)
