"""The back office of Sakuragi City's 市民課: clerks sign in (password + TOTP code), find
residents, record move-ins, move-outs, births and corrections, set or lift DV support
measures, review third-party requests and revoke copies issued in error.

Every page but sign-in needs a staff session (the ``"clerk"`` key of the Flask session, apart
from a citizen's sign-in; it ends after 30 minutes without a request): :data:`CLERK_ACCESS`,
declared where the blueprint is registered. Views parse the form, read it with
:mod:`residence.domain.backoffice`, call one use case of :mod:`residence.backoffice` and
redirect (post/redirect/get); every problem becomes a message on its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from govkit.certificates.status import DocumentStatus
from govkit.clock import today as kit_today
from govkit.db import get_session
from govkit.forms import Form
from govkit.staff import SignInForm, StaffSession, sign_in_notice, sign_in_refusal
from govkit.web import get_settings
from residence import backoffice, staff
from residence.domain import backoffice as rules
from residence.domain.identifiers import mask_my_number
from residence.models import IssuedCertificate, RegisterEvent, Resident
from residence.web import dates, wording
from residence.web.journey import fee_summary

bp = Blueprint("clerk", __name__, url_prefix="/clerk")


Page = tuple[str, int]


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return kit_today(get_settings())


# -- the staff session ------------------------------------------------------------------------

#: Which clerk the browser is signed in as (apart from a citizen's sign-in on the same service).
CLERKS = StaffSession(
    key="clerk",
    find=lambda username: staff.current_clerk(session=get_session(), username=username),
    sign_in_endpoint="clerk.sign_in",
    open_endpoints={"clerk.sign_in", "clerk.sign_in_submit"},
)
#: Back-office pages: a clerk's session, else the sign-in page.
CLERK_ACCESS = CLERKS.access_rule("residence-clerk")


def _clerk() -> staff.SignedInClerk:
    clerk: staff.SignedInClerk = g.clerk
    return clerk


# -- forms and messages -----------------------------------------------------------------------


class CsrfForm(Form):
    """Only the CSRF token: the fields are read from the form by the domain's readers."""


@dataclass(frozen=True)
class Field:
    """A form field as messages name it: ``what`` reads after a verb ("Enter the family
    name"); ``anchor`` is the element the error summary links to."""

    what: Any
    limit: int | None = None
    anchor: str | None = None


#: In the order the forms show them (the error summary follows it).
FIELDS: dict[str, Field] = {
    "q": Field(_l("the search text"), rules.MAX_QUERY),
    "document_id": Field(_l("the document number"), 40),
    "household_choice": Field(_l("whether the person starts a new household or joins one")),
    "household": Field(_l("the household number"), 32),
    "relationship": Field(_l("the relationship to the head of household"), rules.MAX_RELATIONSHIP),
    "family_name": Field(_l("the family name"), rules.MAX_NAME),
    "given_name": Field(_l("the given name"), rules.MAX_NAME),
    "family_name_kana": Field(_l("the family name in katakana"), rules.MAX_NAME),
    "given_name_kana": Field(_l("the given name in katakana"), rules.MAX_NAME),
    "name_roman": Field(_l("the name in Latin letters"), rules.MAX_ROMAN),
    "birthdate": Field(_l("the date of birth")),
    "sex": Field(_l("the sex")),
    "my_number": Field(_l("the My Number")),
    "juminhyo_code": Field(_l("the resident record code")),
    "postal_code": Field(_l("the postal code")),
    "address": Field(_l("the address"), rules.MAX_ADDRESS),
    "moved_in_on": Field(_l("the date the person moved in")),
    "previous_address": Field(_l("the previous address"), rules.MAX_ADDRESS),
    "honseki": Field(_l("the registered domicile"), rules.MAX_ADDRESS),
    "hittosha": Field(_l("the head of the family register"), rules.MAX_NAME),
    "nationality": Field(_l("the nationality or region"), rules.MAX_FOREIGN),
    "foreign_resident_category": Field(_l("the category of foreign resident")),
    "residence_status": Field(_l("the status of residence"), rules.MAX_FOREIGN),
    "period_of_stay": Field(_l("the period of stay"), 50),
    "stay_expires_on": Field(_l("the end of the period of stay")),
    "residence_card_number": Field(_l("the residence card number")),
    "removed_on": Field(_l("the date the person moved out")),
    "moved_to": Field(_l("the new address"), rules.MAX_ADDRESS),
    "moved_on": Field(_l("the date of the move")),
    "adverse_name": Field(_l("the adverse party's name"), 200),
    "adverse_birthdate": Field(_l("the adverse party's date of birth")),
    "starts_on": Field(_l("the start of the measure")),
    "reason": Field(_l("the reason"), rules.MAX_REASON),
}
_DATE_FIELDS = frozenset(
    {"birthdate", "moved_in_on", "stay_expires_on", "removed_on", "moved_on",
     "adverse_birthdate", "starts_on"}
)  # fmt: skip

