"""The municipal counter's pages: a clerk signs in (password + TOTP), finds a resident's card
and resets its PIN or signing password after seeing the resident's identity document.

Every page but sign-in needs a staff session: the ``"staff"`` key of the Flask session, which
ends after 30 minutes without a request (:data:`STAFF_ACCESS`, declared where the blueprint is
registered). Views only parse forms, call :mod:`idp.counter` and render or redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response
from wtforms import BooleanField, PasswordField

from govkit.db import get_session
from govkit.forms import Form
from govkit.staff import SignInForm, StaffSession, sign_in_notice, sign_in_refusal
from idp import counter
from idp.card import CardState, UnknownCard
from idp.card.simulator import SimulatedCardReader
from idp.domain.people import PIN, SIGNING_PASSWORD

bp = Blueprint("counter", __name__, url_prefix="/counter")

#: The endpoint the provider's rate limit for staff sign-in applies to.
SIGN_IN_ENDPOINT = "counter.sign_in_submit"


def _now() -> datetime:
    return datetime.now(UTC)


#: Which clerk the browser is signed in as.
STAFF = StaffSession(
    key="staff",
    find=lambda username: counter.current_clerk(get_session(), username),
    sign_in_endpoint="counter.sign_in",
    open_endpoints={"counter.sign_in", SIGN_IN_ENDPOINT},
)
#: Counter pages: a clerk's session, else the sign-in page.
STAFF_ACCESS = STAFF.access_rule("counter-staff")


def _clerk() -> counter.Clerk:
    clerk: counter.Clerk = g.clerk
    return clerk


def _reader(now: datetime) -> SimulatedCardReader:
    return SimulatedCardReader(get_session(), now)


# -- forms ------------------------------------------------------------------------------------


class SignOutForm(Form):
    """Only a CSRF token."""


class ResetPinForm(Form):
    identity_checked = BooleanField()
    pin = PasswordField()
    pin_again = PasswordField()


class ResetPasswordForm(Form):
    identity_checked = BooleanField()
    password = PasswordField()
    password_again = PasswordField()


def _error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    return [{"text": text, "href": f"#{field}"} for field, text in errors.items()]


def _expired_form() -> str:
    return _("The form has expired. Send it again.")


def _page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    errors: dict[str, str] = values.setdefault("errors", {})
    clerk = g.get("clerk")
    navigation = [{"href": url_for("counter.search"), "text": _("Find a card")}] if clerk else []
    html = render_template(
        template,
        error_list=_error_list(errors),
        has_errors=bool(errors),
        clerk=clerk,
        sign_out_form=SignOutForm() if clerk else None,
        service_navigation=navigation,
        **values,
    )
    return html, status


# -- sign in and out --------------------------------------------------------------------------


def _sign_in_page(
    form: SignInForm, errors: dict[str, str], status: int = 200, notice: str | None = None
) -> tuple[str, int]:
    return _page(
        "idp/counter/sign-in.html",
        status,
        page_title=_("Sign in to the municipal counter"),
        form=form,
        errors=errors,
        notice=notice,
    )


@bp.get("/sign-in")
def sign_in() -> Response | tuple[str, int]:
    clerk, _expired = STAFF.current()
    if clerk is not None:
        return redirect(url_for("counter.search"), code=303)
    return _sign_in_page(SignInForm(), {}, notice=sign_in_notice(request.args))


@bp.post("/sign-in")
def sign_in_submit() -> Response | tuple[str, int]:
    form = SignInForm()
    errors = form.problems()
    if errors:
        return _sign_in_page(form, errors, 400)
    username, password, code = form.entered()
    now = _now()
    try:
        clerk = counter.staff_sign_in(
            get_session(), username=username, password=password, totp_code=code, now=now
        )
    except counter.StaffSignInFailed as failure:
        field, message, status = sign_in_refusal(failure.reason)
        return _sign_in_page(form, {field: message}, status)
    STAFF.begin(clerk)
    return redirect(url_for("counter.search"), code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    form = SignOutForm()
    if form.validate_on_submit():
        STAFF.end()
        return redirect(url_for("counter.sign_in", signed_out=1), code=303)
    return redirect(url_for("counter.search"), code=303)


# -- finding a card ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    text: str
    tag: str  # govuk-tag modifier


@dataclass(frozen=True)
class CardRow:
    """A card as the counter's table shows it (everything worked out here, not in templates)."""

    card_id: str
    name: str
    name_kana: str
    name_roman: str
    birthdate: str
    pin: Status
    signing: Status
    reset_pin_url: str
    reset_password_url: str | None


