"""The municipal counter (市区町村の窓口): clerks sign in with a password and a TOTP code, find
a resident's card and, having seen the resident's identity document, reset a locked PIN or
signing password.

Each use case owns its transaction and writes the audit trail: ``staff_signin``,
``staff_signin_failed``, ``pin_reset``, ``signing_password_reset``. No PIN, password or code is
ever audited or logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from govkit import staff
from idp import audit
from idp.card import CardReader, CardState, UnknownCard
from idp.domain.people import PIN, SIGNING_PASSWORD
from idp.models import CardRecord, Citizen, StaffUser

MAX_USERNAME = 64
MAX_QUERY = 100
MAX_RESULTS = 50


class StaffSignInFailed(Exception):
    """Sign-in refused: ``reason`` is ``"invalid"``, ``"code_reused"`` or ``"locked"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityNotChecked(ValueError):
    """A reset needs the clerk to have seen the resident's identity document."""


class BadNewSecret(ValueError):
    """The new PIN or signing password breaks the card's rules."""


@dataclass(frozen=True)
class Clerk:
    """A signed-in counter clerk (what the staff session remembers)."""

    username: str
    display_name: str


def staff_sign_in(
    session: Session, *, username: str, password: str, totp_code: str, now: datetime
) -> Clerk:
    """Check a clerk's password and TOTP code (:func:`govkit.staff.check_attempt`): five
    failures in a row lock the account.

    A code from a time step already used (or older) is refused: a code seen over a shoulder or
    replayed from a log cannot open a second session.
    """
    user = session.get(StaffUser, username) if 0 < len(username) <= MAX_USERNAME else None
    if user is None:
        staff.miss(password)
        audit.record(session, "staff_signin_failed", now=now, reason="unknown_user")
        session.commit()
        raise StaffSignInFailed("invalid")
    if user.locked_at is not None:
        audit.record(session, "staff_signin_failed", now=now, staff=user.username, reason="locked")
        session.commit()
        raise StaffSignInFailed("locked")
    attempt = staff.check_attempt(
        password_hash=user.password_hash,
        totp_secret=user.totp_secret,
        last_totp_step=user.last_totp_step,
        failures=user.failures,
        password=password,
        code=totp_code,
        now=now,
    )
    if not attempt.accepted:
        user.failures = attempt.failures
        if attempt.locks:
            user.locked_at = now
        session.add(user)
        audit.record(
            session,
            "staff_signin_failed",
            now=now,
            staff=user.username,
            reason=attempt.reason,
            failures=user.failures,
            locked=user.locked_at is not None,
        )
        session.commit()
        if user.locked_at is not None:
            raise StaffSignInFailed("locked")
        raise StaffSignInFailed("code_reused" if attempt.reason == "code_reused" else "invalid")
    user.failures = 0
    user.last_totp_step = attempt.step
    session.add(user)
    audit.record(session, "staff_signin", now=now, staff=user.username)
    session.commit()
    return Clerk(user.username, user.display_name)


def current_clerk(session: Session, username: str) -> Clerk | None:
    """The clerk a staff session names, if they may still work (exists, not locked)."""
    user = session.get(StaffUser, username) if 0 < len(username) <= MAX_USERNAME else None
    if user is None or user.locked_at is not None:
        return None
    return Clerk(user.username, user.display_name)