#: Messages for one field and code.
_SPECIFIC: dict[tuple[str, str], Any] = {
    ("family_name_kana", "not_katakana"): _l("Write the family name in katakana, like モリシタ"),
    ("given_name_kana", "not_katakana"): _l("Write the given name in katakana, like ケンタ"),
    ("name_roman", "not_latin"): _l("Write the name in Latin letters, like MORISHITA Kenta"),
    ("my_number", "not_digits"): _l("Enter the My Number in digits only"),
    ("my_number", "length"): _l("The My Number must be 12 digits"),
    ("my_number", "check_digit"): _l("This is not a valid My Number: check the digits"),
    ("my_number", "taken"): _l("This My Number is already on the register"),
    ("juminhyo_code", "taken"): _l("This resident record code is already on the register"),
    ("postal_code", "format"): _l("Enter the postal code as 7 digits, like 000-0101"),
    ("postal_code", "unknown"): _l("This postal code is not in the postal table"),
    ("postal_code", "outside"): _l("This postal code is not in Sakuragi City"),
}
#: Messages for a code, whatever the field (``%(what)s`` after a verb, ``%(What)s`` first).
_GENERIC: dict[str, Any] = {
    "required": _l("Enter %(what)s"),
    "too_long": _l("%(What)s must be %(max)d characters or fewer"),
    "incomplete": _l("%(What)s must include a day, month and year"),
    "not_real": _l("%(What)s must be a real date"),
    "too_early": _l("%(What)s must be in 1900 or later"),
    "future": _l("%(What)s must be today or in the past"),
    "past": _l("%(What)s must be today or later"),
    "before_birth": _l("%(What)s must be on or after the date of birth"),
    "before_resident": _l("%(What)s must be on or after the day the person became a resident"),
    "not_katakana": _l("Use katakana only, like モリシタ"),
    "not_latin": _l("Use Latin letters only, like MORISHITA Kenta"),
    "choose": _l("Select %(what)s"),
    "not_in_city": _l("Enter an address in Sakuragi City: it starts with 桜木市"),
    "in_city": _l(
        "This address is in Sakuragi City: a move within the city is a change of address "
        "(correct the record instead)"
    ),
    "head_needed": _l("The first member of a new household is its head: enter 世帯主"),
    "head_exists": _l("This household already has a head (世帯主): enter the relationship to them"),
    "not_for_foreign": _l("Leave %(what)s empty for a foreign resident"),
    "nationality_needed": _l("Enter the nationality, or leave the foreign resident's items empty"),
    "card_format": _l(
        "Enter the residence card number as 2 letters, 8 digits and 2 letters, like AB12345678CD"
    ),
    "code_format": _l("Enter the resident record code as 11 digits"),
    "unknown_household": _l("There is no household with this number on the register"),
    "not_household_address": _l(
        "Enter the household's address: everyone in a household lives at the same address"
    ),
    "no_change": _l("Nothing has changed: change a name or the address, or go back to the record"),
    "not_found": _l("No copy has this number"),
}


def message(field: str, code: str) -> str:
    """The message for ``code`` on ``field``, in the page's language."""
    specific = _SPECIFIC.get((field, code))
    if specific is not None:
        return str(specific)
    info = FIELDS.get(field, Field(field))
    what = str(info.what)
    template = _GENERIC.get(code, _GENERIC["required"])
    return str(template) % {
        "what": what,
        "What": what[:1].upper() + what[1:],
        "max": info.limit or 0,
    }


def messages(problems: Mapping[str, str], order: Sequence[str] = ()) -> dict[str, str]:
    """Each problem's message, in the order of the form's fields (``order``, else
    :data:`FIELDS`)."""
    place = {field: n for n, field in enumerate(order or FIELDS)}
    fields = sorted(problems, key=lambda field: place.get(field, len(place)))
    return {field: message(field, problems[field]) for field in fields}


def _anchor(field: str) -> str:
    """A date's error links to its first box (the year in Japanese, the day in English)."""
    return f"#{field}-{dates.order()[0]}" if field in _DATE_FIELDS else f"#{field}"


def _expired_form() -> str:
    return _("The form has expired. Send it again.")


def _values() -> dict[str, str]:
    """The form as sent, to show again (never the My Number: it is typed again)."""
    return {k: v for k, v in request.form.items() if k not in ("csrf_token", "my_number")}


def _page(template: str, status: int = 200, **values: Any) -> Page:
    errors: dict[str, str] = values.setdefault("errors", {})
    clerk = g.get("clerk")
    navigation = []
    if clerk is not None:
        navigation = [
            {"href": url_for("clerk.search"), "text": _("Find a resident")},
            {"href": url_for("clerk.move_in"), "text": _("Register a move-in")},
            {"href": url_for("clerk.queue"), "text": _("Requests to review")},
        ]
    html = render_template(
        template,
        error_list=[{"text": text, "href": _anchor(field)} for field, text in errors.items()],
        has_errors=bool(errors),
        clerk=clerk,
        sign_out_form=CsrfForm() if clerk else None,
        service_navigation=navigation,
        **values,
    )
    return html, status


def _form_or_expired(errors_field: str) -> dict[str, str] | None:
    """``None`` when the CSRF token is good, else the error to show on ``errors_field``."""
    if CsrfForm().validate_on_submit():
        return None
    return {errors_field: _expired_form()}


# -- sign in and out --------------------------------------------------------------------------


def _sign_in_page(
    form: SignInForm, errors: dict[str, str], status: int = 200, notice: str | None = None
) -> Page:
    return _page(
        "residence/clerk/sign-in.html",
        status,
        page_title=_("Sign in to the register's back office"),
        form=form,
        errors=errors,
        notice=notice,
    )


