"""The exchange endpoints: adapters that read the call, run the use case and answer JSON.

Problems are ``application/problem+json`` with a type under :data:`PROBLEM_BASE`; bad input
is a 4xx, never a 500. The domain's outcomes (:class:`UnknownResident`,
:class:`UnknownDocument`, :class:`MissingLegalBasis`, :class:`BasisRefused`,
:class:`DataRefused`) become problems in the blueprint's error handlers below, so a view only
reads the call, runs the use case and answers.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, g, request

from govkit.clock import today
from govkit.db import get_session
from govkit.errors import Problem, problem_response
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


# -- domain outcomes as problems -------------------------------------------------------------------


def _problem(status: int, title: str, detail: str, kind: str, **extensions: Any) -> Response:
    return problem_response(Problem(status, title, detail, type=PROBLEM_BASE + kind, **extensions))


@bp.errorhandler(MissingLegalBasis)
def _missing_legal_basis(_error: MissingLegalBasis) -> Response:
    return _problem(
        400,
        "Missing legal basis",
        "Send X-Madoguchi-Legal-Basis: consent:<consent id> or law:<statutory article> "
        "(percent-encoded UTF-8).",
        "missing-legal-basis",
    )


@bp.errorhandler(UnknownResident)
def _unknown_resident(_error: UnknownResident) -> Response:
    if "exchange_id" not in (request.view_args or {}):
        # A call that names a certificate, not a resident (the address check), learns nothing
        # about residents: a person who has left the register is an unknown document there.
        return _unknown_document(UnknownDocument())
    return _problem(
        404,
        "Unknown resident",
        "Nobody in Sakuragi City's resident register has this exchange id.",
        "unknown-resident",
    )


@bp.errorhandler(UnknownDocument)
def _unknown_document(_error: UnknownDocument) -> Response:
    return _problem(
        404,
        "Unknown document",
        "Sakuragi City has issued no certificate with this number.",
        "unknown-document",
    )


@bp.errorhandler(BasisRefused)
def _basis_refused(refused: BasisRefused) -> Response:
    return _problem(403, _TITLES[refused.refusal], refused.reason, refused.refusal.value)


@bp.errorhandler(DataRefused)
def _data_refused(refused: DataRefused) -> Response:
    call: IncomingCall = g.exchange_call  # kept by _incoming_call
    decision = refused.decision
    refusal = decision.refusal or Refusal.CONSENT_REFUSED
    extensions: dict[str, Any] = {"consent_id": call.consent_id}
    if refusal is Refusal.CONSENT_WITHDRAWN:
        extensions["withdrawn_at"] = decision.withdrawn_at
    status = 503 if refusal is Refusal.CONSENT_UNVERIFIABLE else 403
    return _problem(status, _TITLES[refusal], decision.reason, refusal.value, **extensions)


# -- reading the call ------------------------------------------------------------------------------


def _invalid_call(header: str, message: str) -> Problem:
    return Problem(
        400,
        "Not a valid exchange call",
        f"{header}: {message}",
        type=PROBLEM_BASE + "invalid-exchange-call",
        header=header,
    )


def _check_length(header: str, value: str | None) -> None:
    if value is not None and len(value) > _MAX_HEADER:
        raise _invalid_call(header, f"longer than {_MAX_HEADER} characters")


def _incoming_call() -> IncomingCall:
    """The call the security server vouched for (also kept as ``g.exchange_call``)."""
    try:
        call = IncomingCall.from_headers(request.headers)
    except InvalidCall as error:
        raise _invalid_call(error.header, error.message) from None
    _check_length("X-Road-Id", call.x_road_id)
    _check_length("X-Road-UserId", call.user_id)
    _check_length("X-Road-Issue", call.issue)
    g.exchange_call = call
    return call


def _exchange_call(
    *, exchange_id: str | None = None, document_id: str | None = None
) -> IncomingCall:
    """The incoming call, with a legal basis (:class:`MissingLegalBasis`), about a resident
    and/or a certificate whose ids are well formed (:class:`UnknownResident`,
    :class:`UnknownDocument` otherwise)."""
    call = _incoming_call()
    if call.legal_basis is None:
        raise MissingLegalBasis()
    if exchange_id is not None and not _EXCHANGE_ID.fullmatch(exchange_id):
        raise UnknownResident(exchange_id)
    if document_id is not None and not _DOCUMENT_ID.fullmatch(document_id):
        raise UnknownDocument(document_id)
    return call


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


# -- the endpoints ---------------------------------------------------------------------------------


@bp.get("/basic-four/residents/<exchange_id>")
def basic_four(exchange_id: str) -> Response:
    call = _exchange_call(exchange_id=exchange_id)
    answer = services.look_up_basic_four(
        session=get_session(),
        exchange_id=exchange_id,
        call=call,
        consents=consent_checker(),
        today=today(get_settings()),
        now=datetime.now(UTC),
    )
    return _json(answer)


@bp.get("/data-usage/residents/<exchange_id>/events")
def data_usage(exchange_id: str) -> Response:
    _incoming_call()
    if not _EXCHANGE_ID.fullmatch(exchange_id):
        return _json(services.DataUsage(exchange_id, [], GENESIS).as_dict())
    usage = services.list_data_usage(session=get_session(), exchange_id=exchange_id)
    return _json(usage.as_dict())


@bp.get("/household/residents/<exchange_id>/household")
def household(exchange_id: str) -> Response:
    call = _exchange_call(exchange_id=exchange_id)
    answer = services.look_up_household(
        session=get_session(),
        exchange_id=exchange_id,
        call=call,
        today=today(get_settings()),
        now=datetime.now(UTC),
    )
    return _json(answer)


@bp.get("/address-check/certificates/<document_id>")
def address_check(document_id: str) -> Response:
    call = _exchange_call()
    on_behalf_of = request.headers.get(ON_BEHALF_OF) or None
    _check_length(ON_BEHALF_OF, on_behalf_of)
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise UnknownDocument(document_id)
    answer = services.check_address(
        session=get_session(),
        document_id=document_id,
        call=call,
        on_behalf_of=on_behalf_of,
        consents=consent_checker(),
        today=today(get_settings()),
        now=datetime.now(UTC),
    )
    return _json(answer)


@bp.get("/address-changes/events")
def address_changes() -> Response:
    call = _exchange_call()
    after = _query_number("after", default=0, low=0, high=_MAX_EVENT_ID)
    limit = _query_number("limit", default=rules.MAX_EVENTS, low=1, high=rules.MAX_EVENTS)
    answer = services.list_register_events(
        session=get_session(), call=call, after=after, limit=limit, now=datetime.now(UTC)
    )
    return _json(answer)


@bp.get("/documents/residents/<exchange_id>/certificates")
def own_certificates(exchange_id: str) -> Response:
    call = _exchange_call(exchange_id=exchange_id)
    answer = services.list_own_certificates(
        session=get_session(),
        exchange_id=exchange_id,
        call=call,
        consents=consent_checker(),
        now=datetime.now(UTC),
    )
    return _json(answer)


@bp.get("/documents/residents/<exchange_id>/certificates/<document_id>/pdf")
def own_certificate_pdf(exchange_id: str, document_id: str) -> Response:
    call = _exchange_call(exchange_id=exchange_id, document_id=document_id)
    pdf = services.own_certificate_pdf(
        session=get_session(),
        exchange_id=exchange_id,
        document_id=document_id,
        call=call,
        consents=consent_checker(),
        now=datetime.now(UTC),
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{document_id}.pdf"'},
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    settings = get_settings()
    return _json(document(settings.public_url, current_app.config["GOVKIT_VERSION"]))
