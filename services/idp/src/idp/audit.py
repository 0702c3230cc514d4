"""The provider's audit log: who signed in, failed, was locked, got tokens, reused a refresh
token or signed out. Details are plain facts; never a PIN, password, code or token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from idp.models import AuditEvent

#: Keys that must never reach the log, whatever a caller passes.
_FORBIDDEN = frozenset(
    {
        "pin",
        "password",
        "code",
        "token",
        "access_token",
        "refresh_token",
        "client_secret",
        "client_assertion",
        "code_verifier",
        "totp",
    }
)


def record(
    session: Session,
    event: str,
    *,
    now: datetime,
    citizen_id: str | None = None,
    client_id: str | None = None,
    **detail: Any,
) -> None:
    """Add an audit event to the caller's transaction (the caller commits).

    A plain INSERT, not an ORM object: the token endpoint writes one per token issued.
    """
    leaked = _FORBIDDEN.intersection(detail)
    if leaked:
        raise ValueError(f"secrets are never audited: {', '.join(sorted(leaked))}")
    session.connection().execute(
        _INSERT,
        {"at": now, "event": event, "citizen_id": citizen_id, "client_id": client_id,
         "detail": detail},
    )  # fmt: skip


_INSERT = AuditEvent.__table__.insert()  # type: ignore[attr-defined]
