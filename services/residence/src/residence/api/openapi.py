"""The OpenAPI 3.1 document of the register's exchange services (``getOpenAPI``)."""

from __future__ import annotations

from typing import Any

from residence.domain import agency_services as rules
from residence.domain.agency_services import BasisRefusal
from residence.domain.basic_four import ITEMS
from residence.domain.consent import Refusal

PROBLEM_BASE = "https://madoguchi.example/problems/"
_HEADERS: list[dict[str, Any]] = [
    {
        "name": "X-Road-Client",
        "in": "header",
        "required": True,
        "description": "The calling subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM (set by the "
        "exchange).",
        "schema": {"type": "string", "example": "JP-KIT/GOV/DA/portal"},
    },
    {
        "name": "X-Road-Id",
        "in": "header",
        "required": False,
        "description": "The message id (set by the exchange).",
        "schema": {"type": "string"},
    },
    {
        "name": "X-Road-UserId",
        "in": "header",
        "required": False,
        "description": "The citizen the call is made for: their exchange pseudonym.",
        "schema": {"type": "string"},
    },
    {
        "name": "X-Road-Issue",
        "in": "header",
        "required": False,
        "description": "The case or application the call belongs to.",
        "schema": {"type": "string"},
    },
]
_LEGAL_BASIS = {
    "name": "X-Madoguchi-Legal-Basis",
    "in": "header",
    "description": "consent:<consent id> or law:<statutory article>, percent-encoded UTF-8.",
    "schema": {"type": "string", "example": "law:%E4%BD%8F%E6%B0%91%E5%9F%BA%E6%9C%AC"},
}
_PURPOSE = {
    "name": "X-Madoguchi-Purpose",
    "in": "header",
    "required": False,
    "description": "What the data is for, in plain words the citizen will read; "
    "percent-encoded UTF-8.",
    "schema": {"type": "string"},
}
_EXCHANGE_ID = {
    "name": "exchange_id",
    "in": "path",
    "required": True,
    "description": "The resident's exchange pseudonym (never the My Number).",
    "schema": {"type": "string", "maxLength": 128},
}


_DOCUMENT_ID = {
    "name": "document_id",
    "in": "path",
    "required": True,
    "description": "The certificate's document number (printed on it and in its QR code).",
    "schema": {"type": "string", "maxLength": 40},
}
_ON_BEHALF_OF = {
    "name": "X-Madoguchi-On-Behalf-Of",
    "in": "header",
    "required": False,
    "description": "Only from the portal (JP-KIT/GOV/DA/portal) on a law: basis: the "
    "government subsystem whose check it relays (the verifier that called the portal's "
    "verification service through the exchange). Recorded in the resident's data-usage log.",
    "schema": {"type": "string", "example": "JP-KIT/GOV/JPS/pension"},
}


