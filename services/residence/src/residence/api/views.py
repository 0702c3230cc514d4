"""The exchange endpoints: adapters that read the call, run the use case and answer JSON.

Problems are ``application/problem+json`` with a type under :data:`PROBLEM_BASE`; bad input
is a 4xx, never a 500.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, request

from govkit.clock import today
from govkit.db import get_session
from govkit.errors import Problem
from govkit.exchange import IncomingCall, InvalidCall
from govkit.web import get_settings
from residence import services
from residence.api import bp
from residence.api.openapi import PROBLEM_BASE, document
from residence.domain import agency_services as rules
from residence.domain.agency_services import BasisRefusal, BasisRefused, UnknownDocument
from residence.domain.chain import GENESIS
from residence.domain.consent import Refusal
from residence.domain.errors import DataRefused, MissingLegalBasis, UnknownResident
from residence.providers import ConsentChecker

#: Where the app keeps its consent checker (a fake in tests).
CONSENTS_EXTENSION = "residence.consents"
#: What an exchange id may look like: a pseudonym is 43 URL-safe characters.
_EXCHANGE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
#: What a certificate's document number may look like.
_DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
#: Header values the register stores (the exchange's ids, the issue).
_MAX_HEADER = 255
#: The government subsystem the portal relays an address check for (the verifier that called
#: the portal's verification service through the exchange).
ON_BEHALF_OF = "X-Madoguchi-On-Behalf-Of"
#: The largest ``after`` of the register-event feed (event ids are 64-bit).
_MAX_EVENT_ID = 10**18

_TITLES: dict[str, str] = {
    BasisRefusal.STATUTORY_BASIS_NEEDED: "A statutory basis is needed",
    BasisRefusal.CONSENT_NEEDED: "The resident's consent is needed",
    BasisRefusal.NOT_THE_OWNER: "Not the citizen's own documents",
    Refusal.CONSENT_WITHDRAWN: "Consent withdrawn",
    Refusal.CONSENT_REFUSED: "Consent not given",
    Refusal.CONSENT_NOT_FOUND: "Consent not found",
    Refusal.CONSENT_MISMATCH: "Consent does not match the call",
    Refusal.CONSENT_UNVERIFIABLE: "Consent could not be checked",
}


def consent_checker() -> ConsentChecker:
    return current_app.extensions[CONSENTS_EXTENSION]


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )


def _incoming_call() -> IncomingCall:
    try:
        call = IncomingCall.from_headers(request.headers)
    except InvalidCall as error:
        raise Problem(
            400,
            "Not a valid exchange call",
            f"{error.header}: {error.message}",
            type=PROBLEM_BASE + "invalid-exchange-call",
            header=error.header,
        ) from None
    for header, value in (
        ("X-Road-Id", call.x_road_id),
        ("X-Road-UserId", call.user_id),
        ("X-Road-Issue", call.issue),
    ):
        if value is not None and len(value) > _MAX_HEADER:
            raise Problem(
                400,
                "Not a valid exchange call",
                f"{header}: longer than {_MAX_HEADER} characters",
                type=PROBLEM_BASE + "invalid-exchange-call",
                header=header,
            )
    return call


def _unknown_document() -> Problem:
    return Problem(
        404,
        "Unknown document",
        "Sakuragi City has issued no certificate with this number.",
        type=PROBLEM_BASE + "unknown-document",
    )


def _basis_problem(refused: BasisRefused) -> Problem:
    return Problem(
        403,
        _TITLES[refused.refusal],
        refused.reason,
        type=PROBLEM_BASE + refused.refusal.value,
    )


def _unknown_resident() -> Problem:
    return Problem(
        404,
        "Unknown resident",
        "Nobody in Sakuragi City's resident register has this exchange id.",
        type=PROBLEM_BASE + "unknown-resident",
    )


@bp.get("/basic-four/residents/<exchange_id>")
def basic_four(exchange_id: str) -> Response:
    call = _incoming_call()
    if call.legal_basis is None:
        raise _missing_legal_basis()
    if not _EXCHANGE_ID.fullmatch(exchange_id):
        raise _unknown_resident()
    try:
        answer = services.look_up_basic_four(
            session=get_session(),
            exchange_id=exchange_id,
            call=call,
            consents=consent_checker(),
            today=today(get_settings()),
            now=datetime.now(UTC),
        )
    except MissingLegalBasis:
        raise _missing_legal_basis() from None
    except UnknownResident:
        raise _unknown_resident() from None
    except DataRefused as refused:
        raise _refusal_problem(refused, call) from None
    return _json(answer)


def _missing_legal_basis() -> Problem:
    return Problem(
        400,
        "Missing legal basis",
        "Send X-Madoguchi-Legal-Basis: consent:<consent id> or law:<statutory article> "
        "(percent-encoded UTF-8).",
        type=PROBLEM_BASE + "missing-legal-basis",
    )


def _refusal_problem(refused: DataRefused, call: IncomingCall) -> Problem:
    decision = refused.decision
    refusal = decision.refusal or Refusal.CONSENT_REFUSED
    extensions: dict[str, Any] = {"consent_id": call.consent_id}
    if refusal is Refusal.CONSENT_WITHDRAWN:
        extensions["withdrawn_at"] = decision.withdrawn_at
    status = 503 if refusal is Refusal.CONSENT_UNVERIFIABLE else 403
    return Problem(
        status,
        _TITLES[refusal],
        decision.reason,
        type=PROBLEM_BASE + refusal.value,
        **extensions,
    )


@bp.get("/data-usage/residents/<exchange_id>/events")
def data_usage(exchange_id: str) -> Response:
    _incoming_call()
    if not _EXCHANGE_ID.fullmatch(exchange_id):
        return _json(services.DataUsage(exchange_id, [], GENESIS).as_dict())
    usage = services.list_data_usage(session=get_session(), exchange_id=exchange_id)
    return _json(usage.as_dict())


@bp.get("/household/residents/<exchange_id>/household")
def household(exchange_id: str) -> Response:
    call = _incoming_call()
    if call.legal_basis is None:
        raise _missing_legal_basis()
    if not _EXCHANGE_ID.fullmatch(exchange_id):
        raise _unknown_resident()
    try:
        answer = services.look_up_household(
            session=get_session(),
            exchange_id=exchange_id,
            call=call,
            today=today(get_settings()),
            now=datetime.now(UTC),
        )
    except UnknownResident:
        raise _unknown_resident() from None
    except BasisRefused as refused:
        raise _basis_problem(refused) from None
    return _json(answer)


@bp.get("/address-check/certificates/<document_id>")
def address_check(document_id: str) -> Response:
    call = _incoming_call()
    if call.legal_basis is None:
        raise _missing_legal_basis()
    on_behalf_of = request.headers.get(ON_BEHALF_OF) or None
    if on_behalf_of is not None and len(on_behalf_of) > _MAX_HEADER:
        raise Problem(
            400,
            "Not a valid exchange call",
            f"{ON_BEHALF_OF}: longer than {_MAX_HEADER} characters",
            type=PROBLEM_BASE + "invalid-exchange-call",
            header=ON_BEHALF_OF,
        )
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise _unknown_document()
    try:
        answer = services.check_address(
            session=get_session(),
            document_id=document_id,
            call=call,
            on_behalf_of=on_behalf_of,
            consents=consent_checker(),
            today=today(get_settings()),
            now=datetime.now(UTC),
        )
    except (UnknownDocument, UnknownResident):
        raise _unknown_document() from None
    except BasisRefused as refused:
        raise _basis_problem(refused) from None
    except DataRefused as refused:
        raise _refusal_problem(refused, call) from None
    return _json(answer)


def _query_number(name: str, *, default: int, low: int, high: int) -> int:
    values = request.args.getlist(name)
    value = (
        rules.parse_count(values[0] if values else None, default=default, low=low, high=high)
        if len(values) <= 1
        else None  # named twice
    )
    if value is None:
        raise Problem(
            400,
            "Invalid query",
            f"{name} must be one whole number from {low} to {high}",
            type=PROBLEM_BASE + "invalid-query",
            parameter=name,
        )
    return value


@bp.get("/address-changes/events")
def address_changes() -> Response:
    call = _incoming_call()
    if call.legal_basis is None:
        raise _missing_legal_basis()
    after = _query_number("after", default=0, low=0, high=_MAX_EVENT_ID)
    limit = _query_number("limit", default=rules.MAX_EVENTS, low=1, high=rules.MAX_EVENTS)
    try:
        answer = services.list_register_events(
            session=get_session(), call=call, after=after, limit=limit, now=datetime.now(UTC)
        )
    except BasisRefused as refused:
        raise _basis_problem(refused) from None
    return _json(answer)


@bp.get("/documents/residents/<exchange_id>/certificates")
def own_certificates(exchange_id: str) -> Response:
    call = _incoming_call()
    if call.legal_basis is None:
        raise _missing_legal_basis()
    if not _EXCHANGE_ID.fullmatch(exchange_id):
        raise _unknown_resident()
    try:
        answer = services.list_own_certificates(
            session=get_session(),
            exchange_id=exchange_id,
            call=call,
            consents=consent_checker(),
            now=datetime.now(UTC),
        )
    except UnknownResident:
        raise _unknown_resident() from None
    except BasisRefused as refused:
        raise _basis_problem(refused) from None
    except DataRefused as refused:
        raise _refusal_problem(refused, call) from None
    return _json(answer)


@bp.get("/documents/residents/<exchange_id>/certificates/<document_id>/pdf")
def own_certificate_pdf(exchange_id: str, document_id: str) -> Response:
    call = _incoming_call()
    if call.legal_basis is None:
        raise _missing_legal_basis()
    if not _EXCHANGE_ID.fullmatch(exchange_id):
        raise _unknown_resident()
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise _unknown_document()
    try:
        pdf = services.own_certificate_pdf(
            session=get_session(),
            exchange_id=exchange_id,
            document_id=document_id,
            call=call,
            consents=consent_checker(),
            now=datetime.now(UTC),
        )
    except UnknownResident:
        raise _unknown_resident() from None
    except UnknownDocument:
        raise _unknown_document() from None
    except BasisRefused as refused:
        raise _basis_problem(refused) from None
    except DataRefused as refused:
        raise _refusal_problem(refused, call) from None
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{document_id}.pdf"'},
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    settings = get_settings()
    return _json(document(settings.public_url, current_app.config["GOVKIT_VERSION"]))