@bp.get("/sign-in")
def sign_in() -> Response | Page:
    clerk, _expired = CLERKS.current()
    if clerk is not None:
        return redirect(url_for("clerk.search"), code=303)
    return _sign_in_page(SignInForm(), {}, notice=sign_in_notice(request.args))


@bp.post("/sign-in")
def sign_in_submit() -> Response | Page:
    form = SignInForm()
    errors = form.problems()
    if errors:
        return _sign_in_page(form, errors, 400)
    username, password, code = form.entered()
    now = _now()
    try:
        clerk = staff.clerk_sign_in(
            session=get_session(), username=username, password=password, totp_code=code, now=now
        )
    except staff.ClerkSignInFailed as failure:
        field, text, status = sign_in_refusal(failure.reason)
        return _sign_in_page(form, {field: text}, status)
    CLERKS.begin(clerk)
    return redirect(url_for("clerk.search"), code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    if CsrfForm().validate_on_submit():
        CLERKS.end()
        return redirect(url_for("clerk.sign_in", signed_out=1), code=303)
    return redirect(url_for("clerk.search"), code=303)


# -- presenting records -----------------------------------------------------------------------


def _sex(value: str) -> str:
    return {"male": _("Male"), "female": _("Female")}.get(value, value)


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _removed(resident: Resident, today: date) -> bool:
    return resident.removed_on is not None and resident.removed_on <= today


def _status_tag(resident: Resident, today: date) -> dict[str, str]:
    if _removed(resident, today):
        return {"text": _("Removed (除票)"), "classes": "govuk-tag--grey"}
    return {"text": _("Resident"), "classes": "govuk-tag--green"}


def _who(resident: Resident) -> str:
    """A person as staff tell them apart: name and date of birth (not the register's key)."""
    return _(
        "%(name)s (born %(date)s)",
        name=f"{resident.family_name} {resident.given_name}",
        date=resident.birthdate.isoformat(),
    )


def _resident_row(resident: Resident, today: date) -> dict[str, Any]:
    return {
        "key": resident.register_key,
        "name": f"{resident.family_name} {resident.given_name}",
        "who": _who(resident),
        "kana": f"{resident.family_name_kana} {resident.given_name_kana}",
        "roman": resident.name_roman,
        "birthdate": resident.birthdate.isoformat(),
        "address": resident.address,
        "relationship": wording.relationship_as_written(resident.relationship),
        "status": _status_tag(resident, today),
        "href": url_for("clerk.resident", register_key=resident.register_key),
    }


_EVENT_KINDS: dict[str, Any] = {
    "moved_in": _l("Moved in"),
    "moved_within": _l("Moved within the city"),
    "moved_out": _l("Moved out"),
    "born": _l("Born"),
    "died": _l("Died"),
    "corrected": _l("Record corrected"),
}
_REMOVAL_REASONS: dict[str, Any] = {"moved_out": _l("Moved out"), "died": _l("Died")}
_MEASURE_STATES: dict[str, tuple[Any, str]] = {
    rules.MeasureState.ACTIVE: (_l("In force"), "govuk-tag--red"),
    rules.MeasureState.SCHEDULED: (_l("Starts later"), "govuk-tag--yellow"),
    rules.MeasureState.ENDED: (_l("Ended"), "govuk-tag--grey"),
    rules.MeasureState.LIFTED: (_l("Lifted"), "govuk-tag--grey"),
}


def _tag(table: Mapping[str, tuple[Any, str]], value: str) -> dict[str, str]:
    text, classes = table.get(value, (value, "govuk-tag--grey"))
    return {"text": str(text), "classes": classes}


def _row(key: str, value: str) -> dict[str, Any]:
    return {"key": {"text": key}, "value": {"text": value}}


def _record_rows(resident: Resident, today: date) -> list[dict[str, Any]]:
    rows = [
        _row(_("Record number"), resident.register_key),
        _row(_("Household"), resident.household),
        _row(
            _("Relationship to the head of household"),
            wording.relationship_as_written(resident.relationship),
        ),
        _row(_("Name"), f"{resident.family_name} {resident.given_name}"),
        _row(_("Name in katakana"), f"{resident.family_name_kana} {resident.given_name_kana}"),
        _row(_("Name in Latin letters"), resident.name_roman),
        _row(_("Date of birth"), resident.birthdate.isoformat()),
        _row(_("Sex"), _sex(resident.sex)),
        _row(_("Address"), f"〒{resident.postal_code} {resident.address}"),
        _row(_("Became a resident on"), _day(resident.became_resident_on)),
        _row(_("Address set on"), _day(resident.address_since)),
        _row(_("Address notified on"), _day(resident.address_notified_on)),
        _row(_("Previous address"), resident.previous_address or "—"),
    ]
    if resident.nationality is None:
        rows += [
            _row(_("Registered domicile (本籍)"), resident.honseki or "—"),
            _row(_("Head of the family register (筆頭者)"), resident.hittosha or "—"),
        ]
    else:
        rows += [
            _row(_("Nationality or region"), resident.nationality),
            _row(_("Category of foreign resident"), resident.foreign_resident_category or "—"),
            _row(_("Status of residence"), resident.residence_status or "—"),
            _row(_("Period of stay"), resident.period_of_stay or "—"),
            _row(_("End of the period of stay"), _day(resident.stay_expires_on)),
            _row(_("Residence card number"), resident.residence_card_number or "—"),
        ]
    rows += [
        _row(_("My Number"), mask_my_number(resident.my_number or "")),
        _row(_("Resident record code"), rules.mask_juminhyo_code(resident.juminhyo_code)),
    ]
    if _removed(resident, today):
        reason = _REMOVAL_REASONS.get(resident.removal_reason or "", resident.removal_reason)
        rows += [
            _row(_("Removed from the register on"), _day(resident.removed_on)),
            _row(_("Reason"), str(reason or "—")),
            _row(_("Moved to"), resident.moved_to or "—"),
        ]
    return rows


def _event_rows(events: Sequence[RegisterEvent]) -> list[list[dict[str, str]]]:
    return [
        [
            {"text": str(_EVENT_KINDS.get(e.kind, e.kind))},
            {"text": e.effective_on.isoformat()},
            {"text": dates.japan_time(e.recorded_at)},
        ]
        for e in events
    ]


def _certificate_row(certificate: IssuedCertificate) -> dict[str, Any]:
    return {
        "document_id": certificate.document_id,
        "issued_at": dates.japan_time(certificate.issued_at),
        "status": _tag(wording.CERTIFICATE_STATES, certificate.status),
        "href": url_for("clerk.certificate", document_id=certificate.document_id),
    }


# -- finding a resident ------------------------------------------------------------------------


@bp.get("/")
def search() -> Page:
    query = " ".join(request.args.get("q", "").split())
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] | None = None
    problem = rules.query_problem(query)
    if problem is not None:
        errors["q"] = message("q", problem)
    elif query:
        today = _today()
        found = backoffice.find_residents(session=get_session(), query=query)
        rows = [_resident_row(r, today) for r in found]
    return _page(
        "residence/clerk/search.html",
        400 if errors else 200,
        page_title=_("Find a resident"),
        query=query,
        document_id="",
        rows=rows,
        no_match=(
            _("Nobody on the register matches “%(query)s”.", query=query) if rows == [] else None
        ),
        errors=errors,
    )


