"""The two small tables sign-in needs, added to a service's *own* SQLModel registry.

govkit owns no tables (each service has one registry and one Alembic history), so this module
gives each service a factory: in ``<service>/models.py``::

    AUTH = auth_tables(ResidenceModel)

and a migration of the service creates ``auth_ended_session`` (sign-in sessions the provider
ended by back-channel logout: a request carrying one is signed out with one primary-key
lookup) and ``auth_seen_logout_token`` (logout token ``jti`` values, to refuse a replay).
The functions below are the repository: they flush, and the caller commits.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

SID_LENGTH = 255
JTI_LENGTH = 255
#: Ended sessions are kept this long (longer than any relying-party session lasts).
ENDED_SESSION_MEMORY = timedelta(days=2)


@dataclass(frozen=True)
class AuthTables:
    """The service's sign-in tables (classes on its own registry)."""

    ended_session: type[SQLModel]
    seen_logout_token: type[SQLModel]


def auth_tables(base: type[SQLModel]) -> AuthTables:
    """Define the sign-in tables on ``base``'s registry (call once per service)."""

    class AuthEndedSession(base, table=True):  # type: ignore[misc, valid-type, call-arg]
        """A provider session (``sid``) that ended: its relying-party sessions are over."""

        __tablename__ = "auth_ended_session"

        sid: str = Field(primary_key=True, max_length=SID_LENGTH)
        ended_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)  # type: ignore[call-overload]

    class AuthSeenLogoutToken(base, table=True):  # type: ignore[misc, valid-type, call-arg]
        """A logout token already received (its ``jti``), kept while it could be replayed."""

        __tablename__ = "auth_seen_logout_token"

        jti: str = Field(primary_key=True, max_length=JTI_LENGTH)
        expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)  # type: ignore[call-overload]

    return AuthTables(ended_session=AuthEndedSession, seen_logout_token=AuthSeenLogoutToken)


def session_ended(session: Session, tables: AuthTables, sid: str) -> bool:
    """Whether the provider ended session ``sid`` (one primary-key lookup)."""
    return session.get(tables.ended_session, sid) is not None


def end_session(session: Session, tables: AuthTables, sid: str, now: datetime) -> None:
    """Record that session ``sid`` ended (idempotent)."""
    if session.get(tables.ended_session, sid) is None:
        session.add(tables.ended_session(sid=sid, ended_at=now))  # type: ignore[call-arg]
        session.flush()


def remember_logout_token(
    session: Session, tables: AuthTables, jti: str, expires_at: datetime
) -> bool:
    """Remember a logout token's ``jti``; False if it was already received (a replay).

    Call it first in its transaction: a concurrent duplicate rolls the session back.
    """
    if session.get(tables.seen_logout_token, jti) is not None:
        return False
    session.add(tables.seen_logout_token(jti=jti, expires_at=expires_at))  # type: ignore[call-arg]
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False  # another worker stored the same jti a moment ago
    return True


def prune(session: Session, tables: AuthTables, now: datetime) -> None:
    """Forget jtis that can no longer be replayed and sessions ended long ago."""
    seen, ended = tables.seen_logout_token, tables.ended_session
    session.execute(delete(seen).where(seen.expires_at < now))  # type: ignore[attr-defined]
    cutoff = now - ENDED_SESSION_MEMORY
    session.execute(delete(ended).where(ended.ended_at < cutoff))  # type: ignore[attr-defined]


def utcnow() -> datetime:
    return datetime.now(UTC)
