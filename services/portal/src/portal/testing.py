"""Test-only endpoints (Notify's functional-test pattern): on only with
``PORTAL_TESTING_ENDPOINTS=true``, which only the acceptance suite sets."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, abort, request

from govkit.access import AccessRule
from govkit.db import get_session
from govkit.errors import Problem
from govkit.web import get_settings
from portal import services
from portal.documents import documents
from portal.web.certificates import _render_pdf_html


def _enabled() -> None:
    if not getattr(get_settings(), "testing_endpoints", False):
        abort(404)


TESTING = AccessRule("testing", _enabled, api=True)
bp = Blueprint("portal_testing", __name__, url_prefix="/__testing")


@bp.post("/specimens")
def backdated_specimen() -> tuple[dict[str, str], int]:
    """Issue a specimen as if on ``issued_on`` (to try freshness rules and expiry)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Problem(400, "issued_on (YYYY-MM-DD) required", 'send {"issued_on": "YYYY-MM-DD"}')
    try:
        issued_on = date.fromisoformat(str(body["issued_on"]))
    except (KeyError, ValueError):
        raise Problem(400, "issued_on (YYYY-MM-DD) required") from None
    settings = get_settings()
    record = services.issue_specimen(
        session=get_session(),
        issuer=documents().issuer(),
        render=_render_pdf_html,
        portal_url=settings.public_url,
        today=issued_on,
        now=datetime.now(UTC),
        validity_days=settings.specimen_validity_days,  # type: ignore[attr-defined]
        owner=None,
    )
    return {"document_id": record.id, "pdf_url": f"/certificates/specimen/{record.id}.pdf"}, 201
