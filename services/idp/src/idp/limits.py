"""Rate limits on sign-in, PIN, staff and token endpoints (Flask-Limiter, one per app).

Limits are keyed by the client's address and set from settings, so tests and benchmarks can
tighten or loosen them; an exceeded limit answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from idp.settings import IdpSettings

EXTENSION = "idp.limiter"


def install(app: Flask, settings: IdpSettings, endpoints: dict[str, str]) -> Limiter:
    """Attach a limiter to ``app`` and limit each endpoint (``{endpoint: rate}``)."""
    app.config.update(
        RATELIMIT_HEADERS_ENABLED=True, RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri
    )
    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    for endpoint, rate in endpoints.items():
        app.view_functions[endpoint] = limiter.limit(rate)(app.view_functions[endpoint])
    app.extensions[EXTENSION] = limiter
    return limiter
