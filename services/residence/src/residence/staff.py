"""The city's back-office staff (市民課): signing in with a password and a TOTP code, and the
demo clerk ``make up`` creates.

* :func:`clerk_sign_in` — the sign-in use case (the policy is :func:`govkit.staff.check_attempt`:
  both secrets right, a code never accepted twice, five failures in a row lock the account);
  every attempt lands in the audit trail (``clerk_signin`` / ``clerk_signin_failed``), never a
  password or a code;
* :func:`enrol_clerk` — a clerk with new credentials (unlocked);
* :func:`seed_clerks` / :func:`demo_logins` — the demo clerk, its credentials kept in
  ``<data_dir>/staff.toml`` (mode 0600), and the line ``make up`` prints.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from govkit import staff
from govkit.config import ServiceSettings
from govkit.db import Database
from govkit.service import DemoLogin
from residence import repository
from residence.models import AuditEvent, Clerk

DEMO_USERNAME = "shimin"
DEMO_DISPLAY_NAME = "桜木市 市民課 住民記録係"
MAX_USERNAME = 64


class ClerkSignInFailed(Exception):
    """Sign-in refused: ``reason`` is ``"invalid"``, ``"code_reused"`` or ``"locked"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignedInClerk:
    """A signed-in clerk (what the staff session remembers); ``actor`` is how the audit
    trail names them."""

    username: str
    display_name: str

    @property
    def actor(self) -> str:
        return f"clerk:{self.username}"


def _audit(session: Session, *, action: str, actor: str, now: datetime, **details: object) -> None:
    repository.save_audit_event(
        session=session,
        event=AuditEvent(at=now, actor=actor, action=action, details=dict(details)),
    )


def clerk_sign_in(
    *, session: Session, username: str, password: str, totp_code: str, now: datetime
) -> SignedInClerk:
    """Check a clerk's password and TOTP code (raises :class:`ClerkSignInFailed`); commits."""
    clerk = repository.find_clerk(session=session, username=username)
    if clerk is None:
        staff.miss(password)
        _audit(
            session, action="clerk_signin_failed", actor="system", now=now, reason="unknown_user"
        )
        session.commit()
        raise ClerkSignInFailed("invalid")
    actor = f"clerk:{clerk.username}"
    if clerk.locked_at is not None:
        _audit(session, action="clerk_signin_failed", actor=actor, now=now, reason="locked")
        session.commit()
        raise ClerkSignInFailed("locked")
    attempt = staff.check_attempt(
        password_hash=clerk.password_hash,
        totp_secret=clerk.totp_secret,
        last_totp_step=clerk.last_totp_step,
        failures=clerk.failed_attempts,
        password=password,
        code=totp_code,
        now=now,
    )
    if not attempt.accepted:
        clerk.failed_attempts = attempt.failures
        if attempt.locks:
            clerk.locked_at = now
        repository.save_clerk(session=session, clerk=clerk)
        _audit(
            session,
            action="clerk_signin_failed",
            actor=actor,
            now=now,
            reason=attempt.reason,
            failures=attempt.failures,
            locked=attempt.locks,
        )
        session.commit()
        if attempt.locks:
            raise ClerkSignInFailed("locked")
        raise ClerkSignInFailed("code_reused" if attempt.reason == "code_reused" else "invalid")
    clerk.failed_attempts = 0
    clerk.last_totp_step = attempt.step
    repository.save_clerk(session=session, clerk=clerk)
    _audit(session, action="clerk_signin", actor=actor, now=now)
    session.commit()
    return SignedInClerk(clerk.username, clerk.display_name)


def current_clerk(*, session: Session, username: str) -> SignedInClerk | None:
    """The clerk a staff session names, if they may still work (exists, not locked)."""
    clerk = repository.find_clerk(session=session, username=username)
    if clerk is None or clerk.locked_at is not None:
        return None
    return SignedInClerk(clerk.username, clerk.display_name)


