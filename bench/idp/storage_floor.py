"""The storage floor of workload (a): what the token endpoint costs with nothing but its writes.

A bare WSGI ``client_credentials`` grant that does only what the kit's IdP must do for every
token: check a ``client_secret_basic`` secret against its SHA-256 (as the IdP keeps it), mint an
access token, and write the IdP's own token row and audit row (tables made from ``idp.models``,
SQLite through ``govkit.db`` with the kit's pragmas) in one transaction. No Flask, Authlib, rate
limits or request log. bench_idp.py runs it under gunicorn with the kit's settings (2 workers ×
4 threads), so its rate bounds what any CPython provider that keeps its tokens in this database
can reach on the machine. A benchmark instrument, not part of the kit.

Environment: ``FLOOR_DATABASE_URL`` (created if missing), ``FLOOR_CLIENT_ID`` and
``FLOOR_SECRET_SHA256``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from govkit.db import make_engine
from idp.models import AuditEvent, Token

LIFETIME = 600
ENGINE = make_engine(os.environ["FLOOR_DATABASE_URL"])
TABLES = [Token.__table__, AuditEvent.__table__]  # type: ignore[attr-defined]
Token.metadata.create_all(ENGINE, tables=TABLES)
ENGINE.dispose()  # gunicorn forks after import: each worker opens its own connections
TOKEN_INSERT, AUDIT_INSERT = (table.insert() for table in TABLES)
CLIENT_ID = os.environ["FLOOR_CLIENT_ID"]
SECRET_SHA256 = os.environ["FLOOR_SECRET_SHA256"]

Start = Callable[[str, list[tuple[str, str]]], Any]


def _answer(start: Start, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start(status, [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                   ("Content-Length", str(len(data)))])  # fmt: skip
    return [data]


def _client(environ: dict[str, Any]) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if client_id != CLIENT_ID or not hmac.compare_digest(digest, SECRET_SHA256):
        return None
    return client_id


def app(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
    if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"] == "/healthz":
        return _answer(start, "200 OK", {"status": "ok"})
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qs(environ["wsgi.input"].read(min(size, 4096)).decode("ascii", "replace"))
    if form.get("grant_type") != ["client_credentials"]:
        return _answer(start, "400 Bad Request", {"error": "unsupported_grant_type"})
    client_id = _client(environ)
    if client_id is None:
        return _answer(start, "401 Unauthorized", {"error": "invalid_client"})
    access_token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with ENGINE.begin() as connection:
        connection.execute(
            TOKEN_INSERT,
            {"access_token_hash": hashlib.sha256(access_token.encode()).hexdigest(),
             "family_id": secrets.token_urlsafe(12), "client_id": client_id, "scope": "",
             "issued_at": now, "access_expires_at": now + timedelta(seconds=LIFETIME)},
        )  # fmt: skip
        connection.execute(
            AUDIT_INSERT,
            {"at": now, "event": "token_issued", "client_id": client_id,
             "detail": {"grant_type": "client_credentials"}},
        )  # fmt: skip
    issued = {"access_token": access_token, "token_type": "Bearer", "expires_in": LIFETIME}
    return _answer(start, "200 OK", issued)