@bp.get("/certificates")
def find_certificate() -> Response | Page:
    """A copy by its number (to check or revoke it)."""
    number = request.args.get("document_id", "").strip().upper()
    try:
        backoffice.certificate_file(session=get_session(), document_id=number)
    except backoffice.NotFound:
        problem = "required" if not number else "not_found"
        return _page(
            "residence/clerk/search.html",
            400,
            page_title=_("Find a resident"),
            query="",
            document_id=number[:40],
            rows=None,
            no_match=None,
            errors={"document_id": message("document_id", problem)},
        )
    return redirect(url_for("clerk.certificate", document_id=number), code=303)


# -- a resident's record ----------------------------------------------------------------------


def _file_or_404(register_key: str, today: date) -> backoffice.ResidentFile:
    try:
        return backoffice.resident_file(
            session=get_session(), register_key=register_key, today=today
        )
    except backoffice.NotFound:
        abort(404)


@bp.get("/residents/<register_key>")
def resident(register_key: str) -> Page:
    today = _today()
    found = _file_or_404(register_key, today)
    person = found.resident
    measures = [
        {
            "id": m.measure.id,
            "adverse_name": m.measure.adverse_name,
            "adverse_birthdate": _day(m.measure.adverse_birthdate),
            "period": f"{m.measure.starts_on.isoformat()} – {m.measure.ends_on.isoformat()}",
            "lifted_on": _day(m.measure.lifted_on) if m.measure.lifted_on else None,
            "state": _tag(_MEASURE_STATES, m.state),
            "renew_href": (
                url_for("clerk.measure_renew", measure_id=m.measure.id)
                if m.state in (rules.MeasureState.ACTIVE, rules.MeasureState.SCHEDULED)
                else None
            ),
            "lift_href": (
                url_for("clerk.measure_lift", measure_id=m.measure.id)
                if m.state != rules.MeasureState.LIFTED
                else None
            ),
        }
        for m in found.measures
    ]
    actions = [
        {"href": url_for("clerk.measure_new", register_key=person.register_key),
         "text": _("Set a support measure")},
    ]  # fmt: skip
    if not found.removed:
        actions = [
            {"href": url_for("clerk.correct", register_key=person.register_key),
             "text": _("Correct the record")},
            {"href": url_for("clerk.move_out", register_key=person.register_key),
             "text": _("Register a move-out")},
            {"href": url_for("clerk.birth", household=person.household),
             "text": _("Register a birth in this household")},
            {"href": url_for("clerk.move_in", household=person.household),
             "text": _("Register someone moving into this household")},
            *actions,
        ]  # fmt: skip
    return _page(
        "residence/clerk/resident.html",
        page_title=f"{person.family_name} {person.given_name}",
        status_tag=_status_tag(person, today),
        removed=found.removed,
        protected=found.protected,
        rows=_record_rows(person, today),
        measures=measures,
        household=[_resident_row(r, today) for r in found.household],
        events=_event_rows(found.events),
        certificates=[_certificate_row(c) for c in found.certificates],
        actions=actions,
    )


# -- changes to the register -------------------------------------------------------------------


def _pseudonym_key() -> str | None:
    key = get_settings().exchange_pseudonym_key
    return key.get_secret_value() if key is not None and key.get_secret_value() else None


def _form_page(
    template: str,
    *,
    title: str,
    action: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
    **extra: Any,
) -> Page:
    return _page(
        template,
        status,
        page_title=title,
        action=action,
        values=dict(values),
        errors=dict(errors),
        **extra,
    )


