"""The portal's services on the data exchange: ``consents`` (JP-KIT/GOV/DA/portal/consents) and
``verification`` (JP-KIT/GOV/DA/portal/verification).

A provider that releases data on the basis of a citizen's consent asks here, through its own
security server, whether the consent holds: ``GET /exchange/consents/<consent_id>`` answers
the record (status, subject, consumer, provider service, items, purpose, dates) or 404. The
request must come through the exchange (the portal's security server adds ``X-Road-Client``);
anything else is answered 400. Errors are problem+json. ``GET /exchange/openapi.json`` is the
service's description for the ``getOpenAPI`` metaservice (read by the security server itself,
without exchange headers).

``POST /exchange/verification`` checks a document for a government agency, exactly as
``POST /api/v1/verify`` does (same body, same answer), with one difference: for a valid
residence certificate the portal relays the agency's *statutory* check of whether the person
still lives at its address. The agency is known by its ``X-Road-Client``, which its security
server signed and the portal's security server checked against the service's access rights;
the portal passes its ``law:`` basis and purpose on and names it to the register
(``X-Madoguchi-On-Behalf-Of``), which records it in the person's data-usage log. Only
government subsystems (``…/GOV/…``) are answered; the web page never treats anyone as one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, g, request

from govkit.clock import today
from govkit.db import get_session
from govkit.errors import Problem
from govkit.exchange import IncomingCall, InvalidCall
from govkit.exchange.provider import exchange_provider_rule
from govkit.web import get_settings
from portal import repository, services
from portal.api import read_verification_request, verification_answer, verify_sent
from portal.domain.consents import PROBLEM_BASE
from portal.exchange import exchange_client
from portal.models import ConsentRecord

log = logging.getLogger(__name__)


def _exchange_call() -> None:
    """Only requests that came through the exchange: their headers say who asks."""
    try:
        g.exchange_call = IncomingCall.from_headers(request.headers)
    except InvalidCall as exc:
        raise Problem(
            400,
            "Not an exchange request",
            f"{exc.header}: {exc.message}",
            type=PROBLEM_BASE + "bad-exchange-request",
        ) from None


#: Exchange requests: from the own security server (which checked the caller's rights), with
#: headers IncomingCall can read.
EXCHANGE = exchange_provider_rule(_exchange_call, name="exchange")

bp = Blueprint("portal_exchange", __name__, url_prefix="/exchange")
docs = Blueprint("portal_exchange_docs", __name__, url_prefix="/exchange")


def _instant(moment: datetime | None) -> str | None:
    value = services.utc(moment)
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def consent_document(record: ConsentRecord) -> dict[str, Any]:
    """A consent as the consents service answers it."""
    return {
        "id": record.id,
        "status": record.status,
        "subject": record.subject,
        "consumer": record.consumer,
        "provider_service": record.provider_service,
        "items": services.consent_items(record),
        "purpose": record.purpose,
        "given_at": _instant(record.given_at),
        "withdrawn_at": _instant(record.withdrawn_at),
        "refused_at": _instant(record.refused_at),
    }


@bp.get("/consents/<consent_id>")
def consent(consent_id: str) -> dict[str, Any]:
    call: IncomingCall = g.exchange_call
    try:
        record = services.consent_for_exchange(session=get_session(), consent_id=consent_id)
    except repository.RecordNotFound:
        log.info(
            "consent asked for over the exchange: unknown",
            extra={"client": str(call.client), "x_road_id": call.x_road_id},
        )
        raise Problem(
            404,
            "Unknown consent",
            "the portal has no consent with this id",
            type=PROBLEM_BASE + "consent-not-found",
        ) from None
    log.info(
        "consent asked for over the exchange",
        extra={
            "consent_id": record.id,
            "status": record.status,
            "client": str(call.client),
            "x_road_id": call.x_road_id,
        },
    )
    return consent_document(record)


#: Who may have a residence certificate's address checked on a statute: government agencies.
GOVERNMENT = "GOV"


@bp.post("/verification")
def verification() -> dict[str, Any]:
    call: IncomingCall = g.exchange_call
    if call.client.member_class != GOVERNMENT:
        raise Problem(
            403,
            "Government verifiers only",
            "the exchange's verification service answers government agencies; others use "
            "POST /api/v1/verify",
            type=PROBLEM_BASE + "government-verifiers-only",
        )
    sent = read_verification_request()
    verified = verify_sent(sent)
    address = services.check_moved_since_issue(
        exchange=exchange_client(),
        result=verified.result,
        case_id=call.issue or services.new_case_id(today(get_settings())),
        verifier=str(call.client),
        legal_basis=call.legal_basis,
        purpose=call.purpose,
    )
    log.info(
        "document verified over the exchange",
        extra={
            "client": str(call.client),
            "document_id": verified.result.document_id,
            "x_road_id": call.x_road_id,
        },
    )
    return {**verification_answer(verified, address), "verifier": str(call.client)}


_CONSENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "status",
        "subject",
        "consumer",
        "provider_service",
        "items",
        "purpose",
        "given_at",
        "withdrawn_at",
        "refused_at",
    ],
    "properties": {
        "id": {"type": "string", "example": "C-MFRGGZDFMZTWQ2LK"},
        "status": {"type": "string", "enum": ["given", "withdrawn", "refused"]},
        "subject": {"type": "string", "description": "the citizen's exchange pseudonym"},
        "consumer": {"type": "string", "example": "JP-KIT/GOV/DA/portal"},
        "provider_service": {
            "type": "string",
            "example": "JP-KIT/GOV/LG-139998/residence/basic-four",
        },
        "items": {"type": "array", "items": {"type": "string"}},
        "purpose": {"type": "string"},
        "given_at": {"type": ["string", "null"], "format": "date-time"},
        "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
        "refused_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}


def openapi_document(base_url: str) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Madoguchi portal: consents and document verification",
            "version": "1",
            "description": (
                "Consents citizens give on the Madoguchi portal, for providers that release "
                "data on the basis of consent (JP-KIT/GOV/DA/portal/consents); documents "
                "checked for government agencies (JP-KIT/GOV/DA/portal/verification)."
            ),
        },
        "servers": [{"url": f"{base_url}/exchange"}],
        "paths": {
            "/consents/{consent_id}": {
                "get": {
                    "operationId": "getConsent",
                    "summary": "A consent's current state",
                    "parameters": [
                        {
                            "name": "consent_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The consent",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Consent"}
                                }
                            },
                        },
                        "400": {"description": "Not an exchange request", "content": problem},
                        "404": {"description": "Unknown consent", "content": problem},
                    },
                }
            },
            "/verification": {
                "post": {
                    "operationId": "verifyDocument",
                    "summary": "Check a document for a government agency",
                    "description": (
                        'The body of POST /api/v1/verify: JSON {"qr": "MDG1:…", '
                        '"freshness": …} or a multipart upload (document). For a valid '
                        "residence certificate, address_check says whether the person still "
                        "lives at its address: the portal relays the caller's law: basis "
                        "(X-Madoguchi-Legal-Basis) to Sakuragi City naming the caller, and the "
                        "city records the check in the person's data-usage log."
                    ),
                    "responses": {
                        "200": {"description": "The verdict (as POST /api/v1/verify)"},
                        "400": {"description": "Nothing the portal can read", "content": problem},
                        "403": {"description": "Not a government agency", "content": problem},
                        "503": {"description": "No trust list", "content": problem},
                    },
                }
            },
        },
        "components": {"schemas": {"Consent": _CONSENT_SCHEMA, "Problem": _PROBLEM_SCHEMA}},
    }


@docs.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document(get_settings().public_url)
