"""Keys and a token mint for the sign-in tests (RSA keys take a moment: made once)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from govkit.auth.idtoken import BACKCHANNEL_EVENT, InvalidToken, Key, half_hash

ISSUER = "https://id.example"
CLIENT_ID = "client-1"
NONCE = "n-0S6_WzA2Mj"
ACCESS_TOKEN = "access-token-value"


@dataclass(frozen=True)
class Keys:
    rsa: RSAKey
    ec: ECKey
    other_rsa: RSAKey  # not published: signatures with it must fail

    def lookup(self, kid: str) -> Key:
        published = {self.rsa.kid: self.rsa, self.ec.kid: self.ec}
        if kid not in published:
            raise InvalidToken("unknown_kid")
        return published[kid]


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(
        rsa=RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "alg": "RS256"}, private=True),
        ec=ECKey.generate_key("P-256", parameters={"kid": "ec-1", "alg": "ES256"}, private=True),
        other_rsa=RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True),
    )


def b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def id_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "pairwise-sub",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 600,
        "auth_time": now - 5,
        "nonce": NONCE,
        "acr": "aal3",
        "amr": ["sc", "pin", "mfa"],
        "sid": "sid-1",
        "at_hash": half_hash(ACCESS_TOKEN, "RS256"),
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def logout_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "pairwise-sub",
        "sid": "sid-1",
        "iat": now,
        "exp": now + 120,
        "jti": "jti-1",
        "events": {BACKCHANNEL_EVENT: {}},
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


class Claims:
    """Claim sets for tests: ``claims.id(nonce=None)`` drops the nonce, and so on."""

    issuer = ISSUER
    client_id = CLIENT_ID
    nonce = NONCE
    access_token = ACCESS_TOKEN
    id = staticmethod(id_claims)
    logout = staticmethod(logout_claims)


@pytest.fixture
def claims() -> type[Claims]:
    return Claims


Mint = Callable[..., str]


@pytest.fixture
def mint(keys: Keys) -> Mint:
    """``mint(claims, alg="RS256", kid=…, typ=…, key=…)`` → a signed token (exactly that
    header: no ``typ`` unless given)."""

    def make(
        claims: dict[str, Any],
        *,
        alg: str = "RS256",
        kid: str | None = "default",
        typ: str | None = "JWT",
        key: Any = None,
        **header: Any,
    ) -> str:
        signing_key = key or (keys.ec if alg == "ES256" else keys.rsa)
        head: dict[str, Any] = {"alg": alg, **header}
        if kid == "default":
            head["kid"] = signing_key.kid
        elif kid is not None:
            head["kid"] = kid
        if typ is not None:
            head["typ"] = typ
        return jws.serialize_compact(
            head, json.dumps(claims).encode(), signing_key, algorithms=[alg]
        )

    return make
