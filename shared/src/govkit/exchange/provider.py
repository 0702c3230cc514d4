"""The provider side: a service's exchange endpoints answer only its own security server.

A security server checks the calling agency, its signature and its access rights, and logs
the message, before it forwards a request to the information system behind it. The endpoints
it forwards to must not be reachable around it: the service's port also serves citizens'
pages, and anyone who can reach it could send ``X-Road-Client`` headers of their choosing.
So the security server sends a secret it shares with the information systems of its member
(X-Road authenticates itself to them with a TLS client certificate; the kit uses a token),
and :data:`EXCHANGE_PROVIDER` refuses every request without it. The same token goes the other
way: :class:`~govkit.exchange.ExchangeClient` sends it with every call, and the security server
accepts calls as one of its member's subsystems only with it. `make up` generates one
token per security server (``var/<instance>/information_system_token``) and gives it to the
server and to each service behind it (``<PREFIX>SECURITY_SERVER_TOKEN``)::

    from govkit.exchange.provider import EXCHANGE_PROVIDER
    register_blueprint(app, api.bp, access=EXCHANGE_PROVIDER)
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from flask import current_app, request
from flask.typing import ResponseReturnValue

from govkit.access import AccessRule
from govkit.errors import Problem
from govkit.exchange.messages import SECURITY_SERVER_TOKEN_HEADER
from govkit.web import get_settings

__all__ = [
    "EXCHANGE_PROVIDER",
    "SECURITY_SERVER_TOKEN_HEADER",
    "exchange_provider_rule",
    "require_security_server",
]


def require_security_server() -> None:
    """Refuse a request that did not come from this service's own security server."""
    settings = get_settings()
    secret = settings.security_server_token
    expected = secret.get_secret_value() if secret is not None else ""
    if not expected:
        names = " or ".join(settings.env_names("security_server_token"))
        raise Problem(
            503,
            "Exchange endpoints not set up",
            f"this service has no security server token ({names}), so it cannot tell its "
            "security server's requests from others",
        )
    given = request.headers.get(SECURITY_SERVER_TOKEN_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        current_app.logger.warning(
            "exchange endpoint %s refused a request that did not come through the security "
            "server (%s)",
            request.path,
            "wrong token" if given else "no token",
        )
        raise Problem(
            403,
            "Not through the exchange",
            "this endpoint answers only the agency's security server: call it through your "
            "own security server (/r1/…), which checks your access rights and logs the call",
        )


def exchange_provider_rule(
    then: Callable[[], ResponseReturnValue | None] | None = None,
    *,
    name: str = "exchange-provider",
) -> AccessRule:
    """The access rule of exchange endpoints (a JSON API: no session, no CSRF): the request
    must come from the own security server, then ``then`` runs (reading the call's headers,
    say) if given."""

    def check() -> ResponseReturnValue | None:
        require_security_server()
        return then() if then is not None else None

    return AccessRule(name, check, api=True)


#: Exchange endpoints that read the call's headers in their views.
EXCHANGE_PROVIDER = exchange_provider_rule()
