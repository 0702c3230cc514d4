"""Passkeys on the provider's pages: adding one on the account page, signing in with one.

The page script (``/assets/idp/passkeys.js``, this blueprint's static file) drives the WebAuthn
ceremonies through JSON endpoints, all ``POST`` with the CSRF token in ``X-CSRFToken``:

* ``/account/passkeys/options`` → options to create a passkey (a live card sign-in only);
* ``/account/passkeys/verify`` → keeps the passkey, ``{"redirect": "/account#passkeys"}``;
* ``/login/<txn>/passkey/options`` → options to sign in, for a transaction this browser began;
* ``/login/<txn>/passkey/verify`` → signs in at ``aal2``, ``{"redirect": <the next step>}``.

Refusals answer ``{"error": code, "message": sentence}`` with 400 or 403. Each challenge lives
in the Flask session (one at a time, five minutes) and is used once: taken from the session
here, burnt in the replay guard by the use case.

Without the script (or JavaScript), the forms post to ``/account/passkeys`` and
``/login/<txn>/passkey``, which say that this browser cannot use passkeys. Removing a passkey
is a plain form (``/account/passkeys/<credential_id>/remove``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from govkit.db import get_session
from govkit.i18n import format_day, format_instant
from govkit.web import csrf, get_settings
from idp import passkeys, repository, signin
from idp.models import Citizen, OPSession
from idp.web import views
from idp.web.forms import ConfirmForm

bp = Blueprint(
    "idp_passkeys",
    __name__,
    static_folder="static",
    static_url_path="/assets/idp",
)

_CHALLENGE = "passkey_challenge"
_NOTICE = "passkey_notice"
NOTICES = {"added": _l("Passkey added"), "removed": _l("Passkey removed")}
_JSON_VIEWS: set[str] = set()
_STEP_PAGES = {"login": "idp.login", "consent": "idp.consent", "sign": "idp.sign"}

#: Sentences for each refusal (the code goes to the script too, for tests and logs).
MESSAGES: dict[str, Any] = {
    "csrf": _l("This page has expired. Reload the page and try again."),
    "bad_request": _l("Something went wrong sending your passkey. Try again."),
    "expired": _l("This took too long or was already used. Try again."),
    "challenge": _l("This took too long or was already used. Try again."),
    "card_needed": _l(
        "To add a passkey, sign in with your My Number card first. A passkey sign-in cannot "
        "add another passkey."
    ),
    "too_many": _l(
        "You already have %(max)s passkeys, the most you can have. Remove one to add another.",
        max=passkeys.MAX_PASSKEYS,
    ),
    "name": _l("The name can only contain letters, numbers, spaces and punctuation"),
    "name_too_long": _l("The name must be %(max)s characters or fewer", max=passkeys.MAX_NAME),
    "invalid_response": _l("Your passkey could not be checked. Try again."),
    "duplicate": _l("This passkey is already registered."),
    "transaction": _l(
        "Your sign-in has timed out or was started elsewhere. Go back to the service you were "
        "using and start again."
    ),
    "not_allowed": _l("This service needs you to sign in with your My Number card."),
    "unknown_credential": _l(
        "This passkey is not registered with Madoguchi ID. Sign in with your My Number card, "
        "then add the passkey on your account page."
    ),
    "sign_count": _l(
        "This passkey could not be used because it may have been copied. Sign in with your My "
        "Number card and remove it from your account."
    ),
}
_STATUS = {"card_needed": 403, "not_allowed": 403, "transaction": 403}

V = TypeVar("V", bound=Callable[..., Any])


def json_endpoint(view: V) -> V:
    """A view the script calls: its CSRF check answers in JSON (see :func:`_csrf_as_json`)."""
    _JSON_VIEWS.add(f"{bp.name}.{view.__name__}")
    return csrf.exempt(view)


@bp.before_request
def _csrf_as_json() -> Response | tuple[Response, int] | None:
    """Flask-WTF's own check, run here so that a missing or stale token answers in JSON."""
    if request.endpoint not in _JSON_VIEWS:
        return None
    try:
        csrf.protect()
    except CSRFError:
        return _refusal("csrf")
    return None


