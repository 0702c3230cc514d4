"""Madoguchi securityserver: an exchange security server (one per agency member)."""

from __future__ import annotations

import ssl
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from govkit.service import migrations_dir, new_app
from securityserver import privacy
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
        privacy=privacy.notice(settings),
    )
    from govkit.access import AccessRule
    from govkit.web import register_blueprint
    from securityserver import web
    from securityserver.worker import TLS_LISTENER

    # PR-REST paths are taken as sent: no merging of '//' and no redirects for slashes.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    register_blueprint(app, web.bp, access=AccessRule("exchange", lambda: None, api=True))
    app.wsgi_app = web.fast_path(app)  # type: ignore[method-assign]
    app.extensions[TLS_LISTENER] = (settings.tls_port, lambda: _tls_context(app))
    return app


def _tls_context(app: Flask) -> ssl.SSLContext | None:
    """The SS-to-SS listener's context: this server's TLS certificate, a client certificate
    required and issued under the kit root. None until `kit prepare` made the keys."""
    from securityserver.keys import KeysMissing, load_tls_keys

    try:
        keys = load_tls_keys(app.extensions["govkit.settings"])
    except (KeysMissing, ValueError, OSError):
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(keys.chain_path, keys.key_path)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=keys.root_pem())
    return context
