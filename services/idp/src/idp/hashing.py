"""How the provider keeps secrets it must check later: scrypt for low-entropy secrets (PINs,
passwords, client secrets), SHA-256 for high-entropy ones (codes, tokens) so lookups stay fast."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt + digest).decode("ascii")


def check_secret(secret: str, stored: str | None) -> bool:
    """Constant-time comparison with a stored scrypt hash (``None`` never matches)."""
    if not stored or not stored.startswith("scrypt$"):
        return False
    try:
        raw = base64.b64decode(stored.removeprefix("scrypt$"), validate=True)
    except ValueError:
        return False
    salt, expected = raw[:16], raw[16:]
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return hmac.compare_digest(digest, expected)


def token_hash(token: str) -> str:
    """The key under which a code or token is stored (the value itself never is)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
