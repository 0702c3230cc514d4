"""The OpenAPI 3.1 document of the register's exchange services (``getOpenAPI``)."""

from __future__ import annotations

from typing import Any

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
                "enum": [*(refusal.value for refusal in Refusal), None],
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
        },
    },
}
