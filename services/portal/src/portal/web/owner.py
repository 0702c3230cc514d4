"""Which browser asked for a document: a random token in the session, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from flask import session

_KEY = "document_owner"


def current_owner(create: bool = False) -> str | None:
    token = session.get(_KEY)
    if token is None and create:
        token = session[_KEY] = secrets.token_urlsafe(24)
    return hashlib.sha256(token.encode()).hexdigest() if token else None
