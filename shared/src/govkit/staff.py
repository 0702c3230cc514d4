"""Staff sign-in mechanisms shared by every service with a back office (the identity provider's
municipal counter, the city's resident register): how a password is kept, how a TOTP code is
checked, and the policy a sign-in attempt follows.

* :func:`hash_secret` / :func:`check_secret` — scrypt for low-entropy secrets (passwords, PINs),
  compared in constant time; :func:`miss` spends the same time when there is nothing to compare
  with (an unknown username), so that a miss cannot be told from a hit by its timing;
* :func:`matching_step` — the RFC 6238 time step a code belongs to (one step early or late);
* :func:`check_attempt` — the policy, with no storage of its own: the password and the code
  must both be right, a code from a time step already used (or older) is refused, and
  :data:`STAFF_ATTEMPTS` failures in a row lock the account. The caller keeps the account's
  counters in its own table and writes its own audit trail;
* :class:`SignInForm`, :func:`sign_in_notice` and :func:`sign_in_refusal` — the sign-in page's
  form and messages, which the services' pages show with ``govkit/staff/sign-in.html`` (and
  their staff bar with ``govkit/staff/layout.html``);
* :class:`StaffSession` — which clerk a browser is signed in as, ended after
  :data:`IDLE_LIMIT` without a request, and the access rule of a back office's pages.

No password, secret or code is ever logged. ``.venv/bin/python -m govkit.staff <secret>`` prints
the code an authenticator app would show now (for demo logins).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

import pyotp
from flask import g, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField

from govkit.access import AccessRule
from govkit.forms import Form

#: Wrong passwords or codes in a row before a staff account locks.
STAFF_ATTEMPTS = 5
#: A TOTP code is accepted one 30-second step early or late (pyotp's ``valid_window=1``).
TOTP_WINDOW = 1
TOTP_CODE_DIGITS = 6

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of ``secret`` (``scrypt$`` + base64 of salt and digest)."""
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


@functools.cache
def _dummy_hash() -> str:
    return hash_secret("madoguchi-staff-no-such-account")


def miss(password: str) -> None:
    """Spend the time a password check takes, for a username that does not exist."""
    check_secret(password, _dummy_hash())


def new_password(nbytes: int = 12) -> str:
    """A random password for a demo account (URL-safe, 16 characters for 12 bytes)."""
    return secrets.token_urlsafe(nbytes)


def new_totp_secret() -> str:
    """A random base32 TOTP secret, as authenticator apps take it."""
    return pyotp.random_base32()


def code_is_well_formed(code: str) -> bool:
    """Six ASCII digits (what the sign-in form asks for)."""
    return len(code) == TOTP_CODE_DIGITS and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The TOTP time step ``code`` belongs to, within one step of ``now``; ``None`` if none."""
    if not code_is_well_formed(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in range(-TOTP_WINDOW, TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def current_code(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at ``now``."""
    return pyotp.TOTP(secret).at(now)


@dataclass(frozen=True)
class Attempt:
    """What a sign-in attempt comes to, for an account that exists and is not locked.

    ``accepted``: sign the person in and remember ``step`` as the last step used (and reset
    the failure count to 0). Otherwise ``reason`` is ``"wrong_password"``, ``"wrong_code"`` or
    ``"code_reused"``, ``failures`` the new count of failures in a row, and ``locks`` whether
    the account locks now.
    """

    accepted: bool
    reason: str | None
    step: int | None
    failures: int
    locks: bool


def check_attempt(
    *,
    password_hash: str,
    totp_secret: str,
    last_totp_step: int | None,
    failures: int,
    password: str,
    code: str,
    now: datetime,
) -> Attempt:
    """Check a password and a TOTP code against an account (which must not be locked).

    A code from a time step already used, or older, is refused: a code seen over a shoulder or
    replayed from a log cannot open a second session. The password is always checked, so a
    wrong code costs the same time as a wrong password.
    """
    password_ok = check_secret(password, password_hash)
    step = matching_step(totp_secret, code.strip(), now)
    reused = (
        password_ok and step is not None and last_totp_step is not None and step <= last_totp_step
    )
    if password_ok and step is not None and not reused:
        return Attempt(accepted=True, reason=None, step=step, failures=0, locks=False)
    reason = "code_reused" if reused else ("wrong_code" if password_ok else "wrong_password")
    failures += 1
    return Attempt(
        accepted=False,
        reason=reason,
        step=None,
        failures=failures,
        locks=failures >= STAFF_ATTEMPTS,
    )


# -- the sign-in page ---------------------------------------------------------------------------


class SignInForm(Form):
    """Username, password and the code from an authenticator app (plus the CSRF token)."""

    username = StringField()
    password = PasswordField()
    code = StringField()

    def entered(self) -> tuple[str, str, str]:
        """(username without surrounding spaces, password, code) as sent."""
        return (self.username.data or "").strip(), self.password.data or "", self.code.data or ""

    def problems(self) -> dict[str, str]:
        """What stops the sign-in from being tried (field id → message): an expired form (its
        CSRF token), or a field that is missing or malformed."""
        if not self.validate_on_submit():  # only the CSRF token can fail here
            return {"username": _("The form has expired. Send it again.")}
        return read_sign_in(*self.entered())


