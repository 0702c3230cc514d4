""" "Your documents" (わたしの証明書): the residence certificates Sakuragi City issued to the
signed-in citizen, each downloadable, and their check code for verifiers.

The list and the PDFs come from the register's ``documents`` service through the exchange each
time; the portal passes a PDF through to the browser and keeps nothing. The check code is the
citizen's consent to the register's ``address-check`` service: whoever they give it to (a bank,
a landlord) can ask on the verification page whether they still live at the address on their
certificate.
"""

from __future__ import annotations

import re

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from govkit.auth import login_required
from govkit.clock import today
from govkit.db import get_session
from govkit.web import get_settings
from portal import providers, services
from portal.domain.consents import ADDRESS_CHECK, Action
from portal.exchange import exchange_client
from portal.providers import Reason
from portal.web import bp
from portal.web import wording as w
from portal.web.mydata import LEVEL, exchange_identity, no_exchange_identity

#: What a certificate's document number may look like (anything else is not one of them).
DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def _page(outcome: services.DocumentsOutcome, message: str | None, status: int) -> tuple[str, int]:
    code = outcome.check_code
    return (
        render_template(
            "portal/my-documents.html",
            page_title=_("Your documents"),
            rows=[w.document_row(c) for c in outcome.certificates],
            message=message,
            case_id=outcome.case_id,
            check_code=code.id if code is not None else None,
            give_code_url=url_for(
                "portal.consent_decide_confirm",
                offer_key=ADDRESS_CHECK.key,
                action=Action.GIVE.value,
            ),
            withdraw_code_url=url_for("portal.consent_withdraw_confirm", consent_id=code.id)
            if code is not None
            else None,
        ),
        status,
    )


def _documents(subject: str) -> services.DocumentsOutcome:
    return services.fetch_my_documents(
        session=get_session(),
        exchange=exchange_client(),
        subject=subject,
        case_id=services.new_case_id(today(get_settings())),
    )


@bp.get("/my-documents")
@login_required(acr=LEVEL)
def my_documents() -> tuple[str, int]:
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    outcome = _documents(subject)
    if outcome.failure is not None:
        return _page(outcome, w.failure_message(outcome.failure), w.failure_status(outcome.failure))
    return _page(outcome, None, 200)


@bp.get("/my-documents/<document_id>/pdf")
@login_required(acr=LEVEL)
def my_document_pdf(document_id: str) -> Response | tuple[str, int]:
    """The certificate's signed PDF, fetched from the register and passed through."""
    if not DOCUMENT_ID.fullmatch(document_id):
        abort(404)
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    case_id = services.new_case_id(today(get_settings()))
    try:
        pdf = services.fetch_my_document_pdf(
            exchange=exchange_client(), subject=subject, document_id=document_id, case_id=case_id
        )
    except providers.ExchangeFailed as failure:
        if failure.reason is Reason.UNKNOWN_DOCUMENT:
            abort(404)  # not theirs, or none: the same answer
        outcome = services.DocumentsOutcome(case_id, failure=failure)
        return _page(outcome, w.failure_message(failure), w.failure_status(failure))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{document_id}.pdf"'},
    )