def pin_status(state: CardState) -> Status:
    if state.locked:
        return Status(_("Locked"), "govuk-tag--red")
    if state.pin_failures:
        return Status(
            ngettext("%(num)d wrong PIN", "%(num)d wrong PINs", state.pin_failures),
            "govuk-tag--yellow",
        )
    return Status(_("Working"), "govuk-tag--green")


def signing_status(state: CardState) -> Status:
    if not state.can_sign:
        return Status(_("No signing certificate (under 15)"), "govuk-tag--grey")
    if state.sign_locked:
        return Status(_("Locked"), "govuk-tag--red")
    if state.sign_failures:
        return Status(
            ngettext("%(num)d wrong password", "%(num)d wrong passwords", state.sign_failures),
            "govuk-tag--yellow",
        )
    return Status(_("Working"), "govuk-tag--green")


def card_row(holder: counter.CardHolder) -> CardRow:
    return CardRow(
        card_id=holder.card_id,
        name=holder.name,
        name_kana=holder.name_kana,
        name_roman=holder.name_roman,
        birthdate=holder.birthdate.isoformat(),
        pin=pin_status(holder.state),
        signing=signing_status(holder.state),
        reset_pin_url=url_for("counter.reset_pin", card_id=holder.card_id),
        reset_password_url=(
            url_for("counter.reset_signing_password", card_id=holder.card_id)
            if holder.state.can_sign
            else None
        ),
    )


@bp.get("/")
def search() -> tuple[str, int]:
    query = " ".join(request.args.get("q", "").split())
    errors: dict[str, str] = {}
    rows: list[CardRow] | None = None
    if len(query) > counter.MAX_QUERY:
        errors["q"] = _("Enter %(num)d characters or fewer", num=counter.MAX_QUERY)
    elif query:
        holders = counter.find_cards(get_session(), reader=_reader(_now()), query=query)
        rows = [card_row(h) for h in holders]
    return _page(
        "idp/counter/cards.html",
        400 if errors else 200,
        page_title=_("Find a resident's card"),
        query=query,
        rows=rows,
        no_match=(
            _("No card holder's name contains “%(query)s”.", query=query) if rows == [] else None
        ),
        errors=errors,
    )


# -- resets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetKind:
    """What a reset page resets: the PIN or the signing password."""

    endpoint: str
    done_endpoint: str
    title: str
    field: str
    again: str
    label: str
    again_label: str
    hint: str
    button: str
    done_title: str
    done_text: str
    input_mode: str
    width: str


def _pin_kind() -> ResetKind:
    return ResetKind(
        endpoint="counter.reset_pin",
        done_endpoint="counter.reset_pin_done",
        title=_("Reset the card's PIN"),
        field="pin",
        again="pin_again",
        label=_("New PIN"),
        again_label=_("New PIN again"),
        hint=_("4 digits. The resident enters it themselves at the counter's keypad."),
        button=_("Reset the PIN"),
        done_title=_("PIN reset"),
        done_text=_("The card is unlocked and takes the new PIN."),
        input_mode="numeric",
        width="govuk-input--width-4",
    )


def _password_kind() -> ResetKind:
    return ResetKind(
        endpoint="counter.reset_signing_password",
        done_endpoint="counter.reset_signing_password_done",
        title=_("Reset the card's signing password"),
        field="password",
        again="password_again",
        label=_("New signing password"),
        again_label=_("New signing password again"),
        hint=_("6 to 16 letters and digits. The resident enters it themselves."),
        button=_("Reset the signing password"),
        done_title=_("Signing password reset"),
        done_text=_("The card signs again with the new signing password."),
        input_mode="text",
        width="govuk-input--width-20",
    )


def _holder_or_404(card_id: str, now: datetime) -> counter.CardHolder:
    try:
        return counter.card_holder(get_session(), reader=_reader(now), card_id=card_id)
    except UnknownCard:
        abort(404)


def _summary(holder: counter.CardHolder) -> list[dict[str, Any]]:
    row = card_row(holder)
    return [
        {"key": {"text": _("Name")}, "value": {"text": f"{row.name} ({row.name_kana})"}},
        {"key": {"text": _("Date of birth")}, "value": {"text": row.birthdate}},
        {"key": {"text": _("Card")}, "value": {"text": row.card_id}},
        {"key": {"text": _("PIN")}, "value": {"text": row.pin.text}},
        {"key": {"text": _("Signing")}, "value": {"text": row.signing.text}},
    ]


