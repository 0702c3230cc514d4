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
from residence.domain.chain import GENESIS
from residence.domain.consent import Refusal
from residence.domain.errors import DataRefused, MissingLegalBasis, UnknownResident
from residence.providers import ConsentChecker

#: Where the app keeps its consent checker (a fake in tests).
CONSENTS_EXTENSION = "residence.consents"
#: What an exchange id may look like: a pseudonym is 43 URL-safe characters.
_EXCHANGE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
#: Header values the register stores (the exchange's ids, the issue).
_MAX_HEADER = 255

_TITLES = {
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


@bp.get("/openapi.json")
def openapi() -> Response:
    settings = get_settings()
    return _json(document(settings.public_url, current_app.config["GOVKIT_VERSION"]))
