"""Reading and writing the provider's rows. Nothing here commits: use cases own transactions.

Single-use values (codes, refresh tokens) are claimed with one conditional UPDATE, so two
concurrent redemptions can never both succeed, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from idp.models import (
    AuthorizationCode,
    Citizen,
    Consent,
    OPSession,
    ReplayGuard,
    SessionClient,
    Token,
)

# -- single-use values ---------------------------------------------------------------------
# The token endpoint's statements are plain Core statements built once (compiled once, cached),
# with their values bound per call: the ORM's unit of work costs more than the write itself.
_CODES = AuthorizationCode.__table__  # type: ignore[attr-defined]
_TOKENS = Token.__table__  # type: ignore[attr-defined]
_GUARDS = ReplayGuard.__table__  # type: ignore[attr-defined]

_FIND_CODE = _CODES.select().where(_CODES.c.code_hash == bindparam("code_hash"))
_CLAIM_CODE = (
    _CODES.update()
    .where(_CODES.c.code_hash == bindparam("b_code_hash"))
    .where(_CODES.c.redeemed_at.is_(None))
    .values(redeemed_at=bindparam("b_now"))
)
_CLAIM_REFRESH = (
    _TOKENS.update()
    .where(_TOKENS.c.id == bindparam("b_token_id"))
    .where(_TOKENS.c.refreshed_at.is_(None))
    .where(_TOKENS.c.revoked_at.is_(None))
    .values(refreshed_at=bindparam("b_now"), revoked_at=bindparam("b_now"))
)
_REMEMBER = {
    name: dialect_insert(_GUARDS)
    .on_conflict_do_nothing(index_elements=["kind", "client_id", "value"])
    .returning(_GUARDS.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}


def find_code(session: Session, code_hash: str) -> Row | None:
    """The code's row (a read-only record), or ``None``."""
    return session.connection().execute(_FIND_CODE, {"code_hash": code_hash}).first()


def claim_code(session: Session, code_hash: str, now: datetime) -> bool:
    """Mark a code redeemed; ``False`` if it already was (a replay)."""
    result = session.connection().execute(_CLAIM_CODE, {"b_code_hash": code_hash, "b_now": now})
    return result.rowcount == 1


def claim_refresh(session: Session, token_id: int, now: datetime) -> bool:
    """Mark a refresh token used; ``False`` if it was used or revoked before."""
    result = session.connection().execute(_CLAIM_REFRESH, {"b_token_id": token_id, "b_now": now})
    return result.rowcount == 1


def remember_once(
    session: Session, kind: str, client_id: str, value: str, expires_at: datetime
) -> bool:
    """Record a value that may be used once (nonce, assertion ``jti``); ``False`` if seen.

    One ``INSERT … ON CONFLICT DO NOTHING`` on the unique (kind, client, value): atomic, so
    two workers racing with the same value cannot both succeed. The value is kept as its
    SHA-256: whatever a client sends (512 characters of nonce, a NUL, a lone surrogate), the
    row holds 64 hexadecimal digits.
    """
    connection = session.connection()
    statement = _REMEMBER[connection.dialect.name]
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    values = {"kind": kind, "client_id": client_id, "value": digest, "expires_at": expires_at}
    return connection.execute(statement, values).first() is not None  # a row: inserted


def forget_expired_guards(session: Session, now: datetime) -> None:
    session.exec(  # type: ignore[call-overload]
        ReplayGuard.__table__.delete().where(ReplayGuard.__table__.c.expires_at < now)
    )


# -- tokens ----------------------------------------------------------------------------------
def token_by_access(session: Session, access_hash: str) -> Token | None:
    return session.exec(select(Token).where(Token.access_token_hash == access_hash)).first()


def token_by_refresh(session: Session, refresh_hash: str) -> Token | None:
    return session.exec(select(Token).where(Token.refresh_token_hash == refresh_hash)).first()


def revoke_family(session: Session, family_id: str, now: datetime) -> int:
    result = session.exec(  # type: ignore[call-overload]
        update(Token)
        .where(col(Token.family_id) == family_id)
        .where(col(Token.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


def revoke_session_tokens(session: Session, sid: str, now: datetime) -> int:
    result = session.exec(  # type: ignore[call-overload]
        update(Token)
        .where(col(Token.sid) == sid)
        .where(col(Token.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


# -- sessions --------------------------------------------------------------------------------
def live_session(session: Session, sid: str | None, now: datetime) -> OPSession | None:
    if not sid:
        return None
    row = session.get(OPSession, sid)
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    return row


def add_session_client(session: Session, sid: str, client_id: str) -> None:
    exists = session.exec(
        select(SessionClient.id).where(
            SessionClient.sid == sid, SessionClient.client_id == client_id
        )
    ).first()
    if exists is None:
        session.add(SessionClient(sid=sid, client_id=client_id))


def session_clients(session: Session, sid: str) -> list[str]:
    return list(session.exec(select(SessionClient.client_id).where(SessionClient.sid == sid)))


def citizen(session: Session, citizen_id: str) -> Citizen | None:
    return session.get(Citizen, citizen_id)


# -- consent ---------------------------------------------------------------------------------
def granted_scopes(session: Session, citizen_id: str, client_id: str) -> set[str]:
    rows = session.exec(
        select(Consent.scope).where(
            Consent.citizen_id == citizen_id,
            Consent.client_id == client_id,
            col(Consent.revoked_at).is_(None),
        )
    )
    return {scope for row in rows for scope in row.split()}


def consents(session: Session, citizen_id: str) -> list[Consent]:
    return list(
        session.exec(
            select(Consent)
            .where(Consent.citizen_id == citizen_id, col(Consent.revoked_at).is_(None))
            .order_by(col(Consent.granted_at))
        )
    )


def revoke_consent(session: Session, citizen_id: str, client_id: str, now: datetime) -> int:
    result = session.exec(  # type: ignore[call-overload]
        update(Consent)
        .where(col(Consent.citizen_id) == citizen_id)
        .where(col(Consent.client_id) == client_id)
        .where(col(Consent.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


def revoke_client_tokens(session: Session, citizen_id: str, client_id: str, now: datetime) -> int:
    result = session.exec(  # type: ignore[call-overload]
        update(Token)
        .where(col(Token.citizen_id) == citizen_id)
        .where(col(Token.client_id) == client_id)
        .where(col(Token.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


def purge_before(session: Session, now: datetime, keep: timedelta) -> None:
    """Drop codes and guards that can no longer matter (housekeeping, no commit)."""
    cutoff = now - keep
    session.exec(  # type: ignore[call-overload]
        AuthorizationCode.__table__.delete().where(
            AuthorizationCode.__table__.c.expires_at < cutoff
        )
    )
    forget_expired_guards(session, now)
