"""Fixtures of the identity provider's tests: a provider app with registered clients, client
assertions made the way a relying party makes them, and codes minted for a demo citizen.

The protocol tests need a citizen but not a card: :func:`provider_app` adds one row directly
(card sign-in is tested separately, against a running trust service).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from govkit.db import get_database
from govkit.testing.plugin import ServiceAppFactory
from idp.models import Citizen

ISSUER = "http://localhost:8001"
REGISTRATION_TOKEN = "test-registration-token-" + "x" * 24
REDIRECT = "http://localhost:9000/cb"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class RegisteredRP:
    """A relying party registered with the provider under test."""

    client_id: str
    key: ECKey | None
    secret: str | None
    metadata: dict[str, Any]
    used_jtis: list[str] = field(default_factory=list)

    def assertion(self, **overrides: Any) -> str:
        """A client assertion; ``header=`` and ``key=`` replace those parts, other keywords
        replace claims (``None`` drops one)."""
        key = overrides.pop("key", None) or self.key
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": f"{ISSUER}/token",
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(12),
        }
        header = {"alg": "ES256", "kid": self.key.kid if self.key else None}
        header.update(overrides.pop("header", {}))
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode({k: v for k, v in header.items() if v is not None}, claims, key)

    def auth(self, **overrides: Any) -> dict[str, str]:
        return {
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.assertion(**overrides),
        }

    def basic(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@dataclass
class Provider:
    app: Flask
    client: FlaskClient
    citizen_id: str
    issuer: str = ISSUER
    redirect_uri: str = REDIRECT
    pkce = staticmethod(pkce_pair)

    def register(self, **metadata: Any) -> RegisteredRP:
        key = None
        body: dict[str, Any] = {
            "client_name": "Test RP",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
        }
        if metadata.get("token_endpoint_auth_method", "private_key_jwt") == "private_key_jwt":
            key = ECKey.generate_key("P-256", private=True, auto_kid=True)
            body.update(
                token_endpoint_auth_method="private_key_jwt",
                jwks={"keys": [key.as_dict(private=False)]},
            )
        body.update(metadata)
        answer = self.client.post(
            "/register", json=body, headers={"Authorization": f"Bearer {REGISTRATION_TOKEN}"}
        )
        assert answer.status_code in (200, 201), answer.get_data(as_text=True)
        data = answer.get_json()
        return RegisteredRP(data["client_id"], key, data.get("client_secret"), data)

    def mint_code(self, rp: RegisteredRP, challenge: str, **extra: Any) -> str:
        body = {
            "client_id": rp.client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "scope": "openid name address birthdate gender",
            "nonce": "nonce-1",
            **extra,
        }
        answer = self.client.post("/__testing/codes", json=body)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        return answer.get_json()["codes"][0]

    def redeem(self, rp: RegisteredRP, code: str, verifier: str, **extra: Any):
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            **rp.auth(),
            **extra,
        }
        return self.client.post("/token", data={k: v for k, v in form.items() if v is not None})

    def jwks(self) -> KeySet:
        return KeySet.import_key_set(self.client.get("/jwks").get_json())


def add_citizen(app: Flask, **overrides: Any) -> str:
    values = dict(
        id="c-0001",
        persona="H1-1",
        family_name="森下",
        given_name="健太",
        family_name_kana="モリシタ",
        given_name_kana="ケンタ",
        name_roman="MORISHITA Kenta",
        birthdate=date(1990, 5, 12),
        gender="male",
        postal_code="000-0101",
        address="桜木市中央一丁目2番3号",
        my_number="999000000019",
        created_at=datetime.now(UTC),
    )
    values.update(overrides)
    with get_database(app).transaction() as session:
        session.add(Citizen(**values))
    return str(values["id"])


@pytest.fixture
def provider_app(service_app: ServiceAppFactory) -> Callable[..., Provider]:
    """``provider_app(**settings)`` → a provider with one citizen (no cards, no trust)."""

    def build(**settings: Any) -> Provider:
        settings.setdefault("idp_registration_token", REGISTRATION_TOKEN)
        settings.setdefault("testing_endpoints", True)
        settings.setdefault("public_url", ISSUER)
        app = service_app("idp", **settings)
        citizen_id = add_citizen(app)
        return Provider(app, app.test_client(), citizen_id)

    return build


@pytest.fixture
def provider(provider_app: Callable[..., Provider]) -> Provider:
    return provider_app()
