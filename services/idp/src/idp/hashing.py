"""How the provider keeps secrets it must check later: scrypt for low-entropy secrets (PINs,
passwords, client secrets), SHA-256 for high-entropy ones (codes, tokens) so lookups stay fast."""

from __future__ import annotations

import hashlib
import secrets

# Passwords, PINs and client secrets: the kit's scrypt hashing (shared with every back office).
from govkit.staff import check_secret, hash_secret

__all__ = ["check_secret", "hash_secret", "new_token", "token_hash"]


def token_hash(token: str) -> str:
    """The key under which a code or token is stored (the value itself never is)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
