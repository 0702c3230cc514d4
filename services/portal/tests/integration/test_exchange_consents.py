"""The portal's ``consents`` service on the exchange (JP-KIT/GOV/DA/portal/consents): a
provider's security server forwards ``GET /exchange/consents/<id>`` with the exchange headers,
and the portal answers the consent as the contract says, or problem+json."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from govkit.exchange import encode_legal_basis
from govkit.exchange.provider import SECURITY_SERVER_TOKEN_HEADER
from govkit.testing import from_security_server

Citizen = Any  # conftest.Citizen
RESIDENCE = "JP-KIT/GOV/LG-139998/residence"
ISO_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"


def through_exchange(**extra: str) -> dict[str, str]:
    """The headers the portal's security server passes on with a provider's request."""
    return from_security_server(
        **{
            "X-Road-Client": RESIDENCE,
            "X-Road-Id": "xr-123",
            "X-Road-UserId": "someone",
            "X-Madoguchi-Legal-Basis": encode_legal_basis("law:個人情報の保護に関する法律第69条"),
            "X-Madoguchi-Purpose": "consent%20check",
            **extra,
        }
    )


def consent_ids(person: Citizen) -> list[str]:
    return [c["data-consent"] for c in person.page("/consents").select("[data-consent]")]


@pytest.fixture
def api(citizen_app: Flask) -> FlaskClient:
    return citizen_app.test_client()


def test_a_given_consent(citizen: Callable[..., Citizen], api: FlaskClient, xid: str) -> None:
    person = citizen("en")
    person.decide("give")
    (consent,) = consent_ids(person)
    response = api.get(f"/exchange/consents/{consent}", headers=through_exchange())
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    given_at = body.pop("given_at")
    assert body == {
        "id": consent,
        "status": "given",
        "subject": xid,
        "consumer": "JP-KIT/GOV/DA/portal",
        "provider_service": "JP-KIT/GOV/LG-139998/residence/basic-four",
        "items": ["name", "name_kana", "address", "birthdate", "gender"],
        "purpose": "Show your details in your Madoguchi account",
        "withdrawn_at": None,
        "refused_at": None,
    }
    assert re.fullmatch(ISO_UTC, given_at), given_at


def test_a_withdrawn_and_a_refused_consent(
    citizen: Callable[..., Citizen], api: FlaskClient
) -> None:
    person = citizen("en")
    person.decide("refuse")
    person.decide("give")
    person.decide("withdraw")
    withdrawn, refused = consent_ids(person)
    states = {}
    for consent in (withdrawn, refused):
        body = api.get(f"/exchange/consents/{consent}", headers=through_exchange()).get_json()
        states[consent] = (
            body["status"],
            body["given_at"] is not None,
            body["withdrawn_at"] is not None,
            body["refused_at"] is not None,
        )
    assert states == {
        withdrawn: ("withdrawn", True, True, False),
        refused: ("refused", False, False, True),
    }


def test_an_unknown_consent(api: FlaskClient) -> None:
    response = api.get("/exchange/consents/C-NOSUCHCONSENT00", headers=through_exchange())
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "https://madoguchi.example/problems/consent-not-found"
    assert body["status"] == 404


@pytest.mark.parametrize("token", [None, "guessed"])
def test_a_request_around_the_security_server_is_refused(
    citizen: Callable[..., Citizen], api: FlaskClient, token: str | None
) -> None:
    person = citizen("en")
    person.decide("give")
    (consent,) = consent_ids(person)
    headers = through_exchange()
    if token is None:
        del headers[SECURITY_SERVER_TOKEN_HEADER]
    else:
        headers[SECURITY_SERVER_TOKEN_HEADER] = token
    response = api.get(f"/exchange/consents/{consent}", headers=headers)
    assert response.status_code == 403
    body = response.get_json()
    assert body["title"] == "Not through the exchange"
    assert not {"subject", "given_at", "scope"} & set(body)  # nothing of the consent


@pytest.mark.parametrize(
    ("headers", "header"),
    [
        (from_security_server(), "X-Road-Client"),
        (from_security_server(**{"X-Road-Client": "JP-KIT/GOV"}), "X-Road-Client"),
        (through_exchange(**{"X-Madoguchi-Legal-Basis": "contract:1"}), "X-Madoguchi-Legal-Basis"),
        (through_exchange(**{"X-Madoguchi-Purpose": "%E3%81"}), "X-Madoguchi-Purpose"),
    ],
)
def test_only_requests_through_the_exchange(
    citizen: Callable[..., Citizen], api: FlaskClient, headers: dict[str, str], header: str
) -> None:
    person = citizen("en")
    person.decide("give")
    (consent,) = consent_ids(person)
    response = api.get(f"/exchange/consents/{consent}", headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "https://madoguchi.example/problems/bad-exchange-request"
    assert body["detail"].startswith(f"{header}: ")
    assert "subject" not in body


def test_consents_are_only_read(api: FlaskClient) -> None:
    response = api.post("/exchange/consents/C-1", headers=through_exchange())
    assert response.status_code == 405


def test_the_openapi_document(api: FlaskClient) -> None:
    response = api.get("/exchange/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://localhost:8000/exchange"}]
    operation = document["paths"]["/consents/{consent_id}"]["get"]
    assert set(operation["responses"]) == {"200", "400", "404"}
    schema = document["components"]["schemas"]["Consent"]
    assert set(schema["required"]) == set(schema["properties"])
    assert schema["properties"]["status"]["enum"] == ["given", "withdrawn", "refused"]
