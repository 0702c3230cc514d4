"""The certificate journey's pages: adapters that parse answers, call ``residence.journey`` and
render. The answers live in the signed session cookie until the request is submitted; every
step re-reads the register, so nothing the browser sends back is trusted.

Screens from sign-in to download: who → scope (household routes only) → details → check and
pay → (card signature at Madoguchi ID when the rules need one) → the copy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, abort, redirect, render_template, request, session, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from govkit.auth import (
    current_citizen,
    login_required,
    render_signed_in,
    request_signature,
    signature_for,
    signature_refusal,
    verify_card_signature,
)
from govkit.certificates.seal import SealingError
from govkit.certificates.status import DocumentStatus
from govkit.clock import today as kit_today
from govkit.db import get_session
from govkit.i18n import current_language
from govkit.web import get_settings, kit_home
from residence import journey, repository
from residence.documents import seal
from residence.domain import fees
from residence.domain.backoffice import read_date
from residence.domain.eligibility import PersonOnRegister, Reason, Requester, RequestStatus
from residence.domain.identifiers import (
    my_number_problem,
    normalise_digits,
    normalise_postal_code,
    postal_code_problem,
)
from residence.domain.items import STATUTORY_PURPOSES, OptionalItem, Purpose, Route, items_problem
from residence.domain.mandate import mandate_digest
from residence.models import IssuedCertificate
from residence.seeding import load_register
from residence.web import bp, wording
from residence.web.dates import date_example, date_items, japan_time
from residence.web.forms import (
    CheckForm,
    DetailsForm,
    MandateForm,
    ScopeForm,
    WhoForm,
)

ANSWERS = "residence.answers"
MANDATE = "residence.mandate"
#: Set when the last submission could not be sealed; the check page says so once.
NOT_SEALED = "residence.not_sealed"
MAX_TEXT = 2000
MAX_NAME = 200

PURPOSES = {
    Purpose.BANK: _l("A bank or other financial institution"),
    Purpose.LANDLORD: _l("A landlord or estate agent"),
    Purpose.EMPLOYER: _l("An employer"),
    Purpose.VEHICLE: _l("Registering a vehicle"),
    Purpose.OTHER: _l("Something else"),
    Purpose.SOCIAL_INSURANCE: _l("Social insurance procedure (law requires the My Number)"),
    Purpose.TAX: _l("Tax procedure (law requires the My Number)"),
    Purpose.PENSION: _l("Pension procedure (law requires the My Number)"),
    Purpose.EMPLOYMENT_INSURANCE: _l("Employment insurance procedure (law requires the My Number)"),
}
ITEMS = {
    OptionalItem.HEAD_RELATIONSHIP: _l("Head of household and relationship to them (世帯主・続柄)"),
    OptionalItem.HONSEKI: _l("Registered domicile and its head (本籍・筆頭者)"),
    OptionalItem.FOREIGN_ITEMS: _l("Nationality, status of residence and residence card number"),
    OptionalItem.MY_NUMBER: _l("My Number (個人番号)"),
    OptionalItem.JUMINHYO_CODE: _l("Resident record code (住民票コード)"),
}
#: What to do with the copy, for the purpose chosen (whom it goes to).
NEXT_STEPS = {
    Purpose.BANK: _l("Give the PDF to the bank or financial institution that asked for it."),
    Purpose.LANDLORD: _l("Give the PDF to the landlord or estate agent who asked for it."),
    Purpose.EMPLOYER: _l("Give the PDF to your employer."),
    Purpose.VEHICLE: _l("Give the PDF to the office where you register the vehicle."),
    Purpose.OTHER: _l("Give the PDF to the organisation that asked for it."),
    Purpose.SOCIAL_INSURANCE: _l(
        "Give the PDF to the office handling your social insurance procedure."
    ),
    Purpose.TAX: _l("Give the PDF to the office handling your tax procedure."),
    Purpose.PENSION: _l("Give the PDF to the office handling your pension procedure."),
    Purpose.EMPLOYMENT_INSURANCE: _l(
        "Give the PDF to the office handling your employment insurance procedure."
    ),
}
REFUSALS = {
    Reason.REFUSED: _l(
        "We cannot issue a copy of this record online to you. You may be able to ask at the "
        "city office counter, where staff can check your situation."
    ),
    Reason.NOT_SAME_HOUSEHOLD: _l(
        "This person is not in your household on the register. Relatives living at the same "
        "address in a separate household must ask as a proxy, with a letter of authority."
    ),
    Reason.MANDATE_MISSING: _l(
        "This person is registered as a separate household, so you are treated as their "
        "proxy: you need a letter of authority signed by them."
    ),
    Reason.MANDATE_EXPIRED: _l("The letter of authority has expired. Ask for a new one."),
    Reason.MANDATE_NOT_YET_VALID: _l("The letter of authority is not valid yet."),
    Reason.MANDATE_NOT_SIGNED_BY_PRINCIPAL: _l(
        "The letter of authority is not signed with the card of the person it names."
    ),
    Reason.MANDATE_OTHER_PERSON: _l("The letter of authority names someone else."),
    Reason.MANDATE_OTHER_PURPOSE: _l(
        "The letter of authority is for another purpose than the one you chose."
    ),
    Reason.MY_NUMBER_NOT_IN_MANDATE: _l(
        "The letter of authority does not allow a copy showing the My Number."
    ),
    Reason.NOT_FOR_THIRD_PARTY: _l(
        "A third party can never get a copy showing the My Number or the resident record code."
    ),
    Reason.STATUTORY_PURPOSE_NEEDED: _l(
        "A copy showing the My Number or the resident record code is only for a procedure "
        "that requires it by law: choose that procedure."
    ),
    Reason.REASON_NEEDED: _l("Say why you need the record."),
    Reason.REMOVED_USE_THIRD_PARTY: _l(
        "This person is no longer on the register (moved out or died), so a copy of their "
        "removed record (除票) is asked for as a third party and reviewed by a clerk."
    ),
}


# -- helpers ------------------------------------------------------------------------------------
def _today() -> date:
    return kit_today(get_settings())


def _requester() -> tuple[str, Requester]:
    citizen = current_citizen()
    if citizen is None:  # login_required comes first
        abort(401)
    name = citizen.name or citizen.display_name
    return citizen.sub, Requester(citizen.exchange_id, name, citizen.birthdate)


def _me() -> PersonOnRegister | None:
    _sub, requester = _requester()
    return journey.requester_record(get_session(), requester)


def _page(template: str, errors: dict[str, str], status: int = 200, **context: Any):
    error_list = [{"text": str(text), "href": f"#{field}"} for field, text in errors.items()]
    return (
        render_template(
            template, errors=errors, error_list=error_list, has_errors=bool(errors), **context
        ),
        400 if errors and status == 200 else status,
    )


def _answers() -> dict[str, Any]:
    data = session.get(ANSWERS)
    return dict(data) if isinstance(data, dict) else {}


def _save(**changes: Any) -> None:
    session[ANSWERS] = {**_answers(), **changes}


def _start(**answers: Any) -> None:
    """A journey starts afresh (its first answer): its own id goes with the answers, so that
    it makes at most one request however often its last step is sent."""
    session[ANSWERS] = {**answers, "submission": journey.new_submission()}


def _parsed(data: dict[str, Any]) -> journey.Answers | None:
    if not isinstance(data.get("submission"), str):
        return None  # not a journey started here
    try:
        return journey.Answers(
            route=Route(data["route"]),
            subject=data.get("subject"),
            members=tuple(data.get("members") or ()),
            items=frozenset(OptionalItem(i) for i in data.get("items") or ()),
            purpose=Purpose(data.get("purpose") or Purpose.OTHER),
            recipient=data.get("recipient"),
            copies=int(data.get("copies") or 1),
            mandate_id=data.get("mandate_id"),
            reason=data.get("reason"),
            evidence=data.get("evidence"),
            subject_name=data.get("subject_name"),
            subject_address=data.get("subject_address"),
            post_to=data.get("post_to"),
            submission=data["submission"],
        )
    except (KeyError, ValueError, TypeError):
        return None


def _fee_text(copies: int) -> str:
    settings = get_settings()
    per_copy = fees.per_copy_fee(_today(), settings.certificate_fee_yen)  # type: ignore[attr-defined]
    return fee_summary(per_copy * copies, copies)


def fee_summary(total: int, copies: int) -> str:
    """The kit's way of writing a fee: ``¥600 (¥300 a copy × 2)`` / ``600円（1通300円 × 2通）``."""
    if not total or copies < 1:
        return _("There is no fee.")
    return _(
        "¥%(total)s (¥%(each)s a copy × %(copies)s)",
        total=format_decimal(total),
        each=format_decimal(total // copies),
        copies=copies,
    )


def _member_label(person: PersonOnRegister) -> str:
    return wording.with_relationship(person.full_name, person.relationship)


# -- start --------------------------------------------------------------------------------------
@bp.get("/")
def start() -> str:
    return render_template(
        "residence/journey/start.html",
        page_title=_("Get a copy of your residence record (juminhyo)"),
        fee_text=_("the fee: %(fee)s", fee=_fee_text(1)),
        start_text=_("Continue") if current_citizen() is not None else _("Start now"),
    )


@bp.get("/start")
@login_required(acr="aal3")
def signed_in() -> str:
    """Who is signed in (single sign-on at work), with the way into the journey."""
    return render_signed_in(
        _("You can now ask for a copy of a resident record."),
        start=(url_for("residence.who"), _("Start now")),
    )


# -- 1. who is it for ---------------------------------------------------------------------------
@bp.route("/request/who", methods=["GET", "POST"])
@login_required(acr="aal3")
def who():
    """Whose record: me, one of the people at my address (by name), someone who authorised
    me, or someone else. One question; the proxy and third-party details have their own page."""
    me = _me()
    people = journey.relatives_at_home(get_session(), me, _today()) if me else []
    others = [p for p in people if me is None or p.register_key != me.register_key]
    form = WhoForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        choice = form.route.data or ""
        member = choice.removeprefix("member:")
        if not form.validate_on_submit():
            errors["route"] = _("The form has expired. Send it again.")
        elif choice == Route.SELF and me is not None:
            _start(route=Route.SELF.value, subject=me.register_key)
            return redirect(url_for("residence.scope" if others else "residence.details"))
        elif choice.startswith("member:") and member in {p.register_key for p in others}:
            _start(route=Route.HOUSEHOLD.value, subject=member)
            return redirect(url_for("residence.scope"))
        elif choice == Route.PROXY:
            return redirect(url_for("residence.proxy"))
        elif choice == Route.THIRD_PARTY:
            return redirect(url_for("residence.third_party"))
        else:
            errors["route"] = _("Choose whose record you want a copy of")
    saved = _answers()
    current = (
        f"member:{saved.get('subject')}"
        if saved.get("route") == Route.HOUSEHOLD
        else saved.get("route")
    )
    choices: list[dict[str, Any]] = []
    if me is not None:
        own = _("Your own record, or your whole household's")
        choices.append({"value": Route.SELF.value, "text": _("Me"), "hint": {"text": own}})
    choices += [{"value": f"member:{p.register_key}", "text": _member_label(p)} for p in others]
    if choices:
        choices.append({"divider": _("or")})
    reviewed = _(
        "A clerk reviews the request; the copy never shows a My Number or resident record code"
    )
    authorised = _("Someone who authorised me with a letter of authority")
    choices += [
        {"value": Route.PROXY.value, "text": authorised},
        {"value": Route.THIRD_PARTY.value, "text": _("Someone else, for a legitimate reason"),
         "hint": {"text": reviewed}},
    ]  # fmt: skip
    for item in choices:
        if "value" in item:
            item["checked"] = item["value"] == (form.route.data or current)
    return _page(
        "residence/journey/who.html",
        errors,
        form=form,
        page_title=_("Whose record do you want a copy of?"),
        choices=choices,
    )


def _route_page(
    template: str,
    title: str,
    *,
    first_field: str,
    parse: Callable[[WhoForm], tuple[dict[str, str], dict[str, Any]]],
):
    """A route's own questions (proxy, third party): the answers start the request afresh and
    lead to the details page, or the page again with each problem on its field."""
    form = WhoForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            errors[first_field] = _("The form has expired. Send it again.")
        else:
            errors, answers = parse(form)
            if not errors:
                _start(**answers)
                return redirect(url_for("residence.details"))
    return _page(template, errors, form=form, page_title=title)


@bp.route("/request/proxy", methods=["GET", "POST"])
@login_required(acr="aal3")
def proxy():
    """The letter of authority's code and the principal's My Number (checked at once)."""
    return _route_page(
        "residence/journey/proxy.html",
        _("Your letter of authority"),
        first_field="mandate_id",
        parse=_proxy_answers,
    )


def _proxy_answers(form: WhoForm) -> tuple[dict[str, str], dict[str, Any]]:
    errors: dict[str, str] = {}
    code = (form.mandate_id.data or "").strip().upper()
    number = form.principal_my_number.data or ""
    if not code:
        errors["mandate_id"] = _("Enter the code of the letter of authority")
    problem = my_number_problem(number)
    if problem is not None:
        errors["principal_my_number"] = {
            "empty": _("Enter their My Number"),
            "not_digits": _("A My Number has only digits"),
            "length": _("A My Number is 12 digits"),
            "check_digit": _("This is not a valid My Number: check the digits"),
        }[problem]
    if errors:
        return errors, {}
    try:
        mandate, principal = journey.principal_for(get_session(), code, number)
    except journey.MandateNotFound as missing:
        text = (
            _("There is no letter of authority with this code")
            if missing.field == "mandate_id"
            else _("This My Number is not the one of the person who signed the letter")
        )
        return {missing.field: text}, {}
    return errors, {
        "route": Route.PROXY.value,
        "subject": principal.register_key,
        "mandate_id": mandate.id,
        "purpose": mandate.purpose,
    }


@bp.route("/request/third-party", methods=["GET", "POST"])
@login_required(acr="aal3")
def third_party():
    """Whom the request is about and the legitimate interest (a clerk reviews it)."""
    return _route_page(
        "residence/journey/third-party.html",
        _("Whose record, and why you need it"),
        first_field="subject_name",
        parse=_third_party_answers,
    )


def _third_party_answers(form: WhoForm) -> tuple[dict[str, str], dict[str, Any]]:
    errors: dict[str, str] = {}
    name = " ".join((form.subject_name.data or "").split())
    address = (form.subject_address.data or "").strip()
    reason = (form.reason.data or "").strip()
    if not name:
        errors["subject_name"] = _("Enter their full name")
    elif len(name) > MAX_NAME:
        errors["subject_name"] = _("A name is at most 200 characters")
    if not address:
        errors["subject_address"] = _("Enter their address")
    elif len(address) > 300:
        errors["subject_address"] = _("An address is at most 300 characters")
    if not reason:
        errors["reason"] = _("Say why you need the record")
    elif len(reason) > MAX_TEXT:
        errors["reason"] = _("Write at most 2,000 characters")
    evidence = (form.evidence.data or "").strip()[:MAX_TEXT]
    return errors, {
        "route": Route.THIRD_PARTY.value,
        "subject_name": name,
        "subject_address": address,
        "reason": reason,
        "evidence": evidence or None,
    }


# -- 2. scope -----------------------------------------------------------------------------------
@bp.route("/request/scope", methods=["GET", "POST"])
@login_required(acr="aal3")
def scope():
    """Who is on the copy: the person asked about, and anyone else ticked from their
    household (everyone ticked: the whole household, a 謄本)."""
    answers = _parsed(_answers())
    if answers is None or answers.route not in (Route.SELF, Route.HOUSEHOLD):
        return redirect(url_for("residence.who"))
    subject = journey.person(get_session(), answers.subject)
    if subject is None:
        return redirect(url_for("residence.who"))
    household = journey.household(get_session(), subject, _today())
    form = ScopeForm()
    errors: dict[str, str] = {}
    ticked = set(answers.members or (subject.register_key,))
    if request.method == "POST":
        ticked = set(form.members.data or ())
        chosen = [p.register_key for p in household if p.register_key in ticked]
        if not form.validate_on_submit():
            errors["members"] = _("The form has expired. Send it again.")
        elif not chosen:
            errors["members"] = _("Choose at least one person")
        else:
            _save(members=chosen)
            return redirect(url_for("residence.details"))
    members = [
        {"value": p.register_key, "text": _member_label(p), "checked": p.register_key in ticked}
        for p in household
    ]
    return _page(
        "residence/journey/scope.html",
        errors,
        form=form,
        page_title=_("Who should the copy show?"),
        members=members,
    )


# -- 3. details: items, purpose, copies, delivery -----------------------------------------------
@bp.route("/request/details", methods=["GET", "POST"])
@login_required(acr="aal3")
def details():
    answers = _parsed(_answers())
    if answers is None:
        return redirect(url_for("residence.who"))
    settings = get_settings()
    form = DetailsForm()
    errors: dict[str, str] = {}
    third_party = answers.route is Route.THIRD_PARTY
    if request.method == "GET":
        form.items.data = sorted(answers.items)
        form.purpose.data = answers.purpose.value if _answers().get("purpose") else None
        form.copies.data = str(answers.copies)
    elif not form.validate_on_submit():
        errors["purpose"] = _("The form has expired. Send it again.")
    else:
        errors, changes = _detail_answers(form, answers, settings)
        if not errors:
            _save(**changes)
            return redirect(url_for("residence.check"))
    offered = [
        i
        for i in ITEMS
        if not (third_party and i in (OptionalItem.MY_NUMBER, OptionalItem.JUMINHYO_CODE))
    ]
    chosen = set(form.items.data or ())
    item_choices = [
        {"value": i.value, "text": ITEMS[i], "checked": i.value in chosen} for i in offered
    ]
    purposes = [p for p in PURPOSES if not (third_party and p in STATUTORY_PURPOSES)]
    if answers.mandate_id:
        purposes = [answers.purpose]  # the letter names the purpose
    purpose_choices = [
        {"value": p.value, "text": PURPOSES[p], "checked": form.purpose.data == p.value}
        for p in purposes
    ]
    note = None
    if answers.route is Route.PROXY:
        note = _(
            "A copy showing the My Number or the resident record code is never handed to a "
            "proxy: it is posted to the registered address of the person who authorised you."
        )
    per_copy = fees.per_copy_fee(_today(), settings.certificate_fee_yen)  # type: ignore[attr-defined]
    return _page(
        "residence/journey/details.html",
        errors,
        form=form,
        page_title=_("What should the copy show?"),
        item_choices=item_choices,
        purpose_choices=purpose_choices,
        mail_to_principal_note=note,
        fee_hint=_(
            "¥%(fee)s a copy. Each copy is a separate signed PDF.", fee=format_decimal(per_copy)
        ),
        may_post=answers.route in (Route.SELF, Route.HOUSEHOLD),
    )


def _detail_answers(
    form: DetailsForm, answers: journey.Answers, settings: Any
) -> tuple[dict[str, str], dict[str, Any]]:
    errors: dict[str, str] = {}
    try:
        items = frozenset(OptionalItem(i) for i in form.items.data or ())
    except ValueError:
        items = frozenset()
        errors["items"] = _("Choose from the list")
    try:
        purpose = Purpose(form.purpose.data or "")
    except ValueError:
        purpose = None
        errors["purpose"] = _("Choose who you will give the copy to")
    if answers.mandate_id and purpose is not None and purpose != answers.purpose:
        purpose = answers.purpose
    if purpose is not None and "items" not in errors:
        problem = items_problem(items, purpose, answers.route)
        if problem is not None:
            errors["items"] = str(REFUSALS[Reason(problem)])
    copies_text = (form.copies.data or "").strip()
    copies_digits = normalise_digits(copies_text)
    # ASCII digits only (not "²" or "٣"), and few of them (int() refuses thousands)
    whole = copies_digits.isascii() and copies_digits.isdigit() and len(copies_digits) <= 9
    if not whole or not 1 <= int(copies_digits) <= settings.max_copies:
        errors["copies"] = _(
            "Enter a number of copies from 1 to %(most)s", most=settings.max_copies
        )
    post_to = None
    if (form.postal_code.data or "").strip() and answers.route in (Route.SELF, Route.HOUSEHOLD):
        register = load_register()
        problem = postal_code_problem(
            form.postal_code.data or "",
            known=register.postal_codes,
            municipality=register.municipality,
        )
        if problem is not None:
            errors["postal_code"] = {
                "empty": _("Enter the postal code"),
                "format": _("Enter a postal code like 000-0101 (3 digits, a hyphen, 4 digits)"),
                "unknown": _("This postal code is not in Japan Post's list"),
                "outside": _(
                    "This postal code is not in Sakuragi City: the city only posts copies to "
                    "addresses registered in the city"
                ),
            }.get(problem, _("Enter a valid postal code"))
        else:
            post_to = normalise_postal_code(form.postal_code.data or "")
    changes = {
        "items": sorted(items),
        "purpose": purpose.value if purpose else None,
        "copies": int(copies_digits) if whole else 1,
        "post_to": post_to,
    }
    return errors, changes


# -- 4. check your answers, pay, (sign), submit -------------------------------------------------
def _summary(answers: journey.Answers) -> list[dict[str, Any]]:
    db = get_session()
    rows: list[tuple[str, str | Markup, str]] = []
    route_text = {
        Route.SELF: _("Me"),
        Route.HOUSEHOLD: _("Someone in my household"),
        Route.PROXY: _("Someone who authorised me"),
        Route.THIRD_PARTY: _("Someone else (reviewed by a clerk)"),
    }[answers.route]
    rows.append((_("Whose record"), route_text, "residence.who"))
    if answers.route is Route.THIRD_PARTY:
        rows.append(
            (_("Person"), f"{answers.subject_name} — {answers.subject_address}", "residence.who")
        )
        rows.append((_("Your reason"), answers.reason or "", "residence.who"))
    else:
        keys = answers.members or ((answers.subject,) if answers.subject else ())
        names = [p.full_name for k in keys if (p := journey.person(db, k)) is not None]
        rows.append(
            (
                _("On the copy"),
                wording.join_names(names),
                "residence.scope"
                if answers.route in (Route.SELF, Route.HOUSEHOLD)
                else "residence.who",
            )
        )
    shown = [str(ITEMS[i]) for i in ITEMS if i in answers.items]
    rows.append((_("Also shown"), wording.join(shown) or _("Nothing else"), "residence.details"))
    rows.append((_("For"), str(PURPOSES[answers.purpose]), "residence.details"))
    rows.append((_("Copies"), str(answers.copies), "residence.details"))
    if answers.post_to:
        rows.append((_("Printed copy posted to"), answers.post_to, "residence.details"))
    return [
        {
            "key": {"text": key},
            "value": {"html": value} if isinstance(value, Markup) else {"text": value},
            "actions": {
                "items": [
                    {"href": url_for(endpoint), "text": _("Change"), "visuallyHiddenText": key}
                ]
            },
        }
        for key, value, endpoint in rows
    ]


@bp.route("/request/check", methods=["GET", "POST"])
@login_required(acr="aal3")
def check():
    answers = _parsed(_answers())
    if answers is None or not _answers().get("purpose"):
        return redirect(url_for("residence.who"))
    done = _already_submitted(answers)
    if done is not None:
        return done
    sub, requester = _requester()
    today = _today()
    settings = get_settings()
    decision, _subject = journey.assess(
        get_session(),
        requester=requester,
        answers=answers,
        today=today,
        check=verify_card_signature,
    )
    fee = fees.fee_for(answers.copies, today, settings.certificate_fee_yen)  # type: ignore[attr-defined]
    form = CheckForm()
    errors: dict[str, str] = {}
    problem = None
    if request.method == "POST":
        if not form.validate_on_submit():
            errors["payment"] = _("The form has expired. Send it again.")
        elif decision.allowed and fee and form.payment.data not in ("card", "paypay"):
            errors["payment"] = _("Choose how you will pay")
        else:
            if decision.allowed and decision.needs_signature:
                digest = journey.request_digest(answers, requester, fee, today)
                return request_signature(
                    digest=digest,
                    purpose=_(
                        "Request for a copy of a resident record (%(fee)s)",
                        fee=_fee_text(answers.copies),
                    ),
                    next_url=url_for("residence.signed"),
                )
            return _submit(sub, requester, answers, None)
    refusal = signature_refusal()
    if refusal is not None:
        problem = refusal.message
    if session.pop(NOT_SEALED, None):
        problem = _(
            "Your copy could not be issued because the city's signing service did not answer. "
            "Nothing was charged and your answers are kept: try again in a few minutes."
        )
    if decision.allowed:
        submit_text = (
            _("Continue to sign with my card")
            if decision.needs_signature
            else _("Pay and get the copy")
        )
    elif decision.review:
        submit_text = _("Send the request for review")
    else:
        submit_text = _("Send the request")
    return _page(
        "residence/journey/check.html",
        errors,
        form=form,
        page_title=_("Check your answers before sending your request"),
        rows=_summary(answers),
        fee_yen=fee if decision.allowed else 0,
        fee_text=_fee_text(answers.copies)
        if decision.allowed
        else _("No fee is taken unless a copy is issued."),
        needs_signature=decision.allowed and decision.needs_signature,
        submit_text=submit_text,
        problem=problem,
    )


@bp.get("/request/signed")
@login_required(acr="aal3")
def signed():
    """Back from the card signature: submit with it (or show why there is none)."""
    answers = _parsed(_answers())
    if answers is None:
        return redirect(url_for("residence.who"))
    done = _already_submitted(answers)
    if done is not None:
        return done
    sub, requester = _requester()
    settings = get_settings()
    today = _today()
    fee = fees.fee_for(answers.copies, today, settings.certificate_fee_yen)  # type: ignore[attr-defined]
    card = signature_for(journey.request_digest(answers, requester, fee, today))
    if card is None:
        return redirect(url_for("residence.check"))
    return _submit(sub, requester, answers, card.as_json())


def _already_submitted(answers: journey.Answers) -> Response | None:
    """This journey's request, when it has already made one (the last step sent again, or an
    old copy of the session cookie): its outcome page, never a second request."""
    earlier = journey.submitted(get_session(), answers.submission)
    if earlier is None:
        return None
    session.pop(ANSWERS, None)
    return redirect(url_for("residence.outcome", request_id=earlier.id), 303)


def _submit(sub: str, requester: Requester, answers: journey.Answers, signature: dict | None):
    settings = get_settings()
    try:
        outcome = journey.submit_request(
            session=get_session(),
            issuer=seal().issuer,
            requester_sub=sub,
            requester=requester,
            answers=answers,
            signature=signature,
            check=verify_card_signature,
            fee_per_copy=settings.certificate_fee_yen,  # type: ignore[attr-defined]
            public_url=settings.public_url,
            verify_url=settings.verification_page_url,
            now=datetime.now(UTC),
            today=_today(),
        )
    except journey.SignatureRequired:
        return redirect(url_for("residence.check"))
    except SealingError:
        # Nothing was recorded or charged and the answers stay: the check page explains and
        # the citizen sends them again when the trust service answers.
        session[NOT_SEALED] = True
        return redirect(url_for("residence.check"), 303)
    session.pop(ANSWERS, None)
    return redirect(url_for("residence.outcome", request_id=outcome.request.id), 303)


# -- 5. the outcome and the copy ----------------------------------------------------------------
@bp.get("/requests/<request_id>")
@login_required(acr="aal3")
def outcome(request_id: str) -> str:
    sub = _requester()[0]
    db = get_session()
    found = journey.my_request(db, sub, request_id[:40])
    if found is None:
        abort(404)
    names = [p.full_name for key in found.request.members if (p := journey.person(db, key))]
    count = len(found.certificates)
    certificates = [
        {
            "href": url_for("residence.certificate_pdf", document_id=c.document_id),
            "filename": f"{c.document_id}.pdf",
            "heading": _("Copy %(number)s of %(count)s", number=number, count=count),
            "button": (
                _("Download copy %(number)s of %(count)s (PDF)", number=number, count=count)
                if count > 1
                else _("Download the signed copy (PDF)")
            ),
            "rows": [
                {"key": {"text": _("On the copy")}, "value": {"html": wording.join_names(names)}},
                {"key": {"text": _("Document number")}, "value": {"text": c.document_id}},
                {
                    "key": {"text": _("SHA-256")},
                    "value": {
                        "html": Markup('<span class="kit-mono govuk-!-font-size-16">%s</span>')
                        % c.sha256
                    },
                },
            ],
        }
        for number, c in enumerate(found.certificates, start=1)
    ]
    refusal = REFUSALS.get(Reason(found.request.refusal)) if found.request.refusal else None
    try:
        give = NEXT_STEPS[Purpose(found.request.purpose)]
    except ValueError:
        give = NEXT_STEPS[Purpose.OTHER]
    check = _(
        "They can check its seal and whether it is still current on the Madoguchi "
        "verification page, or offline from its QR code."
    )
    # Japanese sentences end in 「。」 and follow each other without a space
    next_step = f"{give}{'' if current_language() == 'ja' else ' '}{check}"
    titles = {
        "issued": _("Your copy is ready"),
        "mailed": _("Your request is complete"),
        "pending_review": _("Your request has been sent for review"),
        "withdrawn": _("You withdrew this request"),
    }
    return render_template(
        "residence/journey/result.html",
        page_title=titles.get(found.request.status, _("We cannot issue this copy online")),
        outcome=found.request.status,
        request_id=found.request.id,
        certificates=certificates if found.request.status == "issued" else [],
        several=count > 1,
        refusal=refusal,
        next_step=next_step,
        posted=(
            _(
                "A printed copy will also be posted to the registered address at %(code)s "
                "within 3 working days.",
                code=found.request.post_to,
            )
            if found.request.post_to and found.request.status == "issued"
            else None
        ),
        # the portal lists the copies a resident of the city asked for
        kept_html=_kept_on_the_portal() if _me() is not None else None,
        review_html=_review_next() if found.request.status == "pending_review" else None,
        withdraw_href=(
            url_for("residence.withdraw", request_id=found.request.id)
            if found.request.status == "pending_review"
            else None
        ),
    )


@bp.get("/requests/<request_id>/withdraw")
@login_required(acr="aal3")
def withdraw_confirm(request_id: str) -> Response | str:
    """ "Withdraw this request?": only while it waits for review (else its page says why)."""
    found = journey.my_request(get_session(), _requester()[0], request_id[:40])
    if found is None:
        abort(404)
    if found.request.status != RequestStatus.PENDING_REVIEW:
        return redirect(url_for("residence.outcome", request_id=found.request.id), 303)
    return render_template(
        "residence/journey/withdraw.html",
        page_title=_("Withdraw this request?"),
        request_id=found.request.id,
    )


@bp.post("/requests/<request_id>/withdraw")
@login_required(acr="aal3")
def withdraw(request_id: str) -> Response:
    """Take the request back (a request a clerk has decided meanwhile stays decided: its page
    shows the decision). Its form's token is checked before any view, as every form's."""
    request_id = request_id[:40]
    # decided (or withdrawn) meanwhile: the request's page says so
    with contextlib.suppress(journey.AlreadyDecided):
        now = datetime.now(UTC)
        if journey.withdraw_request(get_session(), _requester()[0], request_id, now) is None:
            abort(404)
    return redirect(url_for("residence.outcome", request_id=request_id), 303)


def _review_next() -> Markup:
    """What happens to a request sent for review, and where to find it again (linked)."""
    link = Markup('<a class="govuk-link" id="my-requests" href="%s">%s</a>') % (
        url_for("residence.my_requests"),
        _("Your requests and copies"),
    )
    text = _(
        "A clerk at Sakuragi City checks that you have a legitimate interest, within 5 working "
        "days. The decision, and the copy if it is issued, will be on this page: you can open "
        "it again from %(requests)s. No fee is taken unless the copy is issued."
    )
    return Markup.escape(text) % {"requests": link}


def _kept_on_the_portal() -> Markup:
    """Where else the copy is: the portal's page, by its own name (「わたしの証明書」), linked."""
    link = Markup('<a class="govuk-link" id="my-documents" href="%s">%s</a>') % (
        kit_home("/my-documents"),
        _("Your documents"),
    )
    text = _("The copy is also kept in %(documents)s on the Madoguchi portal.")
    return Markup.escape(text) % {"documents": link}


@bp.get("/certificates/<document_id>.pdf")
@login_required(acr="aal3")
def certificate_pdf(document_id: str) -> Response:
    sub = _requester()[0]
    pdf = journey.my_certificate_pdf(get_session(), sub, document_id[:40])
    if pdf is None:
        abort(404)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{document_id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


#: Whose record a request was for, by the route the rules applied, when its copy names nobody
#: the requester may see (the words of the first question and of "Check your answers").
WHOSE_RECORD = {
    Route.SELF: _l("Me"),
    Route.HOUSEHOLD: _l("Someone in my household"),
    Route.PROXY: _l("Someone who authorised me"),
    Route.THIRD_PARTY: _l("Someone else"),
}


def _state_tag(item: journey.MyRequest) -> dict[str, str]:
    """A request's state as a GOV.UK tag (text and colour)."""
    state = item.state
    if state is journey.RequestState.ISSUED:
        count = item.valid_copies
        text = ngettext("Issued: %(num)d copy", "Issued: %(num)d copies", count)
        return {"text": text, "classes": "govuk-tag--green"}
    text, classes = {
        journey.RequestState.REVOKED: (_("Revoked"), "govuk-tag--red"),
        journey.RequestState.REVIEW: (_("Waiting for a clerk's review"), "govuk-tag--yellow"),
        # GOV.UK Frontend's tag is blue without a modifier
        journey.RequestState.POSTED: (_("Posted to the person who authorised you"), ""),
        journey.RequestState.REFUSED: (_("Refused"), "govuk-tag--red"),
        journey.RequestState.WITHDRAWN: (_("Withdrawn"), "govuk-tag--grey"),
    }[state]
    return {"text": text, "classes": classes}


def _whose_record(item: journey.MyRequest) -> str | Markup:
    if item.names:
        return wording.join_names(item.names)
    try:
        return str(WHOSE_RECORD[Route(item.request.route)])
    except ValueError:
        return "—"


def _copy_link(certificate: IssuedCertificate) -> dict[str, Any]:
    """A copy to download, tagged when it is no longer valid."""
    state = None
    if certificate.status != DocumentStatus.ISSUED and certificate.status in (
        wording.CERTIFICATE_STATES
    ):
        text, classes = wording.CERTIFICATE_STATES[certificate.status]
        state = {"text": str(text), "classes": classes}
    return {
        "document_id": certificate.document_id,
        "href": url_for("residence.certificate_pdf", document_id=certificate.document_id),
        "state": state,
    }


@bp.get("/certificates")
@login_required(acr="aal3")
def my_requests() -> str:
    """The signed-in person's requests, newest first: each links to its outcome page, says
    whose record it was for and where it stands, with the copies to download."""
    sub = _requester()[0]
    found = journey.my_requests(get_session(), sub)
    rows = [
        {
            "id": item.request.id,
            "href": url_for("residence.outcome", request_id=item.request.id),
            "asked": japan_time(item.request.created_at),
            "whose": _whose_record(item),
            "state": _state_tag(item),
            "copies": [_copy_link(c) for c in item.certificates],
        }
        for item in found.requests
    ]
    return render_template(
        "residence/journey/requests.html",
        page_title=_("Your requests and copies"),
        rows=rows,
        more=(
            _(
                "Only your %(count)s most recent requests are listed.",
                count=journey.MY_REQUESTS_SHOWN,
            )
            if found.more
            else None
        ),
    )


# -- letters of authority -----------------------------------------------------------------------
def _date_field(prefix: str) -> date | None:
    """The date typed in the three boxes ``prefix-day`` … (``None``: not a real date; the
    back office's reader, so no value, however odd, is more than a field error)."""
    day, _problem = read_date(
        *(request.form.get(f"{prefix}-{part}") or "" for part in ("day", "month", "year"))
    )
    return day


@bp.route("/authority/new", methods=["GET", "POST"])
@login_required(acr="aal3")
def mandate_form():
    me = _me()
    if me is None:
        abort(404)
    today = _today()
    form = MandateForm()
    errors: dict[str, str] = {}
    birthdate = _date_field("proxy_birthdate")
    until = _date_field("valid_until")
    born_example = date_example(date(1979, 6, 18))
    if request.method == "POST":
        if not form.validate_on_submit():
            errors["proxy_name"] = _("The form has expired. Send it again.")
        else:
            name = " ".join((form.proxy_name.data or "").split())
            if not name or len(name) > MAX_NAME:
                errors["proxy_name"] = _("Enter the full name of the person you authorise")
            if birthdate is None:
                errors["proxy_birthdate"] = _(
                    "Enter a real date of birth, for example %(example)s", example=born_example
                )
            elif birthdate >= today:
                errors["proxy_birthdate"] = _("Their date of birth must be in the past")
            try:
                purpose = Purpose(form.purpose.data or "")
            except ValueError:
                purpose = None
                errors["purpose"] = _("Choose what they may use it for")
            if until is None:
                errors["valid_until"] = _(
                    "Enter a real date, for example %(example)s",
                    example=date_example(today),
                )
            if not errors and birthdate and until and purpose:
                draft = journey.MandateDraft(
                    name, birthdate, purpose, bool(form.allow_my_number.data), until
                )
                problem = journey.period_problem(draft, today)
                if problem is not None:
                    errors["valid_until"] = {
                        "order": _("The date must be today or later"),
                        "past": _("The date must be today or later"),
                        "too_long": _("A letter of authority can last at most 3 months"),
                    }[problem]
                else:
                    session[MANDATE] = draft.as_json()
                    text = journey.mandate_signed_text(me, draft, today)
                    return request_signature(
                        digest=mandate_digest(text),
                        purpose=_("Letter of authority for %(name)s", name=name),
                        next_url=url_for("residence.mandate_signed"),
                    )
    refusal = signature_refusal()
    if refusal is not None:
        errors.setdefault("proxy_name", refusal.message)
    purpose_choices = [
        {"value": p.value, "text": PURPOSES[p], "checked": form.purpose.data == p.value}
        for p in PURPOSES
    ]
    typed = request.form if request.method == "POST" else {}
    return _page(
        "residence/journey/mandate.html",
        errors,
        form=form,
        page_title=_("Authorise someone to ask for your copy"),
        purpose_choices=purpose_choices,
        date_boxes={
            name: date_items(name, typed, error=name in errors)
            for name in ("proxy_birthdate", "valid_until")
        },
        birthdate_hint=_("For example %(example)s", example=born_example),
    )


@bp.get("/authority/signed")
@login_required(acr="aal3")
def mandate_signed():
    me = _me()
    data = session.get(MANDATE)
    if me is None or not isinstance(data, dict):
        return redirect(url_for("residence.mandate_form"))
    try:
        draft = journey.MandateDraft.from_json(data)
    except (KeyError, ValueError, TypeError):
        return redirect(url_for("residence.mandate_form"))
    today = _today()
    card = signature_for(mandate_digest(journey.mandate_signed_text(me, draft, today)))
    if card is None:
        return redirect(url_for("residence.mandate_form"))
    mandate = journey.create_mandate(
        session=get_session(),
        principal=me,
        draft=draft,
        signature=card.as_json(),
        signer_pseudonym=card.signer_exchange_id,
        check=verify_card_signature,
        now=datetime.now(UTC),
        today=today,
    )
    session.pop(MANDATE, None)
    return redirect(url_for("residence.mandate_done", mandate_id=mandate.id), 303)


@bp.get("/authority/<mandate_id>")
@login_required(acr="aal3")
def mandate_done(mandate_id: str) -> str:
    me = _me()
    mandate = repository.find_mandate(session=get_session(), mandate_id=mandate_id[:20])
    if me is None or mandate is None or mandate.principal != me.register_key:
        abort(404)
    rows = [
        {"key": {"text": _("Person authorised")}, "value": {"text": mandate.proxy_name}},
        {"key": {"text": _("Purpose")}, "value": {"text": str(PURPOSES[Purpose(mandate.purpose)])}},
        {
            "key": {"text": _("My Number copies")},
            "value": {
                "text": _("Allowed, posted to you") if mandate.allow_my_number else _("Not allowed")
            },
        },
        {"key": {"text": _("Valid until")}, "value": {"text": mandate.valid_until.isoformat()}},
    ]
    return render_template(
        "residence/journey/mandate-done.html",
        page_title=_("Your letter of authority is signed"),
        code_html=Markup('{}<br><strong id="mandate-code">{}</strong>').format(
            _("Code"), mandate.id
        ),
        rows=rows,
        home_url=kit_home(),
    )
