"""The provider's pages: the authorization journey (card sign-in, consent, signing), logout and
the citizen's account page. Views gather values, call one use case and render or redirect."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import OAuth2Error
from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import select
from werkzeug.wrappers import Response

from govkit.clock import today
from govkit.db import get_database, get_session
from govkit.i18n import format_instant
from govkit.web import allow_form_action, get_settings
from idp import logout as logouts
from idp import repository, signin
from idp.domain.levels import rank
from idp.models import CardRecord, Citizen, LoginTransaction
from idp.provider import provider
from idp.web import bp
from idp.web import passkeys as passkey_pages
from idp.web.forms import CardForm, ConfirmForm, SignForm

MAX_BOUND_TRANSACTIONS = 10
SCOPE_LABELS = {
    "name": _l("Your name, in kanji, kana and the Latin alphabet"),
    "address": _l("Your address"),
    "birthdate": _l("Your date of birth"),
    "gender": _l("Your gender"),
    "my_number": _l("Your My Number (only services the law allows receive it)"),
    "offline_access": _l("Keep access to these details while you are not signed in"),
}


#: Kana, kanji and full-width forms: a name written in Japanese.
_JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def name_language(name: str) -> str | None:
    """The language of a client's name when it is written in Japanese (``"ja"``), for its
    ``lang`` attribute on pages in English. A registration has one ``client_name`` and no
    language tag: the script is all there is to go on."""
    return "ja" if _JAPANESE_SCRIPT.search(name) else None


def _journey() -> signin.Journey:
    return current_app.extensions["idp.journey"]


def _now() -> datetime:
    return datetime.now(UTC)


def _browser_sid() -> str | None:
    sid = session.get("sid")
    return sid if isinstance(sid, str) else None


def _bind(transaction_id: str) -> None:
    """Remember that this browser started the transaction (its id alone is not enough)."""
    bound = [t for t in session.get("txns", []) if isinstance(t, str)]
    session["txns"] = [*bound[-(MAX_BOUND_TRANSACTIONS - 1) :], transaction_id]


def _follow(step: signin.Step) -> Response | tuple[str, int]:
    if step.kind == "error_page":
        return _request_error(step.reason or "")
    if step.kind == "redirect":
        assert step.url is not None
        return redirect(step.url, 302)
    assert step.transaction_id is not None
    _bind(step.transaction_id)
    endpoint = {"login": "idp.login", "consent": "idp.consent", "sign": "idp.sign"}[step.kind]
    return redirect(url_for(endpoint, txn=step.transaction_id), 303)


REQUEST_ERRORS = {
    "missing_client": _l("The request does not say which service it is for."),
    "duplicate_client": _l("The request names more than one service."),
    "unknown_client": _l("The service that sent you here is not registered with Madoguchi ID."),
    "missing_redirect_uri": _l("The request does not say where to send you back to."),
    "unregistered_redirect_uri": _l(
        "The address the request wants to send you back to is not registered for this service. "
        "You have not been sent there."
    ),
}


def _request_error(reason: str, status: int = 400) -> tuple[str, int]:
    return (
        render_template(
            "govkit/error.html",
            title=_("This sign-in request cannot be used"),
            explanation=str(REQUEST_ERRORS.get(reason, _l("The request is not valid."))),
            next_step=_("Go back to the service you were using and start again."),
            status=status,
            reference=None,
        ),
        status,
    )


def _start_again() -> tuple[str, int]:
    return (
        render_template(
            "idp/start-again.html",
            page_title=_("Your sign-in has timed out or was started elsewhere"),
        ),
        400,
    )


def _transaction(transaction_id: str) -> LoginTransaction | None:
    if transaction_id not in session.get("txns", []):
        return None
    return signin.find_transaction(get_session(), transaction_id, _now())


def _client_view(txn: LoginTransaction) -> Any:
    client = provider().clients.get(txn.client_id)
    redirect_uri = txn.request["redirect_uri"]
    parts = urlsplit(redirect_uri)
    allow_form_action(f"{parts.scheme}://{parts.netloc}")
    return client


# -- the authorization endpoint ----------------------------------------------------------------
@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> Response | tuple[str, int]:
    source = request.form if request.method == "POST" else request.args
    params = {key: source.getlist(key) for key in source}
    step = signin.begin(get_session(), _journey(), params, _browser_sid(), _now())
    return _follow(step)


# -- card sign-in --------------------------------------------------------------------------------
def _cards() -> list[dict[str, Any]]:
    db = get_session()
    rows = db.exec(
        select(CardRecord, Citizen)
        .where(CardRecord.citizen_id == Citizen.id)
        .order_by(Citizen.persona)  # type: ignore[arg-type]
    ).all()
    reader = _journey().reader_for(db, _now())
    cards = []
    for card, citizen in rows:
        state = reader.state(card.card_id)
        cards.append(
            {
                "id": card.card_id,
                "name": f"{citizen.family_name} {citizen.given_name}",
                "kana": f"{citizen.family_name_kana} {citizen.given_name_kana}",
                "birthdate": citizen.birthdate,
                "locked": state.locked,
            }
        )
    return cards


def _login_page(txn: LoginTransaction, form: CardForm, error: str | None, status: int = 200):
    client = _client_view(txn)
    request_ = signin.request_from(txn)
    return (
        render_template(
            "idp/login.html",
            page_title=_("Sign in with your My Number card"),
            client_name=client.client_name if client else "",
            client_lang=name_language(client.client_name) if client else None,
            txn=txn,
            form=form,
            cards=_cards(),
            error=error,
            check_revocation=request_.requirement.check_revocation,
            passkey_allowed=passkey_allowed(request_),
        ),
        status,
    )


def passkey_allowed(request_: Any) -> bool:
    """A passkey gives aal2: enough unless the client asks for the card (aal3) or a
    revocation check (only a card has a certificate to check)."""
    requirement = request_.requirement
    return rank(requirement.minimum or "aal1") <= rank("aal2") and not requirement.check_revocation


@bp.get("/login/<txn>")
def login(txn: str) -> Response | tuple[str, int]:
    transaction = _transaction(txn)
    if transaction is None:
        return _start_again()
    return _login_page(transaction, CardForm(), None)


SIGN_IN_ERRORS = {
    "unknown_card": _l("Choose your card"),
    "locked": _l(
        "This card is locked after 3 wrong PINs. Take the card and proof of identity to "
        "the municipal counter to reset the PIN."
    ),
    "certificate_mismatch": _l("The card's certificate is not the one registered for it"),
    "no_trust_anchor": _l("Card sign-in is not set up on this server"),
    "signature": _l("The card's answer could not be verified"),
    "chain": _l("The card's certificate was not issued by the JPKI certification authority"),
    "expired": _l("The card's certificate has expired. Renew it at the municipal counter"),
    "not-yet-valid": _l("The card's certificate is not valid yet"),
    "usage": _l("This certificate cannot be used to sign in"),
    "revoked": _l("The card's certificate has been revoked"),
    "revocation-unknown": _l(
        "We could not check whether the card's certificate has been revoked. Try again later"
    ),
}


def _sign_in_error(failure: signin.SignInFailed) -> str:
    if failure.reason == "wrong_pin":
        if failure.remaining == 1:
            return _("The PIN is wrong. 1 attempt left before the card locks")
        return _(
            "The PIN is wrong. %(remaining)s attempts left before the card locks",
            remaining=failure.remaining,
        )
    return str(SIGN_IN_ERRORS.get(failure.reason, _l("The card could not be used")))


@bp.post("/login/<txn>")
def login_submit(txn: str) -> Response | tuple[str, int]:
    transaction = _transaction(txn)
    if transaction is None:
        return _start_again()
    form = CardForm()
    if not form.validate_on_submit():
        return _login_page(transaction, form, _("The form has expired. Send it again."), 400)
    card_id = (form.card.data or "").strip()
    pin = form.pin.data or ""
    if not card_id:
        return _login_page(transaction, form, _("Choose your card"), 400)
    if not (len(pin) == 4 and pin.isascii() and pin.isdigit()):
        return _login_page(transaction, form, _("Enter the card's 4-digit PIN"), 400)
    try:
        new_session, step = signin.card_sign_in(
            get_session(), _journey(), transaction, card_id, pin, _browser_sid(), _now()
        )
    except signin.SignInFailed as failure:
        return _login_page(transaction, form, _sign_in_error(failure), 400)
    session.clear()  # a new session id after sign-in (no fixation)
    session.permanent = True
    session["sid"] = new_session.sid
    return _follow(step)


@bp.post("/cancel/<txn>")
def cancel(txn: str) -> Response | tuple[str, int]:
    transaction = _transaction(txn)
    if transaction is None or not ConfirmForm().validate_on_submit():
        return _start_again()
    return _follow(signin.cancel(get_session(), _journey(), transaction, _now()))


# -- consent --------------------------------------------------------------------------------------
@bp.get("/consent/<txn>")
def consent(txn: str) -> Response | tuple[str, int]:
    transaction = _transaction(txn)
    current = repository.live_session(get_session(), _browser_sid(), _now())
    if transaction is None or current is None:
        return _start_again()
    client = _client_view(transaction)
    if client is None:
        return _start_again()
    missing = signin.consent_missing(
        get_session(), client, current.citizen_id, signin.request_from(transaction)
    )
    return render_template(
        "idp/consent.html",
        page_title=_("Share your details with %(client)s?", client=client.client_name),
        client_name=client.client_name,
        client_lang=name_language(client.client_name),
        scopes=[str(SCOPE_LABELS[s]) for s in missing if s in SCOPE_LABELS],
        txn=transaction,
        form=ConfirmForm(),
    )


@bp.post("/consent/<txn>")
def consent_submit(txn: str) -> Response | tuple[str, int]:
    transaction = _transaction(txn)
    if transaction is None or not ConfirmForm().validate_on_submit():
        return _start_again()
    allow = request.form.get("decision") == "allow"
    step = signin.decide_consent(
        get_session(), _journey(), transaction, allow, _browser_sid(), _now()
    )
    return _follow(step)


# -- signing step-up ------------------------------------------------------------------------------
def _sign_page(txn: LoginTransaction, form: SignForm, error: str | None, status: int = 200):
    client = _client_view(txn)
    current = repository.live_session(get_session(), _browser_sid(), _now())
    citizen = get_session().get(Citizen, current.citizen_id) if current else None
    request_ = signin.request_from(txn)
    return (
        render_template(
            "idp/sign.html",
            page_title=_("Sign with your My Number card"),
            client_name=client.client_name if client else "",
            client_lang=name_language(client.client_name) if client else None,
            purpose=request_.sign_purpose,
            digest=request_.sign_digest,
            citizen=citizen,
            txn=txn,
            form=form,
            error=error,
        ),
        status,
    )


@bp.get("/sign/<txn>")
def sign(txn: str) -> Response | tuple[str, int]:
    transaction = _transaction(txn)
    if transaction is None:
        return _start_again()
    return _sign_page(transaction, SignForm(), None)


SIGN_ERRORS = {
    "under_15": _l(
        "Signing is not available for people under 15. A parent or guardian can make "
        "this submission for you"
    ),
    "signing_locked": _l(
        "The signing password is locked after 5 wrong entries. Take the card to "
        "the municipal counter to reset it"
    ),
    "no_session": _l("Your sign-in has ended. Start again from the service"),
}


@bp.post("/sign/<txn>")
def sign_submit(txn: str) -> Response | tuple[str, int]:
    transaction = _transaction(txn)
    if transaction is None:
        return _start_again()
    form = SignForm()
    if not form.validate_on_submit():
        return _sign_page(transaction, form, _("The form has expired. Send it again."), 400)
    password = form.password.data or ""
    if not (6 <= len(password) <= 16 and password.isascii() and password.isalnum()):
        return _sign_page(
            transaction, form, _("Enter the signing password: 6 to 16 letters and digits"), 400
        )
    try:
        step = signin.sign_submission(
            get_session(),
            _journey(),
            transaction,
            password,
            _browser_sid(),
            _now(),
            today(get_settings()),
        )
    except signin.SignInFailed as failure:
        if failure.reason == "wrong_password":
            message = _(
                "The signing password is wrong. %(remaining)s attempts left before it locks",
                remaining=failure.remaining,
            )
        else:
            message = str(SIGN_ERRORS.get(failure.reason, _l("The card could not sign")))
        return _sign_page(transaction, form, message, 400)
    return _follow(step)


# -- logout ---------------------------------------------------------------------------------------
def _end_browser_session(reason: str, sid: str | None = None) -> None:
    sid = sid or _browser_sid()
    now = _now()
    if sid:
        deliveries = logouts.end_session(get_session(), provider(), sid, now, reason=reason)
        logouts.deliver(get_database(), provider().outbound, deliveries, now)
    session.clear()


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response | tuple[str, int]:
    """RP-initiated logout. With a valid ``id_token_hint`` the session ends at once and the
    browser goes to the registered ``post_logout_redirect_uri``; otherwise we ask first."""
    server = current_app.extensions["idp.server"]
    try:
        end_request = server.validate_endpoint_request("end_session")
    except OAuth2Error:
        end_request = None
    if end_request is None or end_request.needs_confirmation:
        return render_template(
            "idp/logout.html",
            page_title=_("Sign out of Madoguchi ID?"),
            form=ConfirmForm(),
            invalid=end_request is None,
            signed_in=_browser_sid() is not None,
        ), (400 if end_request is None else 200)
    hinted_sid = (end_request.id_token_claims or {}).get("sid")
    _end_browser_session("rp_initiated", _browser_sid() or hinted_sid)
    response = server.create_endpoint_response("end_session", end_request)
    return response or redirect(url_for("idp.logged_out"), 303)


@bp.post("/logout/confirm")
def logout_confirm() -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        return _start_again()
    _end_browser_session("citizen")
    return redirect(url_for("idp.logged_out"), 303)


@bp.get("/logged-out")
def logged_out() -> str:
    return render_template("idp/logged-out.html", page_title=_("You have signed out"))


# -- the citizen's account ------------------------------------------------------------------------
@bp.get("/account")
def account() -> str:
    db = get_session()
    current = repository.live_session(db, _browser_sid(), _now())
    citizen = db.get(Citizen, current.citizen_id) if current else None
    consents = []
    if citizen is not None:
        for row in repository.consents(db, citizen.id):
            client = provider().clients.get(row.client_id)
            name = client.client_name if client else row.client_id
            consents.append(
                {
                    "client_id": row.client_id,
                    "client_name": name,
                    "client_lang": name_language(name),
                    "scopes": [
                        str(SCOPE_LABELS[s]) for s in row.scope.split() if s in SCOPE_LABELS
                    ],
                    "granted_at": row.granted_at,
                }
            )
    return render_template(
        "idp/account.html",
        page_title=_("Your Madoguchi ID"),
        citizen=citizen,
        signed_in_with=(
            _("My Number card and PIN") if current and current.acr == "aal3" else _("Passkey")
        ),
        signed_in_at=format_instant(current.auth_time) if current else "",
        consents=consents,
        passkeys=passkey_pages.account_section(citizen, current),
        sign_in_url=f"{get_settings().portal_url}/auth/login?next=/account",
        form=ConfirmForm(),
    )


@bp.post("/account/consents/<client_id>/withdraw")
def withdraw_consent(client_id: str) -> Response | tuple[str, int]:
    current = repository.live_session(get_session(), _browser_sid(), _now())
    if current is None or not ConfirmForm().validate_on_submit():
        return _start_again()
    signin.withdraw_consent(get_session(), current.citizen_id, client_id[:64], _now())
    return redirect(url_for("idp.account"), 303)


@bp.post("/account/sign-out")
def sign_out() -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        return _start_again()
    _end_browser_session("citizen")
    return redirect(url_for("idp.logged_out"), 303)


@bp.get("/")
def start() -> str:
    return render_template("idp/start.html", page_title=_("Madoguchi ID"))
