"""The municipal counter: a clerk signs in with password + TOTP (codes used once, five failures
lock the account), finds a resident's card and, having seen their identity document, resets a
locked PIN or signing password. Pages go through the page checker (in English: the Japanese
catalogue is translated separately); without a staff session every page sends you to sign in.
Cards come from the real trust service (a three-person seed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from werkzeug.test import TestResponse

from govkit.db import get_database
from govkit.testing import Page, check_page
from govkit.testing.plugin import RunningTrust, ServiceAppFactory
from govkit.web import get_settings
from idp import counter, provisioning
from idp.card import CardLocked, WrongPin
from idp.card.simulator import SimulatedCardReader
from idp.models import AuditEvent, CardRecord, Citizen, StaffUser

TODAY = date(2026, 5, 20)
#: An adult, a 16-year-old (may sign) and a child (no signing certificate).
SEED = """
reference_date = 2025-12-01
demo_pin = "1234"
demo_signing_password = "Sakura2025"

[households.H2]
address = "桜木市中央二丁目5番8号"
postal_code = "000-0102"

[[people]]
id = "H2-1"
household = "H2"
family_name = "大野"
given_name = "誠"
family_name_kana = "オオノ"
given_name_kana = "マコト"
name_roman = "ONO Makoto"
sex = "male"
born = 1966-04-10

[[people]]
id = "H2-4"
household = "H2"
family_name = "大野"
given_name = "美咲"
family_name_kana = "オオノ"
given_name_kana = "ミサキ"
name_roman = "ONO Misaki"
sex = "female"
born = 2009-05-05

[[people]]
id = "H3-5"
household = "H2"
family_name = "石川"
given_name = "結衣"
family_name_kana = "イシカワ"
given_name_kana = "ユイ"
name_roman = "ISHIKAWA Yui"
sex = "female"
born = 2021-12-10
"""


@pytest.fixture
def app(service_app: ServiceAppFactory, trust_service: RunningTrust, tmp_path: Path) -> Flask:
    seed_file = tmp_path / "personas.toml"
    seed_file.write_text(SEED, encoding="utf-8")
    return service_app(
        "idp",
        today=TODAY,
        seed_file=str(seed_file),
        rate_limit_staff="1000 per minute",
        **trust_service.settings_for_issuers(),
    )


@pytest.fixture
def staff(app: Flask) -> provisioning.StaffCredentials:
    with app.app_context():
        credentials = provisioning.read_staff_file(get_settings())  # type: ignore[arg-type]
    assert credentials is not None
    return credentials


class Counter:
    """A browser at the counter, in English, whose pages all go through the page checker."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.client.set_cookie("kit_lang", "en")

    def page(self, path: str, *, status: int = 200, **expected: Any) -> Page:
        return check_page(self.client.get(path), status=status, lang="en", **expected)

    def token(self, path: str = "/counter/sign-in") -> str:
        answer = self.client.get(path)
        page = check_page(answer, lang="en")
        return str(page.select_one("input[name=csrf_token]")["value"])

    def post(self, path: str, **form: str) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.token(), **form})

    def sign_in(
        self, staff: provisioning.StaffCredentials, code: str | None = None, **changes: str
    ) -> TestResponse:
        form = {
            "username": staff.username,
            "password": staff.password,
            "code": code if code is not None else pyotp.TOTP(staff.totp_secret).now(),
            **changes,
        }
        return self.post("/counter/sign-in", **form)


@pytest.fixture
def browser(app: Flask) -> Counter:
    return Counter(app)


@pytest.fixture
def signed_in(browser: Counter, staff: provisioning.StaffCredentials) -> Counter:
    answer = browser.sign_in(staff)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert answer.headers["Location"] == "/counter/"
    return browser


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    with get_database(app).session() as session:
        yield session


def card_id_of(session: Session, persona: str) -> str:
    citizen = session.exec(select(Citizen).where(Citizen.persona == persona)).one()
    card = session.exec(select(CardRecord).where(CardRecord.citizen_id == citizen.id)).one()
    return card.card_id


def events(session: Session, name: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.event == name)).all())


def lock_card(session: Session, card_id: str) -> None:
    """Three wrong PINs, as a resident would type them at a sign-in."""
    reader = SimulatedCardReader(session, datetime.now(UTC))
    for _attempt in range(3):
        with pytest.raises((WrongPin, CardLocked)):
            reader.authenticate(card_id, "0000", b"challenge")
    session.commit()
    assert reader.state(card_id).locked


