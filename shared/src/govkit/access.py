"""Who may use a blueprint, declared where it is registered, enforced for every request.

Every blueprint goes through :func:`govkit.web.register_blueprint` with an :class:`AccessRule`.
A request to a blueprint that declared no rule is refused (default deny), and
:func:`govkit.testing.assert_access_declared` lets each service prove in one test that all its
blueprints declared one. Rules that need sign-in (citizen, staff, API client) come from
``govkit.auth``; this module holds the mechanism and the rules that need nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Forbidden

_EXTENSION = "govkit.access"


@dataclass(frozen=True)
class AccessRule:
    """A named check run before every view of a blueprint.

    ``check`` returns ``None`` to let the request through, or a response (a redirect to sign
    in, say) to answer instead; it may also raise an HTTP error. ``api`` marks JSON APIs: no
    CSRF (no cookies), problem+json errors.
    """

    name: str
    check: Callable[[], ResponseReturnValue | None]
    api: bool = False


def _anyone() -> None:
    return None


#: Pages anyone may see (start pages, guidance, the home page).
PUBLIC = AccessRule("public", _anyone)
#: JSON endpoints anyone may call (discovery documents, verification API).
PUBLIC_API = AccessRule("public-api", _anyone, api=True)


def record_access(app: Flask, blueprint: str, rule: AccessRule) -> None:
    rules = app.extensions.setdefault(_EXTENSION, {})
    if not rules:
        app.before_request(enforce_access)
    rules[blueprint] = rule


def declared_rules(app: Flask) -> dict[str, AccessRule]:
    return dict(app.extensions.get(_EXTENSION, {}))


def enforce_access() -> ResponseReturnValue | None:
    if request.routing_exception is not None:
        return None  # let 404/405 answer
    rules: dict[str, AccessRule] = current_app.extensions.get(_EXTENSION, {})
    name = request.blueprint
    while name:
        if name in rules:
            return rules[name].check()
        name = name.rpartition(".")[0]
    raise Forbidden("this page has no declared access rule")


def bearer_token_rule(
    name: str,
    expected: Callable[[], str | None],
    *,
    realm: str,
    what: str,
    title: str,
    not_set_up: str,
    not_set_up_title: str = "Not set up",
) -> AccessRule:
    """An API rule: the caller sends ``Authorization: Bearer <token>`` equal to ``expected()``
    (compared in constant time). No token configured → 503 ``not_set_up_title`` saying
    ``not_set_up``; a missing or wrong token → 401 ``title`` with ``WWW-Authenticate`` naming
    ``realm``, logged without the token. ``what`` names the token ("the kit's RA token")."""
    from govkit.errors import Problem

    def check() -> None:
        token = expected()
        if token is None:
            raise Problem(503, not_set_up_title, not_set_up)
        header = request.headers.get("Authorization", "")
        given = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            current_app.logger.warning("%s: refused a request without a valid token", name)
            raise Problem(
                401,
                title,
                f"send {what} as 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": f'Bearer realm="{realm}"'},
            )

    return AccessRule(name, check, api=True)
