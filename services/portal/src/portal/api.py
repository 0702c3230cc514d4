"""The portal's JSON API: document verification for relying parties' systems.

``POST /api/v1/verify`` takes either a multipart upload (``document``: the PDF) or JSON
``{"qr": "MDG1:…"}``; optionally a freshness rule (``freshness``: ``none`` | ``30-days`` |
``3-months`` | ``custom`` with ``custom_days``). It answers 200 with the verdict for anything it
could judge — a non-PDF gets ``not-issued``, not an error — and problem+json for requests it
cannot read.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import force_locale

from govkit.certificates.trustlist import TrustListError
from govkit.clock import today
from govkit.errors import Problem
from govkit.web import get_settings
from portal import services
from portal.documents import documents
from portal.web.presenters import REASONS, VERDICT_TITLES
from portal.web.verification import read_rule, read_upload

bp = Blueprint("portal_api", __name__, url_prefix="/api/v1")


def _both(messages: dict[str, Any], key: str) -> dict[str, str]:
    out = {}
    for language in ("ja", "en"):
        with force_locale(language):
            out[language] = str(messages.get(key, key))
    return out


@bp.post("/verify")
def verify() -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("qr"), str) or not body["qr"]:
            raise Problem(400, "QR text expected", 'send {"qr": "MDG1:..."} or upload a PDF')
        pdf, qr_text = None, body["qr"]
        rule, rule_error = read_rule(body.get("freshness"), str(body.get("custom_days") or ""))
    else:
        pdf, qr_text, upload_error = read_upload()
        if upload_error:
            raise Problem(400, "Nothing to check", upload_error)
        rule, rule_error = read_rule(request.form.get("freshness"), request.form.get("custom_days"))
    if rule_error or rule is None:
        raise Problem(400, "Invalid freshness rule", rule_error)
    store = documents()
    try:
        store.trust.current()  # fails early when no trust list can be had at all
    except TrustListError as exc:
        raise Problem(503, "Trust list unavailable", str(exc)) from None
    verification = services.verify_document(
        pdf=pdf, qr_text=qr_text, trust=store.trust, status_source=store.status_source,
        rule=rule, today=today(get_settings()),
    )  # fmt: skip
    result = verification.result
    assessed = verification.freshness
    return {
        **result.as_dict(),
        "title": _both(VERDICT_TITLES, result.verdict.value),
        "explanations": [_both(REASONS, code) for code in result.reasons],
        "freshness": None
        if assessed is None
        else {
            "rule": rule.kind.value,
            "rule_days": rule.days,
            "age_days": assessed.age_days,
            "limit": assessed.limit.isoformat() if assessed.limit else None,
            "fresh": assessed.fresh,
        },
    }
