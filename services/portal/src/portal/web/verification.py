"""The verification page: upload a PDF or paste its QR text, get a verdict in plain words.

For a valid residence certificate the page also says whether the person still lives at the
address it shows, when the verifier (a bank, a landlord) enters the check code the person gave
them: the portal asks Sakuragi City through the exchange on the person's consent. Without a code
nothing is asked, and the page says how to get one. The page knows nobody as a government
verifier: agencies use the exchange API (``portal.exchange_api``).
"""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from govkit.certificates.trustlist import TrustListError
from govkit.certificates.verify import MAX_PDF_BYTES
from govkit.clock import today
from govkit.i18n import current_language
from govkit.web import get_settings
from portal import services
from portal.documents import documents
from portal.domain.consents import read_consent_code
from portal.domain.freshness import FreshnessRule, RuleKind
from portal.exchange import exchange_client
from portal.web import bp
from portal.web.forms import VerifyForm
from portal.web.presenters import address_data, verdict_view

_RESULT = "verification"


def _form_page(form: VerifyForm, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "portal/verify.html",
            page_title=_("Check a document"),
            form=form,
            errors=errors,
            error_list=[{"text": text, "href": f"#{field}"} for field, text in errors.items()],
            has_errors=bool(errors),
        ),
        status,
    )


@bp.get("/verify")
def verify_form() -> tuple[str, int]:
    return _form_page(VerifyForm(), {})


def read_rule(kind: str | None, custom_days: str | None) -> tuple[FreshnessRule | None, str | None]:
    """The relying party's rule from the form, or the error to show."""
    try:
        chosen = RuleKind(kind or RuleKind.NONE.value)
    except ValueError:
        return None, _("Choose how recent the document must be")
    if chosen is not RuleKind.CUSTOM:
        return FreshnessRule(chosen), None
    text = (custom_days or "").strip()
    # isdecimal, not isdigit: "²" is a digit that int() refuses; four digits at most keeps
    # int() away from its length limit.
    if not (text.isdecimal() and len(text) <= 4 and 1 <= int(text) <= 3650):
        return None, _("Enter a whole number of days from 1 to 3650")
    return FreshnessRule(chosen, int(text)), None


def read_check_code(text: str | None) -> tuple[str | None, str | None]:
    """(the check code or ``None`` when none was entered, the error to show)."""
    if text is None or not text.strip():
        return None, None
    code = read_consent_code(text)
    if code is None:
        return None, _("Enter the check code as the person gave it: C- and 16 letters and digits")
    return code, None


def read_upload() -> tuple[bytes | None, str | None, str | None]:
    """(pdf, qr text, error) from the request; a file over 10 MB raises 413."""
    upload = request.files.get("document")
    pdf = upload.read(MAX_PDF_BYTES + 1) if upload is not None and upload.filename else None
    if pdf is not None and len(pdf) > MAX_PDF_BYTES:
        raise RequestEntityTooLarge()
    qr_text = (request.form.get("qr") or "").strip() or None
    if pdf is None and qr_text is None:
        return None, None, _("Choose a PDF file or paste the text from its QR code")
    if pdf is not None and qr_text is not None:
        return None, None, _("Choose a PDF file or paste QR text, not both")
    return pdf, qr_text, None


def file_problem(pdf: bytes) -> str | None:
    """What is wrong with the chosen file before any seal can be looked for: on the page an
    empty file or one that is not a PDF is a mistake in the form, not a verdict (the API, which
    has no form, answers it with the verdict ``not-issued``)."""
    if not pdf.strip():
        return _("The selected file is empty")
    if not pdf.startswith(b"%PDF-"):
        return _("The selected file must be a PDF")
    return None


@bp.post("/verify")
def verify_submit() -> Response | tuple[str, int]:
    form = VerifyForm()
    if not form.validate_on_submit():  # only the CSRF token can fail here
        return _form_page(form, {"document": _("The form has expired. Send it again.")}, 400)
    errors: dict[str, str] = {}
    pdf, qr_text, upload_error = read_upload()
    if upload_error is None and pdf is not None:
        upload_error = file_problem(pdf)
    if upload_error:
        errors["document"] = upload_error
    rule, rule_error = read_rule(form.freshness.data, form.custom_days.data)
    if rule_error:
        errors["custom_days" if form.freshness.data == RuleKind.CUSTOM.value else "freshness"] = (
            rule_error
        )
    check_code, code_error = read_check_code(form.consent.data)
    if code_error:
        errors["consent"] = code_error
    if errors or rule is None:
        return _form_page(form, errors, 400)
    store = documents()
    try:
        store.trust.current()  # fails early when no trust list can be had at all
    except TrustListError:
        return _form_page(
            form,
            {"document": _("Documents cannot be checked right now: the kit's list of trusted "
                           "issuers is not available. Try again later.")},
            503,
        )  # fmt: skip
    verification = services.verify_document(
        pdf=pdf,
        qr_text=qr_text,
        trust=store.trust,
        status_source=store.status_source,
        rule=rule,
        today=today(get_settings()),
    )
    address = services.check_moved_since_issue(
        exchange=exchange_client(),
        result=verification.result,
        case_id=services.new_case_id(today(get_settings())),
        consent_id=check_code,
    )
    session[_RESULT] = {
        "result": verification.result.as_dict(),
        "freshness": _freshness_dict(verification),
        "address": address_data(address),
    }
    return redirect(url_for("portal.verify_result"), code=303)


def _freshness_dict(verification: services.Verification) -> dict[str, object] | None:
    assessed = verification.freshness
    if assessed is None:
        return None
    return {
        "age_days": assessed.age_days,
        "limit": assessed.limit.isoformat() if assessed.limit else None,
        "fresh": assessed.fresh,
        "rule": verification.rule.kind.value,
        "rule_days": verification.rule.days,
    }


@bp.get("/verify/result")
def verify_result() -> Response | str:
    data = session.get(_RESULT)
    if not data:
        return redirect(url_for("portal.verify_form"), code=303)
    view = verdict_view({**data, "language": current_language()})
    return render_template("portal/verify-result.html", page_title=view.title, view=view)
