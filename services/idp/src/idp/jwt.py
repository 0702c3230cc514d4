"""Tokens the provider signs: ID tokens and back-channel logout tokens.

Each is signed with the one current key of its algorithm and names it with ``kid``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime
from typing import Any

from joserfc import jwt

from idp.keys import KeyStore

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def sign(keys: KeyStore, alg: str, claims: dict[str, Any], *, typ: str | None = None) -> str:
    key = keys.signing_key(alg)
    header: dict[str, Any] = {"alg": alg, "kid": key.kid}
    if typ:
        header["typ"] = typ
    return jwt.encode(header, claims, key, algorithms=[alg])


def half_hash(value: str, alg: str) -> str:
    """``at_hash``: the left half of the hash the signing algorithm uses (SHA-256 here)."""
    if alg not in ("RS256", "ES256", "PS256"):
        raise ValueError(f"no hash for {alg}")
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def logout_token_claims(
    *, issuer: str, client_id: str, sub: str, sid: str, now: datetime, lifetime: int = 120
) -> dict[str, Any]:
    """OpenID Connect Back-Channel Logout 1.0 §2.4: events, sid and sub, a jti, never a nonce."""
    return {
        "iss": issuer,
        "aud": client_id,
        "sub": sub,
        "sid": sid,
        "iat": epoch(now),
        "exp": epoch(now) + lifetime,
        "jti": secrets.token_urlsafe(16),
        "events": {BACKCHANNEL_EVENT: {}},
    }