def _wrong_state(reason: str) -> str:
    texts = {
        "removed": _("This person has been removed from the register (除票): the record can "
                     "no longer be changed."),
        "decided": _("This request has already been decided."),
        "adverse_party": _("The requester is the adverse party of a support measure on this "
                           "person: the request cannot be approved. Refuse it."),
        "not_issued": _("This copy is no longer valid: it was revoked or superseded."),
        "lifted": _("This support measure has been lifted."),
        "ended": _("This support measure has ended: set a new one if it is needed."),
    }  # fmt: skip
    return texts.get(reason, texts["decided"])


# move-in


def _move_in_page(values: Mapping[str, str], errors: Mapping[str, str], status: int = 200) -> Page:
    return _form_page(
        "residence/clerk/move-in.html",
        title=_("Register a move-in"),
        action=url_for("clerk.move_in_submit"),
        values=values,
        errors=errors,
        status=status,
        categories=[c.value for c in rules.ForeignCategory],
        birthdate_hint=_("For example %(example)s", example=dates.date_example(date(1990, 5, 12))),
    )


@bp.get("/move-in")
def move_in() -> Page:
    household = rules.normalise_household(request.args.get("household", ""))[:32]
    values = {"household_choice": "existing", "household": household} if household else {}
    return _move_in_page(values, {})


@bp.post("/move-in")
def move_in_submit() -> Response | Page:
    expired = _form_or_expired("household_choice")
    if expired:
        return _move_in_page(_values(), expired, 400)
    today, table = _today(), backoffice.postal_table()
    reading = rules.read_move_in(
        request.form, today=today, postal_codes=table.known, municipality=table.municipality
    )
    if reading.value is None:
        return _move_in_page(_values(), messages(reading.problems), 400)
    try:
        resident = backoffice.register_move_in(
            session=get_session(),
            clerk=_clerk(),
            move_in=reading.value,
            pseudonym_key=_pseudonym_key(),
            now=_now(),
            today=today,
        )
    except backoffice.Invalid as invalid:
        return _move_in_page(_values(), messages(invalid.problems), 400)
    flash(
        _("Move-in registered: %(name)s (%(key)s).",
          name=f"{resident.family_name} {resident.given_name}", key=resident.register_key),
        "success",
    )  # fmt: skip
    return redirect(url_for("clerk.resident", register_key=resident.register_key), code=303)


# move-out


def _current_or_redirect(register_key: str, today: date) -> backoffice.ResidentFile | Response:
    found = _file_or_404(register_key, today)
    if found.removed:
        flash(_wrong_state("removed"), "info")
        return redirect(url_for("clerk.resident", register_key=found.resident.register_key), 303)
    return found