def _json_answer(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def document(base_url: str, version: str) -> dict[str, Any]:
    """The document, with ``servers`` pointing at ``{base_url}/exchange``."""
    refusals = ", ".join(f"{PROBLEM_BASE}{refusal.value}" for refusal in Refusal)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sakuragi City resident register (exchange services)",
            "version": version,
            "description": "Services of JP-KIT/GOV/LG-139998/residence on the exchange. Every "
            "call about a resident, served or refused, is recorded in their data-usage log.",
        },
        "servers": [{"url": f"{base_url}/exchange"}],
        "paths": {
            "/basic-four/residents/{exchange_id}": {
                "get": {
                    "operationId": "getBasicFour",
                    "summary": "A resident's basic four (name, date of birth, sex, address)",
                    "description": "Needs a legal basis. With consent:<id> the register asks the "
                    "portal about the consent first and answers only if it is given, is about "
                    "this resident, names the caller and this service, and covers "
                    f"{', '.join(ITEMS)}.",
                    "parameters": [
                        _EXCHANGE_ID,
                        *_HEADERS,
                        {**_LEGAL_BASIS, "required": True},
                        _PURPOSE,
                    ],
                    "responses": {
                        "200": {
                            "description": "The resident's basic four",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/BasicFour"}
                                }
                            },
                        },
                        "400": _problem(
                            "Not an exchange call, or no legal basis "
                            f"({PROBLEM_BASE}missing-legal-basis)"
                        ),
                        "403": _problem(f"The consent does not allow it ({refusals})"),
                        "404": _problem(f"Nobody with this id ({PROBLEM_BASE}unknown-resident)"),
                        "503": _problem(
                            f"The consent could not be checked ({PROBLEM_BASE}consent-unverifiable)"
                        ),
                    },
                }
            },
            "/data-usage/residents/{exchange_id}/events": {
                "get": {
                    "operationId": "listDataUsage",
                    "summary": "Every recorded call about a resident, oldest first, hash-chained",
                    "description": 'hash = sha256(prev_hash + "\\n" + the event\'s JSON '
                    "without hash and prev_hash, with sorted keys, separators (',', ':'), "
                    "not ASCII-escaped, UTF-8); the first prev_hash is 64 zeros. Someone not "
                    "in the register has an empty log.",
                    "parameters": [_EXCHANGE_ID, *_HEADERS],
                    "responses": {
                        "200": {
                            "description": "The resident's data-usage log",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/DataUsage"}
                                }
                            },
                        },
                        "400": _problem("Not an exchange call"),
                    },
                }
            },
            "/household/residents/{exchange_id}/household": {
                "get": {
                    "operationId": "getHousehold",
                    "summary": "The current members of a resident's household (basic four + 続柄)",
                    "description": "Statutory users only, on a law: basis (a consent basis is "
                    f"refused: {PROBLEM_BASE}{BasisRefusal.STATUTORY_BASIS_NEEDED.value}). The "
                    "head first, then the eldest; each member is known by their own exchange "
                    "pseudonym, never a register key or My Number. The call is recorded in the "
                    "data-usage log of every member named.",
                    "parameters": [
                        _EXCHANGE_ID,
                        *_HEADERS,
                        {**_LEGAL_BASIS, "required": True},
                        _PURPOSE,
                    ],
                    "responses": {
                        "200": _json_answer("The household's current members", "Household"),
                        "400": _problem("Not an exchange call, or no legal basis"),
                        "403": _problem("Not a statutory basis"),
                        "404": _problem(f"Nobody with this id ({PROBLEM_BASE}unknown-resident)"),
                    },
                }
            },
            "/address-check/certificates/{document_id}": {
                "get": {
                    "operationId": "checkAddress",
                    "summary": "Whether the person on a residence certificate still lives at "
                    "the address it shows",
                    "description": "For verifiers of a certificate. A government subsystem "
                    "asks on a law: basis; the portal asks for private verifiers (banks, "
                    "landlords) on the person's consent (consent:<id>, covering "
                    f"{', '.join(rules.ADDRESS_CHECK_ITEMS)} of this service), or relays a "
                    "government verifier's check naming it in X-Madoguchi-On-Behalf-Of. "
                    "Moved: removed from the register (moved_on: the removal day) or another "
                    "address (moved_on: the day it was set). Recorded in the person's "
                    "data-usage log.",
                    "parameters": [
                        _DOCUMENT_ID,
                        *_HEADERS,
                        {**_LEGAL_BASIS, "required": True},
                        _PURPOSE,
                        _ON_BEHALF_OF,
                    ],
                    "responses": {
                        "200": _json_answer("The check", "AddressCheck"),
                        "400": _problem("Not an exchange call, or no legal basis"),
                        "403": _problem(
                            "The basis does not allow it "
                            f"({PROBLEM_BASE}{BasisRefusal.CONSENT_NEEDED.value}, {refusals})"
                        ),
                        "404": _problem(
                            f"No certificate with this number ({PROBLEM_BASE}unknown-document)"
                        ),
                        "503": _problem(
                            f"The consent could not be checked ({PROBLEM_BASE}consent-unverifiable)"
                        ),
                    },
                }
            },
            "/address-changes/events": {
                "get": {
                    "operationId": "listRegisterEvents",
                    "summary": "The register's events (moves, births, deaths, corrections) "
                    "after a given one",
                    "description": "Statutory users only, on a law: basis. Oldest first; ask "
                    "again with after=next_after. Each person in a page gets one entry in "
                    "their data-usage log.",
                    "parameters": [
                        {
                            "name": "after",
                            "in": "query",
                            "required": False,
                            "description": "The id of the last event already seen (default 0).",
                            "schema": {"type": "integer", "minimum": 0, "default": 0},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": rules.MAX_EVENTS,
                                "default": rules.MAX_EVENTS,
                            },
                        },
                        *_HEADERS,
                        {**_LEGAL_BASIS, "required": True},
                        _PURPOSE,
                    ],
                    "responses": {
                        "200": _json_answer("A page of events", "RegisterEvents"),
                        "400": _problem(
                            "Not an exchange call, no legal basis, or a bad after/limit "
                            f"({PROBLEM_BASE}invalid-query)"
                        ),
                        "403": _problem("Not a statutory basis"),
                    },
                }
            },
            "/documents/residents/{exchange_id}/certificates": {
                "get": {
                    "operationId": "listOwnCertificates",
                    "summary": "The residence certificates issued to a citizen, newest first",
                    "description": "For the portal acting for that citizen: X-Road-UserId "
                    "must be the same exchange id.",
                    "parameters": [
                        _EXCHANGE_ID,
                        *_HEADERS,
                        {**_LEGAL_BASIS, "required": True},
                        _PURPOSE,
                    ],
                    "responses": {
                        "200": _json_answer("The citizen's certificates", "OwnCertificates"),
                        "400": _problem("Not an exchange call, or no legal basis"),
                        "403": _problem(
                            f"Not for this citizen ({PROBLEM_BASE}"
                            f"{BasisRefusal.NOT_THE_OWNER.value}) or a consent that does not "
                            "allow it"
                        ),
                        "404": _problem(f"Nobody with this id ({PROBLEM_BASE}unknown-resident)"),
                    },
                }
            },
            "/documents/residents/{exchange_id}/certificates/{document_id}/pdf": {
                "get": {
                    "operationId": "getOwnCertificatePdf",
                    "summary": "The signed PDF of a certificate issued to the citizen",
                    "description": "A certificate issued to someone else is answered exactly "
                    "like one that does not exist.",
                    "parameters": [
                        _EXCHANGE_ID,
                        _DOCUMENT_ID,
                        *_HEADERS,
                        {**_LEGAL_BASIS, "required": True},
                        _PURPOSE,
                    ],
                    "responses": {
                        "200": {
                            "description": "The signed PDF",
                            "content": {
                                "application/pdf": {
                                    "schema": {"type": "string", "format": "binary"}
                                }
                            },
                        },
                        "400": _problem("Not an exchange call, or no legal basis"),
                        "403": _problem("Not for this citizen"),
                        "404": _problem(
                            f"No such certificate of this citizen ({PROBLEM_BASE}"
                            "unknown-document), or nobody with this id"
                        ),
                    },
                }
            },
        },
        "components": {"schemas": _SCHEMAS},
    }


