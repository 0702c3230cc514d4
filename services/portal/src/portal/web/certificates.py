"""The specimen certificate journey: issue one, download it, check it, revoke it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from govkit.certificates.issuer import DocumentView, Row
from govkit.certificates.seal import SealingError
from govkit.clock import today
from govkit.db import get_session
from govkit.web import get_settings
from portal import repository, services
from portal.documents import SealMissing, documents
from portal.web import bp
from portal.web.forms import ConfirmForm
from portal.web.owner import current_owner


def _render_pdf_html(view: DocumentView, rows: list[Row]) -> str:
    return render_template("portal/certificates/specimen.html", doc=view, rows=rows)


def _start_page(
    form: ConfirmForm, problem: str | None = None, status: int = 200
) -> tuple[str, int]:
    return (
        render_template(
            "portal/specimen-start.html",
            page_title=_("Try a signed certificate"),
            form=form,
            problem=problem,
        ),
        status,
    )


@bp.get("/certificates/specimen")
def specimen_start() -> tuple[str, int]:
    if not documents().can_issue():
        return _start_page(ConfirmForm(), _("Issuing is not set up on this portal yet."))
    return _start_page(ConfirmForm())


@bp.post("/certificates/specimen")
def specimen_issue() -> Response | tuple[str, int]:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    settings = get_settings()
    try:
        record = services.issue_specimen(
            session=get_session(),
            issuer=documents().issuer(),
            render=_render_pdf_html,
            portal_url=settings.public_url,
            today=today(settings),
            now=datetime.now(UTC),
            validity_days=settings.specimen_validity_days,  # type: ignore[attr-defined]
            owner=current_owner(create=True),
        )
    except SealMissing:
        return _start_page(form, _("Issuing is not set up on this portal yet."), 503)
    except SealingError:
        return _start_page(
            form,
            _("The certificate could not be sealed because the trust service did not answer. "
              "Nothing was issued. Try again in a few minutes."),
            503,
        )  # fmt: skip
    return redirect(url_for("portal.specimen_ready", document_id=record.id), code=303)


@bp.get("/certificates/specimen/<document_id>")
def specimen_ready(document_id: str) -> str:
    record = repository.find_document(session=get_session(), document_id=document_id)
    if record is None:
        abort(404)
    mine = record.owner is not None and record.owner == current_owner()
    return render_template(
        "portal/specimen-ready.html",
        page_title=_("Your specimen certificate is ready")
        if record.status == "issued"
        else _("This specimen certificate has been revoked"),
        record=record,
        can_revoke=mine and record.status == "issued",
        form=ConfirmForm(),
    )


@bp.get("/certificates/specimen/<document_id>.pdf")
def specimen_pdf(document_id: str) -> Response:
    record = repository.find_document(session=get_session(), document_id=document_id)
    if record is None:
        abort(404)
    return send_file(
        io.BytesIO(record.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{record.id}.pdf",
    )


@bp.post("/certificates/specimen/<document_id>/revoke")
def specimen_revoke(document_id: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_document(
            session=get_session(),
            document_id=document_id,
            owner=current_owner(),
            reason="Revoked by the person who asked for it",
            now=datetime.now(UTC),
        )
    except repository.RecordNotFound:
        abort(404)
    except services.NotYours:
        abort(403)
    flash(_("The specimen certificate has been revoked."))
    return redirect(url_for("portal.specimen_ready", document_id=document_id), code=303)