@dataclass(frozen=True)
class CardHolder:
    """A card found at the counter: whose it is and the state the card reports."""

    card_id: str
    citizen_id: str
    name: str
    name_kana: str
    name_roman: str
    birthdate: date
    state: CardState


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_cards(session: Session, *, reader: CardReader, query: str) -> list[CardHolder]:
    """Cards whose holder's name (kanji, kana or romanised, in part) contains ``query``."""
    text = " ".join(query.split())
    if not text or len(text) > MAX_QUERY:
        return []
    pattern, compact = _like(text), _like(text.replace(" ", ""))
    # Each part of the name, and the whole name written with or without a space
    # ("森下健太", "森下 健太", "モリシタ ケンタ" all find 森下 健太).
    parts = (Citizen.family_name, Citizen.given_name, Citizen.family_name_kana,
             Citizen.given_name_kana, Citizen.name_roman)  # fmt: skip
    whole = (
        col(Citizen.family_name) + col(Citizen.given_name),
        col(Citizen.family_name_kana) + col(Citizen.given_name_kana),
    )
    conditions = [col(field).ilike(pattern, escape="\\") for field in parts]
    conditions += [field.ilike(compact, escape="\\") for field in whole]
    rows = session.exec(
        select(CardRecord, Citizen)
        .join(Citizen, col(Citizen.id) == col(CardRecord.citizen_id))
        .where(or_(*conditions))
        .order_by(col(Citizen.family_name_kana), col(Citizen.given_name_kana), col(Citizen.id))
        .limit(MAX_RESULTS)
    ).all()
    return [
        CardHolder(
            card_id=card.card_id,
            citizen_id=citizen.id,
            name=f"{citizen.family_name} {citizen.given_name}",
            name_kana=f"{citizen.family_name_kana} {citizen.given_name_kana}",
            name_roman=citizen.name_roman,
            birthdate=citizen.birthdate,
            state=reader.state(card.card_id),
        )
        for card, citizen in rows
    ]


def card_holder(session: Session, *, reader: CardReader, card_id: str) -> CardHolder:
    """One card and its holder (``UnknownCard`` when there is no such card)."""
    card = session.get(CardRecord, card_id) if 0 < len(card_id) <= 32 else None
    citizen = session.get(Citizen, card.citizen_id) if card is not None else None
    if card is None or citizen is None:
        raise UnknownCard(card_id)
    return CardHolder(
        card_id=card.card_id,
        citizen_id=citizen.id,
        name=f"{citizen.family_name} {citizen.given_name}",
        name_kana=f"{citizen.family_name_kana} {citizen.given_name_kana}",
        name_roman=citizen.name_roman,
        birthdate=citizen.birthdate,
        state=reader.state(card.card_id),
    )


def reset_pin(
    session: Session,
    *,
    reader: CardReader,
    card_id: str,
    new_pin: str,
    identity_checked: bool,
    clerk: Clerk,
    now: datetime,
) -> CardState:
    """Set a new PIN on the resident's card, which unlocks it (after 3 wrong PINs)."""
    if not identity_checked:
        raise IdentityNotChecked(card_id)
    if not PIN.match(new_pin):
        raise BadNewSecret("a PIN is 4 digits")
    holder = card_holder(session, reader=reader, card_id=card_id)
    reader.reset_pin(card_id, new_pin)
    audit.record(
        session,
        "pin_reset",
        now=now,
        citizen_id=holder.citizen_id,
        card_id=card_id,
        staff=clerk.username,
        was_locked=holder.state.locked,
        identity_checked=True,
    )
    session.commit()
    return reader.state(card_id)


def reset_signing_password(
    session: Session,
    *,
    reader: CardReader,
    card_id: str,
    new_password: str,
    identity_checked: bool,
    clerk: Clerk,
    now: datetime,
) -> CardState:
    """Set a new signing password (6–16 letters and digits), which unlocks signing."""
    if not identity_checked:
        raise IdentityNotChecked(card_id)
    if not SIGNING_PASSWORD.match(new_password):
        raise BadNewSecret("a signing password is 6 to 16 letters and digits")
    holder = card_holder(session, reader=reader, card_id=card_id)
    if not holder.state.can_sign:
        raise BadNewSecret("this card has no signing certificate")
    reader.reset_signing_password(card_id, new_password)
    audit.record(
        session,
        "signing_password_reset",
        now=now,
        citizen_id=holder.citizen_id,
        card_id=card_id,
        staff=clerk.username,
        was_locked=holder.state.sign_locked,
        identity_checked=True,
    )
    session.commit()
    return reader.state(card_id)
