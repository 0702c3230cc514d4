"""The portal's JSON API: document verification for relying parties' systems, and the
signed-in citizen's own data-usage record.

``POST /api/v1/verify`` takes either a multipart upload (``document``: the PDF) or JSON
``{"qr": "MDG1:…"}``; optionally a freshness rule (``freshness``: ``none`` | ``30-days`` |
``3-months`` | ``custom`` with ``custom_days``) and, for a residence certificate, the check code
the person gave the verifier (``consent``). It answers 200 with the verdict for anything it
could judge — a non-PDF gets ``not-issued``, not an error — and problem+json for requests it
cannot read. ``address_check`` says whether the person on a valid residence certificate still
lives at its address (``null`` for other documents; ``asked: false`` without a check code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, request
from flask_babel import force_locale

from govkit.access import AccessRule
from govkit.auth import current_citizen
from govkit.certificates.trustlist import TrustListError
from govkit.clock import today
from govkit.errors import Problem
from govkit.web import get_settings
from portal import services
from portal.documents import documents
from portal.domain import usage
from portal.domain.consents import PROBLEM_BASE
from portal.domain.freshness import FreshnessRule
from portal.exchange import exchange_client
from portal.web.presenters import REASONS, VERDICT_TITLES, address_data, address_text
from portal.web.verification import read_check_code, read_rule, read_upload
from portal.web.wording import chain_summary, failure_message, failure_status

bp = Blueprint("portal_api", __name__, url_prefix="/api/v1")


def _both(messages: dict[str, Any], key: str) -> dict[str, str]:
    out = {}
    for language in ("ja", "en"):
        with force_locale(language):
            out[language] = str(messages.get(key, key))
    return out


@dataclass(frozen=True)
class VerificationRequest:
    """What a relying party's system sent to be checked."""

    pdf: bytes | None
    qr_text: str | None
    rule: FreshnessRule
    #: The person's check code (``consent``), for a residence certificate.
    check_code: str | None


def read_verification_request() -> VerificationRequest:
    """The request of ``POST /api/v1/verify`` (and of the exchange's verification service),
    or a 400 problem saying what is wrong."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("qr"), str) or not body["qr"]:
            raise Problem(400, "QR text expected", 'send {"qr": "MDG1:..."} or upload a PDF')
        pdf, qr_text = None, body["qr"]
        rule, rule_error = read_rule(body.get("freshness"), str(body.get("custom_days") or ""))
        code = body.get("consent")
    else:
        pdf, qr_text, upload_error = read_upload()
        if upload_error:
            raise Problem(400, "Nothing to check", upload_error)
        rule, rule_error = read_rule(request.form.get("freshness"), request.form.get("custom_days"))
        code = request.form.get("consent")
    if rule_error or rule is None:
        raise Problem(400, "Invalid freshness rule", rule_error)
    if code is not None and not isinstance(code, str):
        raise Problem(400, "Invalid check code", "consent must be a string (C-…)")
    check_code, code_error = read_check_code(code)
    if code_error:
        raise Problem(400, "Invalid check code", code_error)
    return VerificationRequest(pdf, qr_text, rule, check_code)


def verify_sent(sent: VerificationRequest) -> services.Verification:
    """Judge what was sent (503 problem when no trust list can be had at all)."""
    store = documents()
    try:
        store.trust.current()  # fails early when no trust list can be had at all
    except TrustListError as exc:
        raise Problem(503, "Trust list unavailable", str(exc)) from None
    return services.verify_document(
        pdf=sent.pdf, qr_text=sent.qr_text, trust=store.trust, status_source=store.status_source,
        rule=sent.rule, today=today(get_settings()),
    )  # fmt: skip


def verification_answer(
    verification: services.Verification, address: services.AddressOutcome | None
) -> dict[str, Any]:
    """The JSON answer: the verdict, its explanations in Japanese and English, the freshness
    rule applied, and whether the person on a residence certificate moved since its issue."""
    result = verification.result
    assessed = verification.freshness
    rule = verification.rule
    check = address_data(address)
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
        "address_check": None if check is None else {**check, "message": _address_message(check)},
    }


def _address_message(check: dict[str, Any]) -> dict[str, str]:
    out = {}
    for language in ("ja", "en"):
        with force_locale(language):
            out[language] = address_text(check)[0]
    return out


@bp.post("/verify")
def verify() -> dict[str, Any]:
    sent = read_verification_request()
    verification = verify_sent(sent)
    address = services.check_moved_since_issue(
        exchange=exchange_client(),
        result=verification.result,
        case_id=services.new_case_id(today(get_settings())),
        consent_id=sent.check_code,
    )
    return verification_answer(verification, address)


# -- the signed-in citizen's own data --------------------------------------------------------------


def _signed_in_api() -> None:
    """The citizen's browser session (cookie), answered as problem+json when there is none."""
    if current_citizen() is None:
        raise Problem(
            401,
            "Not signed in",
            "sign in to the portal first",
            type=PROBLEM_BASE + "not-signed-in",
        )


#: The citizen's own data, for scripts in their signed-in browser (no CSRF: reads only).
CITIZEN_API = AccessRule("citizen-api", _signed_in_api, api=True)
me = Blueprint("portal_me", __name__, url_prefix="/api/v1/me")


@me.get("/data-usage")
def my_data_usage() -> dict[str, Any]:
    """The register's data-usage record about the signed-in citizen, as received, with the
    portal's check of its hash chain and the names of the agencies in it."""
    citizen = current_citizen()
    subject = citizen.exchange_id if citizen is not None else None
    if subject is None:
        raise Problem(
            403,
            "No exchange identity",
            "Madoguchi ID did not release the citizen's exchange identity to the portal",
            type=PROBLEM_BASE + "no-exchange-identity",
        )
    outcome = services.fetch_data_usage(
        exchange=exchange_client(),
        subject=subject,
        case_id=services.new_case_id(today(get_settings())),
    )
    if outcome.failure is not None:
        failure = outcome.failure
        status = failure_status(failure)
        message = {language: _message_in(language, failure) for language in ("ja", "en")}
        raise Problem(
            status if status != 200 else 502,
            "The data-usage record is not available",
            message["en"],
            type=PROBLEM_BASE + failure.reason.value,
            reason=failure.reason.value,
            message=message,
            case_id=outcome.case_id,
        )
    verdict = outcome.verdict
    assert verdict is not None
    members = sorted(
        {usage.member_of(r.get("client")) for r in outcome.records if isinstance(r, dict)} - {""}
    )
    return {
        "resident": subject,
        "case_id": outcome.case_id,
        "events": outcome.records,
        "head": outcome.head,
        "chain": {
            "intact": verdict.intact,
            "records": verdict.records,
            "broken_at": verdict.broken_at,
            "problem": verdict.problem.value if verdict.problem else None,
            "summary": {language: _summary_in(language, verdict) for language in ("ja", "en")},
        },
        "agencies": {
            member: {"ja": usage.agency(member).name("ja"), "en": usage.agency(member).name("en")}
            for member in members
        },
    }


def _message_in(language: str, failure: Any) -> str:
    with force_locale(language):
        return failure_message(failure)


def _summary_in(language: str, verdict: usage.ChainVerdict) -> str:
    with force_locale(language):
        return chain_summary(verdict)