def read_sign_in(username: str, password: str, code: str) -> dict[str, str]:
    """What is missing or malformed in a sign-in form (field id → message)."""
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = _("Enter your username")
    if not password:
        errors["password"] = _("Enter your password")
    digits = code.strip()
    if not digits:
        errors["code"] = _("Enter the 6-digit code from your authenticator app")
    elif not code_is_well_formed(digits):
        errors["code"] = _("The code must be 6 digits, like 123456")
    return errors


def sign_in_notice(args: Mapping[str, str]) -> str | None:
    """The banner on the sign-in page a service sends to after an idle session
    (``?expired=1``) or a sign-out (``?signed_out=1``)."""
    if args.get("expired"):
        return _("You were signed out after 30 minutes without activity. Sign in again.")
    if args.get("signed_out"):
        return _("You have signed out.")
    return None


def sign_in_refusal(reason: str) -> tuple[str, str, int]:
    """(the field, the message, the status code) for a sign-in refused for ``reason``:
    ``"invalid"``, ``"code_reused"`` or ``"locked"``."""
    refusals = {
        "invalid": ("username", _("The username, password or code is not right"), 400),
        "code_reused": (
            "code",
            _("This code has already been used. Wait for your app to show a new code."),
            400,
        ),
        "locked": (
            "username",
            _("This account is locked after 5 failed attempts. Ask your administrator "
              "to unlock it."),
            403,
        ),
    }  # fmt: skip
    return refusals[reason]


# -- the staff session --------------------------------------------------------------------------

#: A staff session ends after this long without a request (the sign-in page then says so).
IDLE_LIMIT = timedelta(minutes=30)


class Staff(Protocol):
    @property
    def username(self) -> str: ...


StaffT = TypeVar("StaffT", bound=Staff)


class StaffSession(Generic[StaffT]):
    """Which clerk this browser is signed in as: the username and the time of the clerk's last
    request, under ``key`` in Flask's signed session cookie. Each request looks the clerk up
    again (``find``: ``None`` once the account is removed or locked), so a lock takes effect at
    the next click; :data:`IDLE_LIMIT` without a request ends the session.

    :meth:`access_rule` guards a back office's blueprint: signed-in clerks go through (their
    session kept alive, the clerk in ``g.clerk``), everyone else goes to ``sign_in_endpoint``,
    with ``?expired=1`` when an idle session just ended. ``open_endpoints`` (the sign-in page
    and its form) need no session."""

    def __init__(
        self,
        *,
        key: str,
        find: Callable[[str], StaffT | None],
        sign_in_endpoint: str,
        open_endpoints: Iterable[str],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.key = key
        self._find = find
        self._sign_in_endpoint = sign_in_endpoint
        self._open = frozenset(open_endpoints)
        self._now = now

    def current(self) -> tuple[StaffT | None, bool]:
        """(the signed-in clerk or ``None``, whether an idle session has just ended)."""
        data = session.get(self.key)
        if not isinstance(data, dict):
            return None, False
        last_seen, username = data.get("last_seen"), data.get("username")
        if not isinstance(last_seen, int | float) or not isinstance(username, str):
            self.end()
            return None, False
        if self._now().timestamp() - last_seen > IDLE_LIMIT.total_seconds():
            self.end()
            return None, True
        clerk = self._find(username)
        if clerk is None:  # removed or locked since signing in
            self.end()
        return clerk, False

    def begin(self, clerk: StaffT) -> None:
        """A clerk has just signed in: whatever this browser held under ``key`` is replaced."""
        self.end()
        self._touch(clerk)

    def end(self) -> None:
        session.pop(self.key, None)

    def _touch(self, clerk: StaffT) -> None:
        session[self.key] = {"username": clerk.username, "last_seen": int(self._now().timestamp())}

    def _required(self) -> Response | None:
        if request.endpoint in self._open:
            return None
        clerk, expired = self.current()
        if clerk is None:
            target = url_for(self._sign_in_endpoint, expired=1 if expired else None)
            return redirect(target, code=303)
        self._touch(clerk)
        g.clerk = clerk
        return None

    def access_rule(self, name: str) -> AccessRule:
        return AccessRule(name, self._required)


def main(argv: list[str]) -> int:
    """``python -m govkit.staff <secret>``: the current code for a TOTP secret."""
    if len(argv) != 1:
        print("usage: python -m govkit.staff <TOTP secret>", file=sys.stderr)
        return 2
    try:
        print(current_code(argv[0], datetime.now(UTC)))
    except (ValueError, TypeError):  # pyotp: not base32
        print("that is not a base32 TOTP secret", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