_NULLABLE_STRING = {"type": ["string", "null"]}
_SCHEMAS: dict[str, Any] = {
    "BasicFour": {
        "type": "object",
        "required": ["resident", "name", "name_kana", "birthdate", "gender", "address", "as_of"],
        "properties": {
            "resident": {"type": "string", "description": "The exchange id asked about"},
            "name": {"type": "string", "example": "森下 健太"},
            "name_kana": {"type": "string", "example": "モリシタ ケンタ"},
            "birthdate": {"type": "string", "format": "date"},
            "gender": {"type": "string", "enum": ["male", "female"]},
            "address": {"type": "string", "example": "桜木市中央一丁目2番3号"},
            "as_of": {"type": "string", "format": "date", "description": "The register's date"},
        },
    },
    "DataUsageEvent": {
        "type": "object",
        "required": [
            "seq",
            "at",
            "client",
            "service",
            "items",
            "purpose",
            "legal_basis",
            "outcome",
            "refusal",
            "x_road_id",
            "issue",
            "prev_hash",
            "hash",
        ],
        "properties": {
            "seq": {"type": "integer", "minimum": 1},
            "at": {"type": "string", "format": "date-time", "example": "2026-11-25T01:02:03Z"},
            "client": {"type": "string", "example": "JP-KIT/GOV/DA/portal"},
            "service": {
                "type": "string",
                "example": "JP-KIT/GOV/LG-139998/residence/basic-four",
            },
            "items": {"type": "array", "items": {"type": "string"}},
            "purpose": _NULLABLE_STRING,
            "legal_basis": _NULLABLE_STRING,
            "outcome": {"type": "string", "enum": ["served", "refused"]},
            "refusal": {
                "type": ["string", "null"],
                "enum": [
                    *(refusal.value for refusal in Refusal),
                    *(refusal.value for refusal in BasisRefusal),
                    None,
                ],
            },
            "x_road_id": _NULLABLE_STRING,
            "issue": _NULLABLE_STRING,
            "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    },
    "DataUsage": {
        "type": "object",
        "required": ["resident", "events", "head"],
        "properties": {
            "resident": {"type": "string"},
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/DataUsageEvent"}},
            "head": {
                "type": "string",
                "pattern": "^[0-9a-f]{64}$",
                "description": "The last event's hash (64 zeros when there is none)",
            },
        },
    },
    "HouseholdMember": {
        "type": "object",
        "required": [
            "resident",
            "relationship",
            "name",
            "name_kana",
            "birthdate",
            "gender",
            "address",
        ],
        "properties": {
            "resident": {
                "type": ["string", "null"],
                "description": "The member's exchange pseudonym",
            },
            "relationship": {"type": "string", "example": "世帯主"},
            "name": {"type": "string"},
            "name_kana": {"type": "string"},
            "birthdate": {"type": "string", "format": "date"},
            "gender": {"type": "string", "enum": ["male", "female"]},
            "address": {"type": "string"},
        },
    },
    "Household": {
        "type": "object",
        "required": ["resident", "as_of", "members"],
        "properties": {
            "resident": {"type": "string", "description": "The exchange id asked about"},
            "as_of": {"type": "string", "format": "date"},
            "members": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/HouseholdMember"},
            },
        },
    },
    "AddressCheck": {
        "type": "object",
        "required": [
            "document_id",
            "issued_at",
            "status",
            "subject_still_at_address",
            "moved_on",
            "as_of",
        ],
        "properties": {
            "document_id": {"type": "string"},
            "issued_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["issued", "revoked", "superseded", "expired"]},
            "subject_still_at_address": {"type": "boolean"},
            "moved_on": {"type": ["string", "null"], "format": "date"},
            "as_of": {"type": "string", "format": "date", "description": "The register's date"},
        },
    },
    "RegisterEvent": {
        "type": "object",
        "required": ["id", "resident", "kind", "effective_on", "recorded_at"],
        "properties": {
            "id": {"type": "integer"},
            "resident": {"type": ["string", "null"], "description": "Exchange pseudonym"},
            "kind": {
                "type": "string",
                "enum": ["moved_in", "moved_within", "moved_out", "born", "died", "corrected"],
            },
            "effective_on": {"type": "string", "format": "date"},
            "recorded_at": {"type": "string", "format": "date-time"},
        },
    },
    "RegisterEvents": {
        "type": "object",
        "required": ["after", "events", "next_after"],
        "properties": {
            "after": {"type": "integer"},
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/RegisterEvent"}},
            "next_after": {"type": "integer", "description": "Ask next with after=this"},
        },
    },
    "OwnCertificate": {
        "type": "object",
        "required": [
            "document_id",
            "issued_at",
            "status",
            "status_changed_at",
            "subject_name",
            "members",
        ],
        "properties": {
            "document_id": {"type": "string"},
            "issued_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string"},
            "status_changed_at": {"type": ["string", "null"], "format": "date-time"},
            "subject_name": {"type": "string", "description": "Whom the certificate is about"},
            "members": {"type": "integer", "description": "How many people it shows"},
        },
    },
    "OwnCertificates": {
        "type": "object",
        "required": ["resident", "certificates"],
        "properties": {
            "resident": {"type": "string"},
            "certificates": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/OwnCertificate"},
            },
        },
    },
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "request_id": {"type": "string"},
            "withdrawn_at": {"type": ["string", "null"]},
            "parameter": {"type": "string", "description": "The query parameter that is wrong"},
        },
    },
}