# -- helpers ---------------------------------------------------------------------------------
def _refusal(code: str, message: str | None = None) -> tuple[Response, int]:
    text = message or str(MESSAGES.get(code, MESSAGES["invalid_response"]))
    return jsonify({"error": code, "message": text}), _STATUS.get(code, 400)


def _relying_party() -> passkeys.RelyingParty:
    return passkeys.RelyingParty.from_public_url(
        get_settings().public_url, str(current_app.config["GOVKIT_TITLE"])
    )


def _keep(purpose: str, ceremony: passkeys.Ceremony) -> None:
    session[_CHALLENGE] = {
        "for": purpose,
        "value": ceremony.challenge,
        "until": ceremony.expires_at.timestamp(),
    }


def _take(purpose: str, now: datetime) -> str | None:
    """The challenge kept for ``purpose``, once (it leaves the session whatever happens)."""
    kept = session.pop(_CHALLENGE, None)
    if not isinstance(kept, dict) or kept.get("for") != purpose:
        return None
    value, until = kept.get("value"), kept.get("until")
    if not isinstance(value, str) or not isinstance(until, int | float):
        return None
    return value if now.timestamp() < until else None


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _card_session() -> tuple[OPSession, Citizen] | None:
    db = get_session()
    current = repository.live_session(db, views._browser_sid(), views._now())
    if current is None or not passkeys.may_register(current):
        return None
    citizen = db.get(Citizen, current.citizen_id)
    return (current, citizen) if citizen is not None else None


def _name(body: dict[str, Any], now: datetime) -> str:
    text = body.get("name")
    fallback = _("Passkey added on %(date)s", date=format_day(now))
    return passkeys.clean_name(text if isinstance(text, str) else None, fallback)


def _when(moment: datetime | None) -> str:
    return format_instant(moment) if moment else ""


# -- the account page's section ----------------------------------------------------------------
def account_section(citizen: Citizen | None, current: OPSession | None) -> dict[str, Any]:
    """What ``idp/passkeys/account-section.html`` shows (the account view passes it)."""
    rows = passkeys.list_passkeys(get_session(), citizen.id) if citizen is not None else []
    card = passkeys.may_register(current)
    notice = NOTICES.get(session.pop(_NOTICE, None) or "")
    return {
        "notice": str(notice) if notice else None,
        "entries": [
            {
                "id": row.credential_id,
                "name": row.name,
                "created": _when(row.created_at),
                "last_used": _when(row.last_used_at),
            }
            for row in rows
        ],
        "can_add": card and len(rows) < passkeys.MAX_PASSKEYS,
        "full": len(rows) >= passkeys.MAX_PASSKEYS,
        "card_needed": not card,
        "max": passkeys.MAX_PASSKEYS,
        "name_max": passkeys.MAX_NAME,
    }


# -- adding a passkey --------------------------------------------------------------------------
@bp.post("/account/passkeys")
def add_without_script() -> tuple[str, int]:
    """The add form, sent without the script: say passkeys cannot be used here."""
    return _unsupported(url_for("idp.account") + "#passkeys", _("Go back to your account"))


@bp.post("/account/passkeys/options")
@json_endpoint
def registration_options() -> Response | tuple[Response, int]:
    found = _card_session()
    if found is None:
        return _refusal("card_needed")
    current, citizen = found
    now = views._now()
    try:
        _name(_body(), now)
    except passkeys.PasskeyRefused as refusal:
        return _refusal(refusal.reason)
    existing = passkeys.list_passkeys(get_session(), citizen.id)
    if len(existing) >= passkeys.MAX_PASSKEYS:
        return _refusal("too_many")
    ceremony = passkeys.registration_options(citizen, existing, _relying_party(), now)
    _keep(f"register:{current.sid}", ceremony)
    return jsonify({"publicKey": ceremony.options})


