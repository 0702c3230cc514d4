"""Fixtures of residence's tests: the register app (seeded, with the pseudonym key and a pinned
kit clock), a fake of the portal's consent service, and exchange calls made the way the city's
security server delivers them (``X-Road-*`` headers).

Test modules reach the constants and helpers through the ``kit`` fixture (under pytest's
importlib mode a conftest is not importable).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from govkit.exchange import encode_legal_basis, exchange_pseudonym
from govkit.testing import from_security_server
from govkit.testing.plugin import ServiceAppFactory
from residence.api.views import CONSENTS_EXTENSION
from residence.domain.basic_four import ITEMS, SERVICE
from residence.domain.consent import Consent
from residence.domain.errors import ConsentNotFound

KEY = "exchange-pseudonym-key-for-tests-" + "r" * 16
TODAY = date(2026, 11, 25)
PORTAL = "JP-KIT/GOV/DA/portal"
PENSION = "JP-KIT/GOV/JPS/pension"
LAW = "law:住民基本台帳法第30条の11"


def xid(register_key: str = "H1-1", key: str = KEY) -> str:
    """A resident's exchange id, as the identity provider releases it."""
    return exchange_pseudonym(key, register_key)


def consent_json(**overrides: Any) -> dict[str, Any]:
    """A consent record as the portal's consent service answers (given, for the portal, about
    森下 健太, covering the basic four)."""
    body: dict[str, Any] = {
        "id": "C-1",
        "status": "given",
        "subject": xid(),
        "consumer": PORTAL,
        "provider_service": SERVICE,
        "items": list(ITEMS),
        "purpose": "本人確認のため",
        "given_at": "2026-11-20T01:00:00Z",
        "withdrawn_at": None,
        "refused_at": None,
    }
    body.update(overrides)
    return body


@dataclass
class FakeConsents:
    """The portal's consent service, as the register's use case sees it."""

    consents: dict[str, Consent] = field(default_factory=dict)
    #: Raised by every fetch when set (ConsentUnverifiable, ConsentNotFound…).
    error: Exception | None = None
    asked: list[tuple[str, str, str | None]] = field(default_factory=list)

    def add(self, **overrides: Any) -> Consent:
        consent = Consent.from_json(consent_json(**overrides))
        self.consents[consent.id] = consent
        return consent

    def fetch(self, consent_id: str, *, subject: str, issue: str | None = None) -> Consent:
        self.asked.append((consent_id, subject, issue))
        if self.error is not None:
            raise self.error
        if consent_id not in self.consents:
            raise ConsentNotFound(consent_id)
        return self.consents[consent_id]


class Exchange:
    """Calls to the register as its security server delivers them."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def headers(
        self,
        *,
        client: str | None = PORTAL,
        basis: str | None = LAW,
        purpose: str | None = "住民票の写しの申請",
        user_id: str | None = None,
        issue: str | None = None,
        **extra: str,
    ) -> dict[str, str]:
        headers = from_security_server(**{"X-Road-Id": str(uuid.uuid4())})
        if client is not None:
            headers["X-Road-Client"] = client
        if basis is not None:
            headers["X-Madoguchi-Legal-Basis"] = encode_legal_basis(basis)
        if purpose is not None:
            headers["X-Madoguchi-Purpose"] = encode_legal_basis(purpose)
        if user_id is not None:
            headers["X-Road-UserId"] = user_id
        if issue is not None:
            headers["X-Road-Issue"] = issue
        headers.update(extra)  # raw header values, sent as given
        return headers

    def basic_four(self, resident: str, **headers: Any) -> TestResponse:
        return self.client.get(
            f"/exchange/basic-four/residents/{resident}", headers=self.headers(**headers)
        )

    def data_usage(self, resident: str, **headers: Any) -> TestResponse:
        headers.setdefault("basis", None)
        return self.client.get(
            f"/exchange/data-usage/residents/{resident}/events", headers=self.headers(**headers)
        )

    def events(self, resident: str) -> list[dict[str, Any]]:
        answer = self.data_usage(resident)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["events"]


@pytest.fixture
def register_app(service_app: ServiceAppFactory) -> Callable[..., Flask]:
    """``register_app(**settings)`` → the register, seeded with the pseudonym key (unless
    ``exchange_pseudonym_key=None``) and the kit clock at :data:`TODAY`."""

    def build(**settings: Any) -> Flask:
        settings.setdefault("exchange_pseudonym_key", KEY)
        settings.setdefault("today", TODAY)
        settings.setdefault("public_url", "http://localhost:8011")
        return service_app("residence", **settings)

    return build


@pytest.fixture
def consents() -> FakeConsents:
    return FakeConsents()


@pytest.fixture
def app(register_app: Callable[..., Flask], consents: FakeConsents) -> Flask:
    app = register_app()
    app.extensions[CONSENTS_EXTENSION] = consents
    return app


@pytest.fixture
def exchange(app: Flask) -> Exchange:
    return Exchange(app.test_client())


def problem(response: TestResponse, status: int, kind: str) -> dict[str, Any]:
    """The problem+json body of ``response``, checked for status and type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == f"https://madoguchi.example/problems/{kind}"
    assert body["status"] == status
    assert body["title"]
    return body


class Kit:
    """The tests' constants and helpers (see the module's names of the same spelling)."""

    KEY = KEY
    TODAY = TODAY
    PORTAL = PORTAL
    PENSION = PENSION
    LAW = LAW
    xid = staticmethod(xid)
    consent_json = staticmethod(consent_json)
    problem = staticmethod(problem)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
