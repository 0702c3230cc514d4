"""Test-only endpoints (Notify's functional-test pattern): on only with
``RESIDENCE_TESTING_ENDPOINTS=true``, which only the acceptance suite sets.

``POST /__testing/certificates`` issues a resident's own copy as if on an earlier day (to try a
recipient's freshness rule); ``GET /__testing/certificates/<id>.pdf`` hands it over.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, request

from govkit.access import AccessRule
from govkit.db import get_session
from govkit.errors import Problem
from govkit.web import get_settings
from residence import journey, repository
from residence.documents import seal
from residence.domain.eligibility import Requester
from residence.domain.items import Purpose, Route


def _enabled() -> None:
    if not getattr(get_settings(), "testing_endpoints", False):
        abort(404)


TESTING = AccessRule("testing", _enabled, api=True)
bp = Blueprint("residence_testing", __name__, url_prefix="/__testing")
_JST = timedelta(hours=9)


@bp.post("/certificates")
def backdated_certificate() -> tuple[dict[str, str], int]:
    body = request.get_json(silent=True) or {}
    try:
        issued_on = date.fromisoformat(str(body["issued_on"]))
        purpose = Purpose(body.get("purpose", Purpose.BANK))
    except (KeyError, ValueError):
        raise Problem(400, "issued_on (YYYY-MM-DD) and a known purpose required") from None
    db = get_session()
    person = journey.person(db, str(body.get("register_key", "")))
    if person is None:
        raise Problem(400, "Unknown resident", "register_key names nobody on the register")
    resident = repository.find_resident(session=db, register_key=person.register_key)
    settings = get_settings()
    outcome = journey.submit_request(
        session=db,
        issuer=seal().issuer,
        requester_sub=f"testing:{person.register_key}",
        requester=Requester(
            resident.exchange_pseudonym if resident else None, person.full_name, person.birthdate
        ),
        answers=journey.Answers(route=Route.SELF, subject=person.register_key, purpose=purpose),
        signature=None,
        check=lambda _data, _digest: False,
        fee_per_copy=settings.certificate_fee_yen,  # type: ignore[attr-defined]
        public_url=settings.public_url,
        verify_url=settings.verification_page_url,
        now=datetime.combine(issued_on, time(9), tzinfo=UTC) - _JST,
        today=issued_on,
    )
    if not outcome.certificates:
        raise Problem(400, "Not issued", f"the rules said {outcome.request.refusal}")
    number = outcome.certificates[0].document_id
    return {"document_id": number, "pdf_url": f"/__testing/certificates/{number}.pdf"}, 201


@bp.get("/certificates/<document_id>.pdf")
def backdated_pdf(document_id: str) -> Response:
    certificate = repository.find_certificate(session=get_session(), document_id=document_id)
    if certificate is None:
        abort(404)
    return Response(certificate.pdf, mimetype="application/pdf")