def _move_out_page(
    found: backoffice.ResidentFile,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Page:
    person = found.resident
    return _form_page(
        "residence/clerk/move-out.html",
        title=_("Register a move-out"),
        action=url_for("clerk.move_out_submit", register_key=person.register_key),
        values=values,
        errors=errors,
        status=status,
        person=_resident_row(person, _today()),
    )


@bp.get("/residents/<register_key>/move-out")
def move_out(register_key: str) -> Response | Page:
    found = _current_or_redirect(register_key, _today())
    if isinstance(found, Response):
        return found
    return _move_out_page(found, {}, {})


@bp.post("/residents/<register_key>/move-out")
def move_out_submit(register_key: str) -> Response | Page:
    today = _today()
    found = _current_or_redirect(register_key, today)
    if isinstance(found, Response):
        return found
    expired = _form_or_expired("removed_on")
    if expired:
        return _move_out_page(found, _values(), expired, 400)
    reading = rules.read_move_out(
        request.form,
        today=today,
        became_resident_on=found.resident.became_resident_on,
        municipality=backoffice.postal_table().municipality,
    )
    if reading.value is None:
        return _move_out_page(found, _values(), messages(reading.problems), 400)
    backoffice.register_move_out(
        session=get_session(),
        clerk=_clerk(),
        register_key=found.resident.register_key,
        move_out=reading.value,
        now=_now(),
        today=today,
    )
    flash(
        _("Move-out registered. Copies issued earlier stay valid; anyone who checks them "
          "sees that the person has moved since."),
        "success",
    )  # fmt: skip
    return redirect(url_for("clerk.resident", register_key=found.resident.register_key), 303)


# birth


def _birth_page(
    household: str,
    members: Sequence[Resident],
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Page:
    today = _today()
    return _form_page(
        "residence/clerk/birth.html",
        title=_("Register a birth"),
        action=url_for("clerk.birth_submit", household=household),
        values=values,
        errors=errors,
        status=status,
        household=household,
        members=[_resident_row(r, today) for r in members],
    )


def _members_or_404(household: str, today: date) -> Sequence[Resident]:
    try:
        return backoffice.household_members(session=get_session(), household=household, today=today)
    except backoffice.NotFound:
        abort(404)


@bp.get("/households/<household>/birth")
def birth(household: str) -> Page:
    members = _members_or_404(household, _today())
    family = next((m.family_name for m in members if m.relationship == rules.HEAD), "")
    values = {"family_name": family, "relationship": rules.CHILD}
    return _birth_page(household, members, values, {})


@bp.post("/households/<household>/birth")
def birth_submit(household: str) -> Response | Page:
    today = _today()
    members = _members_or_404(household, today)
    expired = _form_or_expired("family_name")
    if expired:
        return _birth_page(household, members, _values(), expired, 400)
    reading = rules.read_birth(request.form, today=today)
    if reading.value is None:
        order = (*(f for f in FIELDS if f != "relationship"), "relationship")
        return _birth_page(household, members, _values(), messages(reading.problems, order), 400)
    resident = backoffice.register_birth(
        session=get_session(),
        clerk=_clerk(),
        household=household,
        birth=reading.value,
        pseudonym_key=_pseudonym_key(),
        now=_now(),
        today=today,
    )
    flash(
        _("Birth registered: %(name)s (%(key)s).",
          name=f"{resident.family_name} {resident.given_name}", key=resident.register_key),
        "success",
    )  # fmt: skip
    return redirect(url_for("clerk.resident", register_key=resident.register_key), code=303)


# correction


def _correct_page(
    found: backoffice.ResidentFile,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Page:
    person = found.resident
    return _form_page(
        "residence/clerk/correct.html",
        title=_("Correct the record"),
        action=url_for("clerk.correct_submit", register_key=person.register_key),
        values=values,
        errors=errors,
        status=status,
        person=_resident_row(person, _today()),
    )


@bp.get("/residents/<register_key>/correct")
def correct(register_key: str) -> Response | Page:
    found = _current_or_redirect(register_key, _today())
    if isinstance(found, Response):
        return found
    person = found.resident
    values = {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "family_name_kana": person.family_name_kana,
        "given_name_kana": person.given_name_kana,
        "name_roman": person.name_roman,
        "postal_code": person.postal_code,
        "address": person.address,
    }
    return _correct_page(found, values, {})


@bp.post("/residents/<register_key>/correct")
def correct_submit(register_key: str) -> Response | Page:
    today = _today()
    found = _current_or_redirect(register_key, today)
    if isinstance(found, Response):
        return found
    expired = _form_or_expired("family_name")
    if expired:
        return _correct_page(found, _values(), expired, 400)
    person, table = found.resident, backoffice.postal_table()
    reading = rules.read_correction(
        request.form,
        today=today,
        current=rules.Correction(
            backoffice.names_of(person), person.postal_code, person.address, None
        ),
        became_resident_on=person.became_resident_on,
        postal_codes=table.known,
        municipality=table.municipality,
    )
    if reading.value is None:
        return _correct_page(found, _values(), messages(reading.problems), 400)
    try:
        backoffice.correct_record(
            session=get_session(),
            clerk=_clerk(),
            register_key=person.register_key,
            correction=reading.value,
            now=_now(),
            today=today,
        )
    except backoffice.Invalid as invalid:
        return _correct_page(found, _values(), messages(invalid.problems), 400)
    flash(_("Record corrected."), "success")
    return redirect(url_for("clerk.resident", register_key=person.register_key), code=303)


# -- DV support measures ------------------------------------------------------------------------


def _measure_new_page(
    found: backoffice.ResidentFile,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Page:
    person = found.resident
    return _form_page(
        "residence/clerk/measure-new.html",
        title=_("Set a support measure"),
        action=url_for("clerk.measure_new_submit", register_key=person.register_key),
        values=values,
        errors=errors,
        status=status,
        person=_resident_row(person, _today()),
    )


@bp.get("/residents/<register_key>/support-measures/new")
def measure_new(register_key: str) -> Page:
    today = _today()
    found = _file_or_404(register_key, today)
    values = {
        "starts_on-day": str(today.day),
        "starts_on-month": str(today.month),
        "starts_on-year": str(today.year),
    }
    return _measure_new_page(found, values, {})


@bp.post("/residents/<register_key>/support-measures/new")
def measure_new_submit(register_key: str) -> Response | Page:
    today = _today()
    found = _file_or_404(register_key, today)
    expired = _form_or_expired("adverse_name")
    if expired:
        return _measure_new_page(found, _values(), expired, 400)
    reading = rules.read_measure(request.form, today=today)
    if reading.value is None:
        return _measure_new_page(found, _values(), messages(reading.problems), 400)
    measure = backoffice.set_support_measure(
        session=get_session(),
        clerk=_clerk(),
        register_key=found.resident.register_key,
        measure=reading.value,
        now=_now(),
    )
    flash(_("Support measure set until %(date)s.", date=measure.ends_on.isoformat()), "success")
    return redirect(url_for("clerk.resident", register_key=found.resident.register_key), 303)


@dataclass(frozen=True)
class MeasureAction:
    """Renewing or lifting a measure: the confirmation page and the use case."""

    endpoint: str
    title: Any
    explanation: Any
    button: Any
    warning: bool
    done: Callable[..., Any]


def _measure_actions() -> dict[str, MeasureAction]:
    return {
        "renew": MeasureAction(
            "clerk.measure_renew",
            _l("Renew the support measure"),
            _l("The measure is extended by one year after its current end."),
            _l("Renew for one year"),
            False,
            backoffice.renew_support_measure,
        ),
        "lift": MeasureAction(
            "clerk.measure_lift",
            _l("Lift the support measure"),
            _l("From today, copies of this person's record are no longer refused to the "
               "adverse party. Lift a measure only when the person asks for it."),
            _l("Lift the measure"),
            True,
            backoffice.lift_support_measure,
        ),
    }  # fmt: skip


def _measure_page(kind: str, measure_id: int, errors: Mapping[str, str], status: int) -> Page:
    action = _measure_actions()[kind]
    try:
        on_file, person = backoffice.measure_file(
            session=get_session(), measure_id=measure_id, today=_today()
        )
    except backoffice.NotFound:
        abort(404)
    measure = on_file.measure
    rows = [
        _row(_("Protected person"), f"{person.family_name} {person.given_name}"),
        _row(_("Adverse party"), measure.adverse_name),
        _row(_("Adverse party's date of birth"), _day(measure.adverse_birthdate)),
        _row(_("Period"), f"{measure.starts_on.isoformat()} – {measure.ends_on.isoformat()}"),
        _row(_("State"), str(_tag(_MEASURE_STATES, on_file.state)["text"])),
    ]
    return _page(
        "residence/clerk/measure-confirm.html",
        status,
        page_title=str(action.title),
        explanation=str(action.explanation),
        button=str(action.button),
        warning=action.warning,
        rows=rows,
        action=url_for(action.endpoint, measure_id=measure_id),
        back=url_for("clerk.resident", register_key=person.register_key),
        errors=dict(errors),
    )


def _measure_submit(kind: str, measure_id: int) -> Response | Page:
    expired = _form_or_expired("confirm")
    if expired:
        return _measure_page(kind, measure_id, expired, 400)
    today = _today()
    try:
        _on_file, person = backoffice.measure_file(
            session=get_session(), measure_id=measure_id, today=today
        )
    except backoffice.NotFound:
        abort(404)
    try:
        measure = _measure_actions()[kind].done(
            session=get_session(), clerk=_clerk(), measure_id=measure_id, now=_now(), today=today
        )
    except backoffice.WrongState as wrong:
        flash(_wrong_state(wrong.reason), "info")
    else:
        if kind == "renew":
            flash(_("Support measure renewed until %(date)s.", date=measure.ends_on.isoformat()),
                  "success")  # fmt: skip
        else:
            flash(_("Support measure lifted."), "success")
    return redirect(url_for("clerk.resident", register_key=person.register_key), code=303)


@bp.get("/support-measures/<int:measure_id>/renew")
def measure_renew(measure_id: int) -> Page:
    return _measure_page("renew", measure_id, {}, 200)


@bp.post("/support-measures/<int:measure_id>/renew")
def measure_renew_submit(measure_id: int) -> Response | Page:
    return _measure_submit("renew", measure_id)


@bp.get("/support-measures/<int:measure_id>/lift")
def measure_lift(measure_id: int) -> Page:
    return _measure_page("lift", measure_id, {}, 200)


@bp.post("/support-measures/<int:measure_id>/lift")
def measure_lift_submit(measure_id: int) -> Response | Page:
    return _measure_submit("lift", measure_id)


# -- the review queue -------------------------------------------------------------------------


def _purpose(code: str) -> str:
    from residence.domain.items import Purpose
    from residence.web.journey import PURPOSES

    try:
        return str(PURPOSES[Purpose(code)])
    except (ValueError, KeyError):
        return code


def _items(codes: Sequence[str]) -> str:
    from residence.domain.items import OptionalItem
    from residence.web.journey import ITEMS

    names = []
    for code in codes:
        try:
            names.append(str(ITEMS[OptionalItem(code)]))
        except (ValueError, KeyError):
            names.append(code)
    return wording.join(names) if names else _("None")


@bp.get("/requests")
def queue() -> Page:
    rows = [
        {
            "id": r.id,
            "received": dates.japan_time(r.created_at),
            "requester": r.requester_name,
            "subject": f"{subject.family_name} {subject.given_name}" if subject else r.subject,
            "purpose": _purpose(r.purpose),
            "href": url_for("clerk.review", request_id=r.id),
        }
        for r, subject in backoffice.review_queue(session=get_session())
    ]
    return _page("residence/clerk/queue.html", page_title=_("Requests to review"), rows=rows)


def _review_page(request_id: str, errors: Mapping[str, str], status: int = 200, **extra: Any):
    try:
        found = backoffice.request_file(
            session=get_session(), request_id=request_id, today=_today()
        )
    except backoffice.NotFound:
        abort(404)
    r = found.request
    subject = found.subject
    rows = [
        _row(_("Request number"), r.id),
        _row(_("Received"), dates.japan_time(r.created_at)),
        _row(_("Requester"), r.requester_name),
        _row(_("Person the copy is about"), _who(subject) if subject else "—"),
        _row(_("People on the copy"), str(len(r.members))),
        _row(_("Optional items"), _items(r.items)),
        _row(_("Purpose"), _purpose(r.purpose)),
        _row(_("Legitimate interest claimed"), r.reason or "—"),
        _row(_("Evidence described"), r.evidence or "—"),
        _row(_("Copies"), str(r.copies)),
        _row(_("Fee"), fee_summary(r.fee_yen, r.copies)),
    ]  # fmt: skip
    status_texts = {
        "pending_review": _("Waiting for review"),
        "issued": _("Approved: copy issued"),
        "mailed": _("Approved: copy mailed"),
        "refused": _("Refused"),
        "withdrawn": _("Withdrawn by the requester"),
    }
    return _page(
        "residence/clerk/review.html",
        status,
        page_title=_("Review a request"),
        request_id=r.id,
        rows=rows,
        pending=r.status == "pending_review",
        status_text=status_texts.get(r.status, r.status),
        protected=found.protected,
        adverse_party=found.adverse_party,
        subject_href=(
            url_for("clerk.resident", register_key=subject.register_key) if subject else None
        ),
        certificates=[_certificate_row(c) for c in found.certificates],
        values=extra.pop("values", {}),
        errors=dict(errors),
        **extra,
    )


@bp.get("/requests/<request_id>")
def review(request_id: str) -> Page:
    return _review_page(request_id, {})


def issue_approved(*, session: Any, request_id: str, now: datetime, today: date) -> Any:
    """Issue the copies of an approved request with the city's seal (the issuance register's
    use case, which commits)."""
    from residence import issuing
    from residence.documents import seal

    settings = get_settings()
    return issuing.issue_certificate(
        session=session,
        issuer=seal().issuer(),
        request_id=request_id,
        public_url=settings.public_url,
        verify_url=settings.verification_page_url,
        now=now,
        today=today,
    )


@bp.post("/requests/<request_id>/approve")
def approve(request_id: str) -> Response | Page:
    expired = _form_or_expired("approve")
    if expired:
        return _review_page(request_id, expired, 400)
    try:
        issued = backoffice.approve_request(
            session=get_session(),
            clerk=_clerk(),
            request_id=request_id,
            issue=issue_approved,
            now=_now(),
            today=_today(),
        )
    except backoffice.NotFound:
        abort(404)
    except backoffice.WrongState as wrong:
        flash(_wrong_state(wrong.reason), "info")
    except backoffice.IssueFailed:
        flash(_("The copy could not be sealed just now. The request stays in the queue: try "
                "again later."), "info")  # fmt: skip
    else:
        flash(
            _("Request approved. Copies issued: %(documents)s.",
              documents=", ".join(c.document_id for c in issued)),
            "success",
        )  # fmt: skip
    return redirect(url_for("clerk.review", request_id=request_id[:40]), code=303)


@bp.post("/requests/<request_id>/refuse")
def refuse(request_id: str) -> Response | Page:
    expired = _form_or_expired("reason")
    if expired:
        return _review_page(request_id, expired, 400, values=_values())
    reason = request.form.get("reason", "")
    problem = rules.reason_problem(reason)
    if problem is not None:
        return _review_page(request_id, messages({"reason": problem}), 400, values=_values())
    try:
        backoffice.refuse_request(
            session=get_session(),
            clerk=_clerk(),
            request_id=request_id,
            reason=reason,
            now=_now(),
            today=_today(),
        )
    except backoffice.NotFound:
        abort(404)
    except backoffice.WrongState as wrong:
        flash(_wrong_state(wrong.reason), "info")
    else:
        flash(_("Request refused. The requester is told that the copy cannot be issued."),
              "success")  # fmt: skip
    return redirect(url_for("clerk.review", request_id=request_id[:40]), code=303)


# -- the issuance register --------------------------------------------------------------------


def _certificate_page(
    document_id: str, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> Page:
    try:
        certificate, subject = backoffice.certificate_file(
            session=get_session(), document_id=document_id
        )
    except backoffice.NotFound:
        abort(404)
    rows = [
        _row(_("Document number"), certificate.document_id),
        _row(_("Issued"), dates.japan_time(certificate.issued_at)),
        _row(_("Person the copy is about"), _who(subject) if subject else "—"),
        _row(_("Address on the copy"), certificate.address_at_issue),
        _row(_("Request number"), certificate.request_id),
        _row(_("Status"), str(_tag(wording.CERTIFICATE_STATES, certificate.status)["text"])),
    ]  # fmt: skip
    if certificate.status_changed_at is not None:
        rows.append(_row(_("Status changed"), dates.japan_time(certificate.status_changed_at)))
    if certificate.status_reason:
        rows.append(_row(_("Reason"), certificate.status_reason))
    return _page(
        "residence/clerk/certificate.html",
        status,
        page_title=_("Copy %(document)s", document=certificate.document_id),
        rows=rows,
        revocable=certificate.status == DocumentStatus.ISSUED.value,
        action=url_for("clerk.revoke", document_id=certificate.document_id),
        subject_href=(
            url_for("clerk.resident", register_key=subject.register_key) if subject else None
        ),
        values=dict(values),
        errors=dict(errors),
    )


@bp.get("/certificates/<document_id>")
def certificate(document_id: str) -> Page:
    return _certificate_page(document_id, {}, {})


@bp.post("/certificates/<document_id>/revoke")
def revoke(document_id: str) -> Response | Page:
    expired = _form_or_expired("reason")
    if expired:
        return _certificate_page(document_id, _values(), expired, 400)
    reason = request.form.get("reason", "")
    problem = rules.reason_problem(reason)
    if problem is not None:
        return _certificate_page(document_id, _values(), messages({"reason": problem}), 400)
    try:
        revoked = backoffice.revoke_certificate(
            session=get_session(),
            clerk=_clerk(),
            document_id=document_id,
            reason=reason,
            now=_now(),
        )
    except backoffice.NotFound:
        abort(404)
    except backoffice.WrongState as wrong:
        flash(_wrong_state(wrong.reason), "info")
        return redirect(url_for("clerk.certificate", document_id=document_id[:40]), code=303)
    flash(_("Copy %(document)s revoked.", document=revoked.document_id), "success")
    return redirect(url_for("clerk.certificate", document_id=revoked.document_id), code=303)