def error_summary(page: Page) -> list[str]:
    return [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]


# -- access ---------------------------------------------------------------------------------------


PROTECTED = [
    "/counter/",
    "/counter/?q=大野",
    "/counter/cards/abc/pin",
    "/counter/cards/abc/pin/done",
    "/counter/cards/abc/signing-password",
    "/counter/cards/abc/signing-password/done",
]


def test_without_a_staff_session_every_page_sends_you_to_sign_in(browser: Counter) -> None:
    for path in PROTECTED:
        answer = browser.client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["Location"] == "/counter/sign-in", path


def test_a_post_without_a_staff_session_changes_nothing(browser: Counter, db: Session) -> None:
    """A reset posted (with a valid CSRF token) without signing in is sent to sign in."""
    card_id = card_id_of(db, "H2-1")
    lock_card(db, card_id)
    answer = browser.post(
        f"/counter/cards/{card_id}/pin", identity_checked="y", pin="4321", pin_again="4321"
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/counter/sign-in"
    db.expire_all()
    assert SimulatedCardReader(db, datetime.now(UTC)).state(card_id).locked


def test_the_sign_in_page(browser: Counter) -> None:
    page = browser.page("/counter/sign-in", h1="Sign in to the municipal counter")
    assert page.select_one("input#username")
    assert page.select_one("input#password")["type"] == "password"
    code = page.select_one("input#code")
    assert (code["autocomplete"], code["inputmode"]) == ("one-time-code", "numeric")
    assert page.select(".kit-staff-bar") == []


def test_the_sign_in_page_in_japanese_passes_the_checker(browser: Counter) -> None:
    browser.client.set_cookie("kit_lang", "ja")
    check_page(browser.client.get("/counter/sign-in"), lang="ja")


# -- signing in -----------------------------------------------------------------------------------


def test_a_clerk_signs_in_with_password_and_code(
    signed_in: Counter, staff: provisioning.StaffCredentials, db: Session
) -> None:
    page = signed_in.page("/counter/", h1="Find a resident's card")
    assert "signed in as 桜木市 市民課 窓口 (counter)" in page.text()
    assert page.select_one(".kit-staff-bar form")["action"] == "/counter/sign-out"
    [event] = events(db, "staff_signin")
    assert event.detail == {"staff": "counter"}
    clerk = db.get(StaffUser, "counter")
    assert clerk.failures == 0
    assert clerk.last_totp_step is not None
    # Signed in, the sign-in page sends you on.
    assert signed_in.client.get("/counter/sign-in").headers["Location"] == "/counter/"


def test_a_wrong_password_code_or_username_is_one_plain_message(
    browser: Counter, staff: provisioning.StaffCredentials, db: Session
) -> None:
    """The page never says which part was wrong; the audit log does (without the values)."""
    totp = pyotp.TOTP(staff.totp_secret)
    wrong_code = next(c for c in ("000000", "111111") if not totp.verify(c, valid_window=1))
    for changes, reason in [
        ({"password": "not-the-password"}, "wrong_password"),
        ({"code": wrong_code}, "wrong_code"),
        ({"username": "nobody"}, "unknown_user"),
    ]:
        answer = browser.sign_in(staff, **changes)
        page = check_page(answer, status=400, lang="en", h1="Sign in to the municipal counter")
        assert error_summary(page) == ["The username, password or code is not right"]
        assert page.title.startswith("Error:")
        event = events(db, "staff_signin_failed")[-1]
        assert event.detail["reason"] == reason
        assert "not-the-password" not in str(event.detail)
        assert wrong_code not in str(event.detail)
    assert browser.client.get("/counter/").status_code == 303  # still not signed in
    assert db.get(StaffUser, "counter").failures == 2  # the unknown user counts for no one


def test_an_incomplete_sign_in_form_says_what_is_missing(browser: Counter, db: Session) -> None:
    cases = [
        (
            {"username": "", "password": "", "code": ""},
            ["Enter your username", "Enter your password",
             "Enter the 6-digit code from your authenticator app"],
        ),
        ({"username": "counter", "password": "x", "code": "12ab56"},
         ["The code must be 6 digits, like 123456"]),
        ({"username": "counter", "password": "x", "code": "１２３４５６"},
         ["The code must be 6 digits, like 123456"]),
    ]  # fmt: skip
    for form, errors in cases:
        page = check_page(browser.post("/counter/sign-in", **form), status=400, lang="en")
        assert error_summary(page) == errors
    assert events(db, "staff_signin_failed") == []  # nothing was tried


def test_a_code_works_once(
    browser: Counter, staff: provisioning.StaffCredentials, db: Session
) -> None:
    """Signing in again with the same code (seen over a shoulder, say) is refused."""
    code = pyotp.TOTP(staff.totp_secret).now()
    assert browser.sign_in(staff, code).status_code == 303
    browser.client.post("/counter/sign-out", data={"csrf_token": browser.token("/counter/")})
    page = check_page(browser.sign_in(staff, code), status=400, lang="en")
    assert error_summary(page) == [
        "This code has already been used. Wait for your app to show a new code."
    ]
    assert events(db, "staff_signin_failed")[-1].detail["reason"] == "code_reused"


def test_five_failures_lock_the_account(
    browser: Counter, staff: provisioning.StaffCredentials, db: Session
) -> None:
    """After five wrong passwords even the right password and code are refused (403)."""
    for attempt in range(1, 6):
        answer = browser.sign_in(staff, password=f"wrong-{attempt}")
        assert answer.status_code == (400 if attempt < 5 else 403)
    page = check_page(browser.sign_in(staff), status=403, lang="en")
    assert error_summary(page) == [
        "This account is locked after 5 failed attempts. Ask your administrator to unlock it."
    ]
    db.expire_all()
    assert db.get(StaffUser, "counter").locked_at is not None
    reasons = [e.detail["reason"] for e in events(db, "staff_signin_failed")]
    assert reasons == ["wrong_password"] * 5 + ["locked"]
    assert events(db, "staff_signin") == []


def idle_for(browser: Counter, *, minutes: int) -> None:
    """Pretend the clerk's last request was ``minutes`` ago."""
    with browser.client.session_transaction() as session:
        staff = dict(session["staff"])
        staff["last_seen"] -= minutes * 60
        session["staff"] = staff


def test_a_session_ends_after_30_idle_minutes(signed_in: Counter, db: Session) -> None:
    idle_for(signed_in, minutes=31)
    answer = signed_in.client.get("/counter/")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/counter/sign-in?expired=1"
    page = signed_in.page("/counter/sign-in?expired=1")
    assert (
        "signed out after 30 minutes without activity"
        in page.select_one(".govuk-notification-banner").get_text()
    )
    assert signed_in.client.get("/counter/").status_code == 303


def test_activity_keeps_the_session_alive(signed_in: Counter) -> None:
    idle_for(signed_in, minutes=29)
    assert signed_in.client.get("/counter/").status_code == 200
    with signed_in.client.session_transaction() as session:
        assert session["staff"]["last_seen"] >= datetime.now(UTC).timestamp() - 5


def test_signing_out(signed_in: Counter) -> None:
    answer = signed_in.client.post(
        "/counter/sign-out", data={"csrf_token": signed_in.token("/counter/")}
    )
    assert answer.headers["Location"] == "/counter/sign-in?signed_out=1"
    assert "You have signed out." in signed_in.page("/counter/sign-in?signed_out=1").text()
    assert signed_in.client.get("/counter/").status_code == 303


def test_a_locked_clerk_loses_their_session(signed_in: Counter, db: Session) -> None:
    clerk = db.get(StaffUser, "counter")
    clerk.locked_at = datetime.now(UTC)
    db.add(clerk)
    db.commit()
    assert signed_in.client.get("/counter/").status_code == 303


# -- finding cards --------------------------------------------------------------------------------


def test_the_search_lists_cards_with_their_state(signed_in: Counter, db: Session) -> None:
    """By kanji, kana or Latin name; each card's PIN and signing state, and what can be reset."""
    adult, child = card_id_of(db, "H2-1"), card_id_of(db, "H3-5")
    lock_card(db, adult)
    page = signed_in.page("/counter/?q=大野", h1="Find a resident's card")
    rows = {row["data-card"]: row for row in page.select("#cards tbody tr")}
    assert set(rows) == {adult, card_id_of(db, "H2-4")}
    assert rows[adult].select_one("[data-status=pin]").get_text(strip=True) == "Locked"
    assert rows[adult].select_one("[data-status=signing]").get_text(strip=True) == "Working"
    assert page.select_one("input#q")["value"] == "大野"

    for query in ("イシカワ", "ishikawa", "石川結衣", "石川 結衣"):
        found = signed_in.page(f"/counter/?q={query}")
        [row] = found.select("#cards tbody tr")
        assert row["data-card"] == child
        assert row.select_one("[data-status=signing]").get_text(strip=True) == (
            "No signing certificate (under 15)"
        )
        assert [a.get_text(" ", strip=True) for a in row.select("a")] == ["Reset PIN of 石川 結衣"]


def test_in_japanese_a_working_card_is_usable_and_the_table_scrolls(
    signed_in: Counter, db: Session
) -> None:
    """利用可能 (usable), not 処理中 (processing); the wide table scrolls inside its own region
    at a phone's width instead of widening the page."""
    adult = card_id_of(db, "H2-1")
    signed_in.client.set_cookie("kit_lang", "ja")
    page = check_page(signed_in.client.get("/counter/?q=大野"), lang="ja")
    row = page.select_one(f"[data-card='{adult}']")
    assert row.select_one("[data-status=pin]").get_text(strip=True) == "利用可能"
    assert row.select_one("[data-status=signing]").get_text(strip=True) == "利用可能"
    region = page.select_one("div.kit-table-scroll")
    assert (region["tabindex"], region["role"], region["aria-label"]) == ("0", "region", "カード")
    assert region.select_one("table#cards") is not None


def test_two_wrong_pins_show_as_a_count(signed_in: Counter, db: Session) -> None:
    card_id = card_id_of(db, "H2-1")
    reader = SimulatedCardReader(db, datetime.now(UTC))
    for _attempt in range(2):
        with pytest.raises(WrongPin):
            reader.authenticate(card_id, "0000", b"c")
    db.commit()
    page = signed_in.page("/counter/?q=ONO Makoto")
    assert page.select_one(f"[data-card='{card_id}'] [data-status=pin]").get_text(strip=True) == (
        "2 wrong PINs"
    )


def test_no_match_is_said_plainly(signed_in: Counter) -> None:
    """LIKE wildcards are searched for literally."""
    for query in ("該当者なし", "%", "_", "大野%"):
        page = signed_in.page(f"/counter/?q={query}")
        assert page.select("#cards") == []
        assert page.select_one("#no-match").get_text(strip=True) == (
            f"No card holder's name contains “{query}”."
        )


def test_a_too_long_search_is_an_error_not_a_crash(signed_in: Counter) -> None:
    page = signed_in.page("/counter/?q=" + "あ" * 101, status=400)
    assert error_summary(page) == ["Enter 100 characters or fewer"]


# -- resets ---------------------------------------------------------------------------------------


def test_a_reset_unlocks_a_locked_card(signed_in: Counter, db: Session, app: Flask) -> None:
    """The clerk confirms the identity check and types the new PIN twice; the card is unlocked,
    takes the new PIN only, and the audit log names the clerk (never the PIN)."""
    card_id = card_id_of(db, "H2-1")
    lock_card(db, card_id)
    page = signed_in.page(f"/counter/cards/{card_id}/pin", h1="Reset the card's PIN")
    assert "大野 誠 (オオノ マコト)" in page.text()
    assert page.select_one("main form[method=post]")["action"] == f"/counter/cards/{card_id}/pin"

    token = signed_in.token(f"/counter/cards/{card_id}/pin")
    answer = signed_in.client.post(
        f"/counter/cards/{card_id}/pin",
        data={"csrf_token": token, "identity_checked": "y", "pin": "4321", "pin_again": "4321"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/counter/cards/{card_id}/pin/done"
    done = signed_in.page(answer.headers["Location"], h1="PIN reset")
    assert "The card is unlocked and takes the new PIN." in done.text()

    db.expire_all()
    reader = SimulatedCardReader(db, datetime.now(UTC))
    assert reader.state(card_id).locked is False
    reader.authenticate(card_id, "4321", b"challenge")
    with pytest.raises(WrongPin):
        reader.authenticate(card_id, "1234", b"challenge")
    [event] = events(db, "pin_reset")
    assert event.detail == {
        "card_id": card_id,
        "staff": "counter",
        "was_locked": True,
        "identity_checked": True,
    }
    assert "4321" not in str(event.detail)


def test_a_pin_reset_form_with_mistakes_changes_nothing(signed_in: Counter, db: Session) -> None:
    card_id = card_id_of(db, "H2-1")
    lock_card(db, card_id)
    path = f"/counter/cards/{card_id}/pin"
    cases = [
        ({}, ["Confirm that you have seen the resident's identity document", "Enter the new PIN"]),
        ({"identity_checked": "y", "pin": "12345", "pin_again": "12345"},
         ["The PIN must be 4 digits, like 1234"]),
        ({"identity_checked": "y", "pin": "1234", "pin_again": "1243"},
         ["The two PINs are not the same"]),
        ({"pin": "1234", "pin_again": "1234"},
         ["Confirm that you have seen the resident's identity document"]),
        ({"identity_checked": "y", "pin": "1234\n", "pin_again": "1234\n"},
         ["The PIN must be 4 digits, like 1234"]),
    ]  # fmt: skip
    for form, errors in cases:
        answer = signed_in.client.post(path, data={"csrf_token": signed_in.token(path), **form})
        page = check_page(answer, status=400, lang="en", h1="Reset the card's PIN")
        assert error_summary(page) == errors
    db.expire_all()
    assert SimulatedCardReader(db, datetime.now(UTC)).state(card_id).locked
    assert events(db, "pin_reset") == []


def test_the_signing_password_is_reset_for_a_teenager(signed_in: Counter, db: Session) -> None:
    card_id = card_id_of(db, "H2-4")  # 16: has a signing certificate
    reader = SimulatedCardReader(db, datetime.now(UTC))
    state = reader.state(card_id)
    assert state.can_sign
    path = f"/counter/cards/{card_id}/signing-password"
    signed_in.page(path, h1="Reset the card's signing password")
    answer = signed_in.client.post(
        path,
        data={"csrf_token": signed_in.token(path), "identity_checked": "y",
              "password": "Misaki2026", "password_again": "Misaki2026"},
    )  # fmt: skip
    assert answer.headers["Location"] == f"{path}/done"
    signed_in.page(f"{path}/done", h1="Signing password reset")
    db.expire_all()
    SimulatedCardReader(db, datetime.now(UTC)).sign(card_id, "Misaki2026", b"data")
    [event] = events(db, "signing_password_reset")
    assert (event.detail["staff"], event.detail["card_id"]) == ("counter", card_id)


def test_a_child_has_no_signing_password_to_reset(signed_in: Counter, db: Session) -> None:
    card_id = card_id_of(db, "H3-5")
    signed_in.page(f"/counter/cards/{card_id}/signing-password", status=404)


def test_an_unknown_card_is_a_404(signed_in: Counter) -> None:
    for card_id in ("unknown", "x" * 40, "%27%20OR%201=1"):
        signed_in.page(f"/counter/cards/{card_id}/pin", status=404)
        signed_in.page(f"/counter/cards/{card_id}/pin/done", status=404)


# -- the use cases, with the clock in hand -------------------------------------------------------


def test_codes_one_step_early_or_late_are_accepted_two_are_not(
    app: Flask, staff: provisioning.StaffCredentials, db: Session
) -> None:
    """pyotp's valid_window=1: the step before, the current and the next; never older than the
    last one used."""
    totp = pyotp.TOTP(staff.totp_secret)
    now = datetime(2026, 5, 20, 9, 0, 15, tzinfo=UTC)

    def attempt(offset: int, at: datetime) -> str:
        try:
            counter.staff_sign_in(
                db, username="counter", password=staff.password,
                totp_code=totp.at(at, counter_offset=offset), now=at,
            )  # fmt: skip
        except counter.StaffSignInFailed as failure:
            return failure.reason
        return "ok"

    assert attempt(2, now) == "invalid"
    assert attempt(-2, now) == "invalid"
    assert attempt(-1, now) == "ok"
    assert attempt(-1, now) == "code_reused"  # the same step again
    assert attempt(0, now) == "ok"
    assert attempt(1, now) == "ok"
    later = now + timedelta(seconds=30)
    assert attempt(0, later) == "code_reused"  # that step was used a moment ago
    assert attempt(1, later) == "ok"


def test_a_clerk_must_have_checked_the_identity_document(app: Flask, db: Session) -> None:
    card_id = card_id_of(db, "H2-1")
    clerk = counter.Clerk("counter", "桜木市 市民課 窓口")
    reader = SimulatedCardReader(db, datetime.now(UTC))
    with pytest.raises(counter.IdentityNotChecked):
        counter.reset_pin(
            db, reader=reader, card_id=card_id, new_pin="4321", identity_checked=False,
            clerk=clerk, now=datetime.now(UTC),
        )  # fmt: skip
    with pytest.raises(counter.BadNewSecret):
        counter.reset_pin(
            db, reader=reader, card_id=card_id, new_pin="43210", identity_checked=True,
            clerk=clerk, now=datetime.now(UTC),
        )  # fmt: skip
    assert events(db, "pin_reset") == []