@bp.post("/account/passkeys/verify")
@json_endpoint
def registration_verify() -> Response | tuple[Response, int]:
    found = _card_session()
    if found is None:
        return _refusal("card_needed")
    current, citizen = found
    now = views._now()
    challenge = _take(f"register:{current.sid}", now)
    if challenge is None:
        return _refusal("expired")
    body = _body()
    rp = _relying_party()
    try:
        name = _name(body, now)
        passkeys.register_passkey(
            get_session(),
            citizen.id,
            body.get("credential"),
            challenge,
            rp.origin,
            rp.id,
            name,
            now,
        )
    except passkeys.PasskeyRefused as refusal:
        return _refusal(refusal.reason)
    session[_NOTICE] = "added"
    return jsonify({"redirect": url_for("idp.account") + "#passkeys"})


@bp.post("/account/passkeys/<credential_id>/remove")
def remove(credential_id: str) -> Response | tuple[str, int]:
    current = repository.live_session(get_session(), views._browser_sid(), views._now())
    if current is None or not ConfirmForm().validate_on_submit():
        return views._start_again()
    if passkeys.remove_passkey(get_session(), current.citizen_id, credential_id, views._now()):
        session[_NOTICE] = "removed"
    return redirect(url_for("idp.account") + "#passkeys", 303)


# -- signing in with a passkey -----------------------------------------------------------------
@bp.post("/login/<txn>/passkey")
def sign_in_without_script(txn: str) -> tuple[str, int]:
    """The sign-in form, sent without the script: say passkeys cannot be used here."""
    return _unsupported(url_for("idp.login", txn=txn), _("Go back and sign in with your card"))


@bp.post("/login/<txn>/passkey/options")
@json_endpoint
def sign_in_options(txn: str) -> Response | tuple[Response, int]:
    transaction = views._transaction(txn)
    if transaction is None:
        return _refusal("transaction")
    if not passkeys.allowed_for(signin.request_from(transaction)):
        return _refusal("not_allowed")
    ceremony = passkeys.authentication_options(_relying_party(), views._now())
    _keep(f"sign_in:{transaction.id}", ceremony)
    return jsonify({"publicKey": ceremony.options})


@bp.post("/login/<txn>/passkey/verify")
@json_endpoint
def sign_in_verify(txn: str) -> Response | tuple[Response, int]:
    transaction = views._transaction(txn)
    if transaction is None:
        return _refusal("transaction")
    now = views._now()
    challenge = _take(f"sign_in:{transaction.id}", now)
    if challenge is None:
        return _refusal("expired")
    rp = _relying_party()
    try:
        new_session, step = passkeys.passkey_sign_in(
            get_session(),
            views._journey(),
            transaction,
            _body().get("credential"),
            challenge,
            rp.origin,
            rp.id,
            views._browser_sid(),
            now,
        )
    except passkeys.PasskeyRefused as refusal:
        return _refusal(refusal.reason)
    session.clear()  # a new session id after sign-in (no fixation)
    session.permanent = True
    session["sid"] = new_session.sid
    return _next(step)


def _next(step: signin.Step) -> Response | tuple[Response, int]:
    """Where the script sends the browser after signing in (what ``views._follow`` does)."""
    if step.kind == "error_page":
        return _refusal("request", _(step.description or "This sign-in request cannot be used"))
    if step.kind == "redirect":
        assert step.url is not None
        return jsonify({"redirect": step.url})
    assert step.transaction_id is not None
    views._bind(step.transaction_id)
    return jsonify({"redirect": url_for(_STEP_PAGES[step.kind], txn=step.transaction_id)})


def _unsupported(back_url: str, back_text: str) -> tuple[str, int]:
    return (
        render_template(
            "idp/passkeys/unsupported.html",
            page_title=_("Your browser does not support passkeys"),
            back_url=back_url,
            back_text=back_text,
        ),
        200,
    )