def enrol_clerk(
    *,
    session: Session,
    username: str,
    display_name: str,
    password: str,
    totp_secret: str,
    now: datetime,
) -> Clerk:
    """Create a clerk, or give an existing one new credentials (which unlocks them); commits."""
    clerk = repository.find_clerk(session=session, username=username) or Clerk(
        username=username, display_name=display_name, password_hash="", totp_secret="",
        created_at=now,
    )  # fmt: skip
    clerk.display_name = display_name
    clerk.password_hash = staff.hash_secret(password)
    clerk.totp_secret = totp_secret
    clerk.failed_attempts = 0
    clerk.locked_at = None
    clerk.last_totp_step = None
    repository.save_clerk(session=session, clerk=clerk)
    _audit(session, action="clerk_enrolled", actor="system", now=now, clerk=username)
    session.commit()
    return clerk


# -- the demo clerk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClerkCredentials:
    """A clerk's demo credentials, as first generated (kept in ``staff.toml``)."""

    username: str
    display_name: str
    password: str
    totp_secret: str


def staff_file(settings: ServiceSettings) -> Path:
    return settings.data_dir / "staff.toml"


def read_staff_file(settings: ServiceSettings) -> ClerkCredentials | None:
    try:
        data = tomllib.loads(staff_file(settings).read_text(encoding="utf-8"))
        clerk = data["clerk"]
        return ClerkCredentials(
            str(clerk["username"]),
            str(clerk["display_name"]),
            str(clerk["password"]),
            str(clerk["totp_secret"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string (both escape quotes, backslashes and controls alike).
    return json.dumps(value, ensure_ascii=False)


def write_staff_file(settings: ServiceSettings, credentials: ClerkCredentials) -> Path:
    """Write the demo clerk's credentials readable by the owner only (mode 0600)."""
    path = staff_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# The back office's demo clerk (fictional). Codes: any authenticator app with the",
        "# TOTP secret, or `.venv/bin/python -m govkit.staff <totp_secret>`.",
        "[clerk]",
        *(
            f"{key} = {_toml_string(getattr(credentials, key))}"
            for key in ("username", "display_name", "password", "totp_secret")
        ),
    ]
    staged = path.with_suffix(".toml.new")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write("\n".join(lines) + "\n")
    os.replace(staged, path)
    return path


def seed_clerks(settings: ServiceSettings, session: Session, now: datetime) -> list[str]:
    """The demo clerk, once: a random password and TOTP secret, written to ``staff.toml``.
    Run again, it does nothing while the clerk and the file are both there."""
    existing = repository.find_clerk(session=session, username=DEMO_USERNAME)
    if existing is not None and read_staff_file(settings) is not None:
        return []
    credentials = ClerkCredentials(
        DEMO_USERNAME, DEMO_DISPLAY_NAME, staff.new_password(), staff.new_totp_secret()
    )
    enrol_clerk(
        session=session,
        username=credentials.username,
        display_name=credentials.display_name,
        password=credentials.password,
        totp_secret=credentials.totp_secret,
        now=now,
    )
    path = write_staff_file(settings, credentials)
    what = "new" if existing is None else "renewed"
    return [f"back-office clerk '{DEMO_USERNAME}' with {what} credentials in {path}"]


def demo_logins(settings: ServiceSettings, database: Database) -> list[DemoLogin]:
    """The line ``make up`` prints for the back office."""
    credentials = read_staff_file(settings)
    if credentials is None:
        return []
    return [
        DemoLogin(
            who=f"Register clerk, {credentials.display_name}",
            how=f"username {credentials.username}, password {credentials.password}, TOTP secret "
            f"{credentials.totp_secret} (an authenticator app, or "
            f"`.venv/bin/python -m govkit.staff {credentials.totp_secret}` for the current code)",
            where=f"{settings.public_url}/clerk/sign-in",
        )
    ]