def _reset_page(
    kind: ResetKind,
    holder: counter.CardHolder,
    form: Form,
    errors: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    return _page(
        "idp/counter/reset.html",
        status,
        page_title=kind.title,
        kind=kind,
        holder=holder,
        summary=_summary(holder),
        action=url_for(kind.endpoint, card_id=holder.card_id),
        identity_checked=bool(form.identity_checked.data),  # type: ignore[attr-defined]
        form=form,
        errors=errors,
    )


def read_reset(kind: ResetKind, identity_checked: bool, secret: str, again: str) -> dict[str, str]:
    """What is wrong with a reset form (field id → message), checked against the card rules."""
    errors: dict[str, str] = {}
    if not identity_checked:
        errors["identity_checked"] = _(
            "Confirm that you have seen the resident's identity document"
        )
    if kind.field == "pin":
        if not secret:
            errors["pin"] = _("Enter the new PIN")
        elif not PIN.match(secret):
            errors["pin"] = _("The PIN must be 4 digits, like 1234")
        elif again != secret:
            errors["pin_again"] = _("The two PINs are not the same")
    else:
        if not secret:
            errors["password"] = _("Enter the new signing password")
        elif not SIGNING_PASSWORD.match(secret):
            errors["password"] = _("The signing password must be 6 to 16 letters and digits")
        elif again != secret:
            errors["password_again"] = _("The two signing passwords are not the same")
    return errors


@bp.get("/cards/<card_id>/pin")
def reset_pin(card_id: str) -> tuple[str, int]:
    holder = _holder_or_404(card_id, _now())
    return _reset_page(_pin_kind(), holder, ResetPinForm(), {})


@bp.post("/cards/<card_id>/pin")
def reset_pin_submit(card_id: str) -> Response | tuple[str, int]:
    now = _now()
    holder = _holder_or_404(card_id, now)
    kind, form = _pin_kind(), ResetPinForm()
    if not form.validate_on_submit():
        return _reset_page(kind, holder, form, {"identity_checked": _expired_form()}, 400)
    errors = read_reset(
        kind, bool(form.identity_checked.data), form.pin.data or "", form.pin_again.data or ""
    )
    if errors:
        return _reset_page(kind, holder, form, errors, 400)
    counter.reset_pin(
        get_session(),
        reader=_reader(now),
        card_id=card_id,
        new_pin=form.pin.data or "",
        identity_checked=True,
        clerk=_clerk(),
        now=now,
    )
    return redirect(url_for(kind.done_endpoint, card_id=card_id), code=303)


@bp.get("/cards/<card_id>/signing-password")
def reset_signing_password(card_id: str) -> tuple[str, int]:
    holder = _holder_or_404(card_id, _now())
    if not holder.state.can_sign:
        abort(404)  # nothing to reset: the card has no signing certificate
    return _reset_page(_password_kind(), holder, ResetPasswordForm(), {})


@bp.post("/cards/<card_id>/signing-password")
def reset_signing_password_submit(card_id: str) -> Response | tuple[str, int]:
    now = _now()
    holder = _holder_or_404(card_id, now)
    if not holder.state.can_sign:
        abort(404)
    kind, form = _password_kind(), ResetPasswordForm()
    if not form.validate_on_submit():
        return _reset_page(kind, holder, form, {"identity_checked": _expired_form()}, 400)
    errors = read_reset(
        kind,
        bool(form.identity_checked.data),
        form.password.data or "",
        form.password_again.data or "",
    )
    if errors:
        return _reset_page(kind, holder, form, errors, 400)
    counter.reset_signing_password(
        get_session(),
        reader=_reader(now),
        card_id=card_id,
        new_password=form.password.data or "",
        identity_checked=True,
        clerk=_clerk(),
        now=now,
    )
    return redirect(url_for(kind.done_endpoint, card_id=card_id), code=303)


def _done_page(kind: ResetKind, card_id: str) -> tuple[str, int]:
    holder = _holder_or_404(card_id, _now())
    return _page(
        "idp/counter/reset-done.html",
        page_title=kind.done_title,
        kind=kind,
        summary=_summary(holder),
    )


@bp.get("/cards/<card_id>/pin/done")
def reset_pin_done(card_id: str) -> tuple[str, int]:
    return _done_page(_pin_kind(), card_id)


@bp.get("/cards/<card_id>/signing-password/done")
def reset_signing_password_done(card_id: str) -> tuple[str, int]:
    return _done_page(_password_kind(), card_id)
