"""The back office of Sakuragi City's 市民課, through its pages: a clerk signs in with password and
TOTP code (a code works once, five failures lock), finds residents, records move-ins,
move-outs, births and corrections (each with its audit event and register event), sets, renews
and lifts DV support measures, reviews third-party requests and revokes copies issued in error.

Every page goes through the page checker (in English; the Japanese catalogue is translated
separately). Forms without their CSRF token change nothing; unknown ids are 404s; the My Number
and the 住民票コード appear on no page except masked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select
from werkzeug.test import TestResponse

from govkit.db import get_database
from govkit.testing import Page, check_page
from govkit.testing.plugin import RunningTrust
from govkit.web import get_settings
from residence import staff
from residence.models import (
    AuditEvent,
    CertificateRequest,
    Clerk,
    IssuedCertificate,
    RegisterEvent,
    Resident,
    SupportMeasure,
)
from residence.web import clerk as clerk_views

TODAY = date(2026, 11, 25)
ACTOR = f"clerk:{staff.DEMO_USERNAME}"
#: Tests whose queries are the same on every database run on SQLite only (the suite's time);
#: the search, a move-in, the queue and the issuance register also run on PostgreSQL.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def city(app: Flask) -> Flask:
    """The register with its back office and the demo clerk (the seed enrols them once; this
    makes sure, whatever the app fixture seeded)."""
    with app.app_context(), get_database(app).session() as session:
        staff.seed_clerks(get_settings(), session, datetime.now(UTC))
    return app


@pytest.fixture
def credentials(city: Flask) -> staff.ClerkCredentials:
    with city.app_context():
        found = staff.read_staff_file(get_settings())
    assert found is not None
    return found


@pytest.fixture
def db(city: Flask) -> Iterator[Session]:
    with get_database(city).session() as session:
        yield session


class Browser:
    """A clerk's browser, in English; every page it reads goes through the page checker."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()
        self.client.set_cookie("kit_lang", "en")
        self._token: str | None = None

    def page(self, path: str, *, status: int = 200, **expected: Any) -> Page:
        return check_page(self.client.get(path), status=status, lang="en", **expected)

    def token(self) -> str:
        """The session's CSRF token (every form of the session carries the same one), read
        from the sign-in page's form before signing in."""
        if self._token is None:
            page = self.page("/clerk/sign-in")
            self._token = str(page.select_one("input[name=csrf_token]")["value"])
        return self._token

    def post(self, path: str, **form: str) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.token(), **form})

    def sign_in(
        self, credentials: staff.ClerkCredentials, code: str | None = None, **changes: str
    ) -> TestResponse:
        form = {
            "username": credentials.username,
            "password": credentials.password,
            "code": code if code is not None else pyotp.TOTP(credentials.totp_secret).now(),
            **changes,
        }
        return self.post("/clerk/sign-in", **form)

    def follow(self, answer: TestResponse, **expected: Any) -> Page:
        assert answer.status_code == 303, answer.get_data(as_text=True)[:3000]
        return self.page(answer.headers["Location"], **expected)


@pytest.fixture
def browser(city: Flask) -> Browser:
    return Browser(city)


@pytest.fixture
def clerk(browser: Browser, credentials: staff.ClerkCredentials) -> Browser:
    answer = browser.sign_in(credentials)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert answer.headers["Location"] == "/clerk/"
    return browser


def audit(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    statement = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
    return list(session.exec(statement).all())


def events(session: Session, register_key: str) -> list[tuple[str, date]]:
    session.expire_all()
    statement = select(RegisterEvent).where(RegisterEvent.register_key == register_key)
    return [
        (e.kind, e.effective_on) for e in session.exec(statement.order_by(col(RegisterEvent.id)))
    ]


def resident(session: Session, register_key: str) -> Resident:
    session.expire_all()
    found = session.get(Resident, register_key)
    assert found is not None
    return found


def errors(page: Page) -> dict[str, str]:
    """Error summary: link target → text."""
    return {str(a["href"]): a.get_text(strip=True) for a in page.select(".govuk-error-summary a")}


def date_fields(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


# -- access and sign-in ----------------------------------------------------------------------------

PROTECTED = [
    "/clerk/",
    "/clerk/?q=森下",
    "/clerk/residents/H1-1",
    "/clerk/move-in",
    "/clerk/residents/H1-1/move-out",
    "/clerk/households/H1/birth",
    "/clerk/residents/H1-1/correct",
    "/clerk/residents/H1-1/support-measures/new",
    "/clerk/support-measures/1/lift",
    "/clerk/requests",
    "/clerk/requests/R-1",
    "/clerk/certificates/JR-1",
]


@sqlite_only
def test_without_a_staff_session_every_page_sends_you_to_sign_in(
    browser: Browser, db: Session
) -> None:
    for path in PROTECTED:
        answer = browser.client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["Location"] == "/clerk/sign-in", path
    # a post with a token but no staff session changes nothing
    answer = browser.post("/clerk/residents/H1-1/move-out", **{
        **date_fields("removed_on", TODAY), "moved_to": "梅園市本町1番1号",
    })  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/clerk/sign-in"
    assert resident(db, "H1-1").removed_on is None


@sqlite_only
def test_the_demo_clerk_is_seeded_once_with_its_credentials_in_a_private_file(
    city: Flask, credentials: staff.ClerkCredentials, db: Session
) -> None:
    with city.app_context():
        settings = get_settings()
    path = staff.staff_file(settings)
    assert path.name == "staff.toml"
    assert path.stat().st_mode & 0o777 == 0o600
    assert staff.seed_clerks(settings, db, datetime.now(UTC)) == []
    (login,) = staff.demo_logins(settings, get_database(city))
    assert login.where == "http://localhost:8011/clerk/sign-in"
    for part in (credentials.username, credentials.password, credentials.totp_secret):
        assert part in login.how
    assert f"python -m govkit.staff {credentials.totp_secret}" in login.how
    path.unlink()  # the file is lost: new credentials, the old password no longer works
    (line,) = staff.seed_clerks(settings, db, datetime.now(UTC))
    assert "renewed credentials" in line
    renewed = staff.read_staff_file(settings)
    assert renewed is not None
    assert renewed.password != credentials.password
    assert [e.details["clerk"] for e in audit(db, "clerk_enrolled")] == ["shimin", "shimin"]


@sqlite_only
def test_the_sign_in_page_in_both_languages(browser: Browser) -> None:
    page = browser.page("/clerk/sign-in", h1="Sign in to the register's back office")
    assert page.select_one("form")["action"] == "/clerk/sign-in"
    browser.client.set_cookie("kit_lang", "ja")
    check_page(browser.client.get("/clerk/sign-in"), lang="ja")


@sqlite_only
def test_a_clerk_signs_in_and_out(
    browser: Browser, credentials: staff.ClerkCredentials, db: Session
) -> None:
    page = browser.follow(browser.sign_in(credentials), h1="Find a resident")
    assert "signed in as 桜木市 市民課 住民記録係 (shimin)" in page.text()
    (signed_in,) = audit(db, "clerk_signin")
    assert signed_in.actor == ACTOR
    assert browser.client.get("/clerk/sign-in").headers["Location"] == "/clerk/"
    answer = browser.post("/clerk/sign-out")
    page = browser.follow(answer, h1="Sign in to the register's back office")
    assert "You have signed out." in page.text()
    assert browser.client.get("/clerk/").status_code == 303


@sqlite_only
def test_a_wrong_password_code_or_username_is_one_plain_message(
    browser: Browser, credentials: staff.ClerkCredentials, db: Session
) -> None:
    for changes in ({"password": "wrong"}, {"code": "000000"}, {"username": "nobody"}):
        page = check_page(browser.sign_in(credentials, **changes), status=400, lang="en")
        assert errors(page) == {"#username": "The username, password or code is not right"}
        assert 'value="wrong"' not in page.html
    reasons = [e.details.get("reason") for e in audit(db, "clerk_signin_failed")]
    assert reasons == ["wrong_password", "wrong_code", "unknown_user"]
    page = check_page(browser.sign_in(credentials, code="12ab"), status=400, lang="en")
    assert errors(page) == {"#code": "The code must be 6 digits, like 123456"}


@sqlite_only
def test_a_code_works_once(
    browser: Browser, credentials: staff.ClerkCredentials, city: Flask
) -> None:
    code = pyotp.TOTP(credentials.totp_secret).now()
    assert browser.sign_in(credentials, code).status_code == 303
    other = Browser(city)
    page = check_page(other.sign_in(credentials, code), status=400, lang="en")
    assert "#code" in errors(page)
    assert "already been used" in errors(page)["#code"]


@sqlite_only
def test_five_failures_lock_the_account(
    browser: Browser, credentials: staff.ClerkCredentials, db: Session
) -> None:
    for _attempt in range(4):
        assert browser.sign_in(credentials, password="wrong").status_code == 400
    page = check_page(browser.sign_in(credentials, code="000000"), status=403, lang="en")
    assert "locked after 5 failed attempts" in errors(page)["#username"]
    db.expire_all()
    clerk = db.get(Clerk, staff.DEMO_USERNAME)
    assert clerk is not None
    assert clerk.locked_at is not None
    assert clerk.failed_attempts == 5
    # the right password and code no longer open it
    page = check_page(browser.sign_in(credentials), status=403, lang="en")
    assert "locked" in errors(page)["#username"]


@sqlite_only
def test_a_form_without_its_csrf_token_changes_nothing(
    browser: Browser, clerk: Browser, credentials: staff.ClerkCredentials, db: Session
) -> None:
    answer = clerk.client.post(
        "/clerk/residents/H1-1/move-out",
        data={**date_fields("removed_on", TODAY), "moved_to": "梅園市本町1番1号"},
    )
    check_page(answer, status=400, lang="en")
    assert resident(db, "H1-1").removed_on is None
    other = Browser(clerk.client.application)
    answer = other.client.post(
        "/clerk/sign-in", data={"username": credentials.username, "password": "x", "code": "1"}
    )
    assert answer.status_code == 400
    assert audit(db, "clerk_signin_failed") == []


@sqlite_only
def test_unknown_ids_are_404s(clerk: Browser) -> None:
    for path in (
        "/clerk/residents/NOBODY",
        "/clerk/residents/" + "x" * 80,
        "/clerk/residents/NOBODY/move-out",
        "/clerk/residents/NOBODY/correct",
        "/clerk/residents/NOBODY/support-measures/new",
        "/clerk/households/ZZ/birth",
        "/clerk/support-measures/999/lift",
        "/clerk/support-measures/999/renew",
        "/clerk/support-measures/abc/lift",
        "/clerk/support-measures/99999999999999999999/lift",
        "/clerk/requests/R-20261125-NOPE",
        "/clerk/certificates/JR-139998-20261125-999999",
    ):
        clerk.page(path, status=404)
    answer = clerk.post("/clerk/requests/R-NOPE/refuse", reason="x")
    assert answer.status_code == 404
    answer = clerk.post("/clerk/certificates/JR-NOPE/revoke", reason="x")
    assert answer.status_code == 404


# -- finding residents and reading a record --------------------------------------------------------


def test_the_search_finds_by_name_kana_key_and_household(clerk: Browser) -> None:
    for query, key in (("森下 健太", "H1-1"), ("モリシタケンタ", "H1-1"), ("morishita k", "H1-1"),
                       ("h2-3", "H2-3")):  # fmt: skip
        page = clerk.page(f"/clerk/?q={query}", h1="Find a resident")
        assert key in [str(row["data-key"]) for row in page.select("#residents tbody tr")]
    household = clerk.page("/clerk/?q=H1").select("#residents tbody tr")
    assert {str(row["data-key"]) for row in household} == {f"H1-{n}" for n in range(1, 7)}
    assert "Nobody on the register matches" in clerk.page("/clerk/?q=存在しない").text()
    page = clerk.page("/clerk/?q=" + "あ" * 101, status=400)
    assert errors(page) == {"#q": "The search text must be 100 characters or fewer"}


@sqlite_only
def test_a_record_masks_the_numbers_and_shows_the_support_measure_only_here(
    clerk: Browser, db: Session, city: Flask
) -> None:
    protected = resident(db, "H2-2")
    page = clerk.page("/clerk/residents/H2-2", h1="大野 由美子")
    assert protected.my_number is not None
    assert protected.juminhyo_code is not None
    assert protected.my_number not in page.html
    assert protected.juminhyo_code not in page.html
    assert f"****-****-{protected.my_number[-4:]}" in page.text()
    assert f"*******-{protected.juminhyo_code[-4:]}" in page.text()
    assert page.select_one("#support-measure-notice")
    assert "田村 剛" in page.select_one("#measures").get_text()
    other = clerk.page("/clerk/residents/H1-1", h1="森下 健太")
    assert not other.select("#support-measure-notice")
    # the citizen's side of the service never shows the flag
    start = city.test_client().get("/").get_data(as_text=True)
    assert "DV" not in start
    assert "田村" not in start


def test_relationships_read_in_the_pages_language_beside_the_registers_term(
    clerk: Browser,
) -> None:
    """The register writes 続柄 in Japanese; an English page gives the English beside it."""
    page = clerk.page("/clerk/residents/H1-2", h1="森下 彩花")
    rows = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
        for row in page.select(".govuk-summary-list__row")
    }
    assert rows["Relationship to the head of household"] == "wife (妻)"
    household = {
        str(row["data-key"]): row.select("td")[1].get_text(strip=True)
        for row in page.select("#household tbody tr")
    }
    assert household["H1-1"] == "head of household (世帯主)"
    assert household["H1-6"] == "wife's mother (妻の母)"
    clerk.client.set_cookie("kit_lang", "ja")
    japanese = check_page(clerk.client.get("/clerk/residents/H1-2"), lang="ja")
    terms = [
        row.select("td")[1].get_text(strip=True) for row in japanese.select("#household tbody tr")
    ]
    assert terms == ["世帯主", "子", "子", "子", "妻の母"]


# -- move-in, move-out, birth, correction ----------------------------------------------------------


def move_in_form(**changes: str) -> dict[str, str]:
    form = {
        "household_choice": "new",
        "relationship": "世帯主",
        "family_name": "山本",
        "given_name": "花子",
        "family_name_kana": "やまもと",  # hiragana is accepted and stored in katakana
        "given_name_kana": "ハナコ",
        "name_roman": "YAMAMOTO Hanako",
        **date_fields("birthdate", date(1995, 4, 3)),
        "sex": "female",
        "my_number": "９９９０ ００００ ９９９１",  # full width, with spaces
        "juminhyo_code": "",
        "postal_code": "0000102",
        "address": "桜木市中央二丁目7番1号",
        **date_fields("moved_in_on", date(2026, 11, 20)),
        "previous_address": "梅園市本町三丁目1番2号",
        "honseki": "梅園市本町三丁目1番",
        "hittosha": "山本 一郎",
    }
    form.update(changes)
    return form


def valid_my_number(serial: int) -> str:
    from residence.domain.identifiers import my_number_check_digit

    first11 = f"9990{serial:07d}"
    return first11 + str(my_number_check_digit(first11))


def test_a_move_in_makes_a_new_household(clerk: Browser, db: Session) -> None:
    number = valid_my_number(9999)
    answer = clerk.post("/clerk/move-in", my_number=number, **{
        k: v for k, v in move_in_form().items() if k != "my_number"
    })  # fmt: skip
    page = clerk.follow(answer, h1="山本 花子")
    assert "Move-in registered: 山本 花子 (M1-1)." in page.text()
    assert number not in page.html
    person = resident(db, "M1-1")
    assert (person.household, person.relationship) == ("M1", "世帯主")
    assert (person.family_name_kana, person.given_name_kana) == ("ヤマモト", "ハナコ")
    assert person.my_number == number
    assert person.juminhyo_code is not None
    assert len(person.juminhyo_code) == 11
    assert person.postal_code == "000-0102"
    assert (person.became_resident_on, person.address_since) == (date(2026, 11, 20),) * 2
    assert person.address_notified_on == TODAY
    assert person.exchange_pseudonym  # the register's key gives them an exchange id
    assert events(db, "M1-1") == [("moved_in", date(2026, 11, 20))]
    (event,) = audit(db, "move_in")
    assert (event.actor, event.register_key) == (ACTOR, "M1-1")
    assert number not in json.dumps(event.details)
    # a second person joins the new household
    answer = clerk.post("/clerk/move-in", **move_in_form(
        household_choice="existing", household="m1", relationship="妹", given_name="桜",
        given_name_kana="サクラ", name_roman="YAMAMOTO Sakura", my_number=valid_my_number(9998),
    ))  # fmt: skip
    clerk.follow(answer, h1="山本 桜")
    assert resident(db, "M1-2").household == "M1"


@sqlite_only
def test_a_foreign_resident_moves_in(clerk: Browser, db: Session) -> None:
    answer = clerk.post("/clerk/move-in", **move_in_form(
        family_name="グエン", given_name="ミン", family_name_kana="グエン", given_name_kana="ミン",
        name_roman="NGUYEN Minh", honseki="", hittosha="", nationality="ベトナム",
        foreign_resident_category="中長期在留者", residence_status="技術・人文知識・国際業務",
        period_of_stay="3年", **date_fields("stay_expires_on", date(2029, 4, 1)),
        residence_card_number="ab12345678cd", my_number=valid_my_number(9997),
    ))  # fmt: skip
    clerk.follow(answer, h1="グエン ミン")
    person = resident(db, "M1-1")
    assert (person.nationality, person.residence_card_number) == ("ベトナム", "AB12345678CD")
    assert person.honseki is None
    assert person.stay_expires_on == date(2029, 4, 1)


IN_CITY = (
    "This address is in Sakuragi City: a move within the city is a change of address "
    "(correct the record instead)"
)
#: (changes to a good move-in form, the error summary expected)
MOVE_IN_MISTAKES: list[tuple[dict[str, str], dict[str, str]]] = [
    ({"household_choice": ""},
     {"#household_choice": "Select whether the person starts a new household or joins one"}),
    ({"household_choice": "existing", "household": "H9"},
     {"#household": "There is no household with this number on the register"}),
    ({"household_choice": "existing", "household": "H1", "postal_code": "000-0101",
      "address": "桜木市中央一丁目2番3号"},
     {"#relationship":
      "This household already has a head (世帯主): enter the relationship to them"}),
    ({"household_choice": "existing", "household": "H2", "relationship": "妻の父"},
     {"#address":
      "Enter the household's address: everyone in a household lives at the same address"}),
    ({"relationship": "妻"},
     {"#relationship": "The first member of a new household is its head: enter 世帯主"}),
    ({"family_name": "", "given_name_kana": "Hanako"},
     {"#family_name": "Enter the family name",
      "#given_name_kana": "Write the given name in katakana, like ケンタ"}),
    ({"birthdate-day": "31", "birthdate-month": "2"},
     {"#birthdate-day": "The date of birth must be a real date"}),
    ({"birthdate-year": ""},
     {"#birthdate-day": "The date of birth must include a day, month and year"}),
    (date_fields("moved_in_on", TODAY + timedelta(days=1)),
     {"#moved_in_on-day": "The date the person moved in must be today or in the past"}),
    ({"my_number": "999000000017"},
     {"#my_number": "This is not a valid My Number: check the digits"}),
    ({"my_number": "999000000016"}, {"#my_number": "This My Number is already on the register"}),
    ({"my_number": "12345"}, {"#my_number": "The My Number must be 12 digits"}),
    ({"postal_code": "000-0201"}, {"#postal_code": "This postal code is not in Sakuragi City"}),
    ({"postal_code": "0000-123"},
     {"#postal_code": "Enter the postal code as 7 digits, like 000-0101"}),
    ({"address": "梅園市本町1番"},
     {"#address": "Enter an address in Sakuragi City: it starts with 桜木市"}),
    ({"previous_address": "桜木市中央一丁目1番"}, {"#previous_address": IN_CITY}),
    ({"honseki": ""}, {"#honseki": "Enter the registered domicile"}),
    ({"residence_status": "永住者"},
     {"#nationality": "Enter the nationality, or leave the foreign resident's items empty"}),
    ({"juminhyo_code": "80000007919"},
     {"#juminhyo_code": "This resident record code is already on the register"}),
    ({"sex": "other"}, {"#sex": "Select the sex"}),
]  # fmt: skip


@sqlite_only
def test_a_move_in_with_mistakes_says_what_is_wrong_on_each_field(
    clerk: Browser, db: Session
) -> None:
    """One browser, one form after another (each case on the page checker)."""
    for changes, expected in MOVE_IN_MISTAKES:
        form = move_in_form(my_number=valid_my_number(9999))
        form.update(changes)
        page = check_page(clerk.post("/clerk/move-in", **form), status=400, lang="en")
        assert errors(page) == expected, changes
        assert page.title.startswith("Error: Register a move-in")
        assert page.select_one("#family_name")["value"] == form["family_name"]
        assert page.select_one("#my_number").get("value", "") == ""  # typed again, never shown
    # an empty form: every field says so, and the summary follows the page's order
    page = check_page(clerk.post("/clerk/move-in", household_choice="new"), status=400, lang="en")
    summary = list(errors(page))
    on_page = [f"#{tag['id']}" for tag in page.select("[id]") if f"#{tag['id']}" in summary]
    assert summary == on_page
    assert len(summary) == 15
    db.expire_all()
    assert db.exec(select(Resident).where(col(Resident.household) == "M1")).first() is None


@sqlite_only
def test_a_move_out_removes_the_record_and_keeps_it(clerk: Browser, db: Session) -> None:
    page = clerk.page("/clerk/residents/H1-6/move-out", h1="Register a move-out")
    form = {**date_fields("removed_on", TODAY), "moved_to": "若葉市本町四丁目7番1号"}
    answer = clerk.post("/clerk/residents/H1-6/move-out", **form)
    page = clerk.follow(answer, h1="佐伯 節子")
    assert "Removed (除票)" in page.text()
    assert "Move-out registered." in page.text()
    person = resident(db, "H1-6")
    assert (person.removed_on, person.removal_reason) == (TODAY, "moved_out")
    assert person.moved_to == "若葉市本町四丁目7番1号"
    assert events(db, "H1-6") == [("moved_out", TODAY)]
    (event,) = audit(db, "move_out")
    assert (event.actor, event.register_key) == (ACTOR, "H1-6")
    # the search still finds them, as removed; the record can no longer change
    row = clerk.page("/clerk/?q=佐伯").select_one("#residents tbody tr")
    assert "Removed (除票)" in row.get_text()
    page = clerk.follow(clerk.client.get("/clerk/residents/H1-6/correct"))
    assert "can no longer be changed" in page.text()
    answer = clerk.post("/clerk/residents/H1-6/move-out", **form)
    assert answer.status_code == 303
    assert len(audit(db, "move_out")) == 1


@sqlite_only
def test_a_move_out_with_mistakes(clerk: Browser, db: Session) -> None:
    answer = clerk.post("/clerk/residents/H1-1/move-out", **{
        **date_fields("removed_on", TODAY + timedelta(days=3)), "moved_to": "桜木市中央三丁目1番",
    })  # fmt: skip
    page = check_page(answer, status=400, lang="en")
    assert errors(page) == {
        "#removed_on-day": "The date the person moved out must be today or in the past",
        "#moved_to": IN_CITY,
    }  # fmt: skip
    assert resident(db, "H1-1").removed_on is None


@sqlite_only
def test_a_birth_adds_a_resident_from_the_date_of_birth(clerk: Browser, db: Session) -> None:
    page = clerk.page("/clerk/households/H1/birth", h1="Register a birth")
    assert page.select_one("#family_name")["value"] == "森下"
    born = TODAY - timedelta(days=3)
    answer = clerk.post("/clerk/households/H1/birth", **{
        "family_name": "森下", "given_name": "結", "family_name_kana": "モリシタ",
        "given_name_kana": "ユイ", "name_roman": "MORISHITA Yui", "sex": "female",
        "relationship": "子", **date_fields("birthdate", born),
    })  # fmt: skip
    page = clerk.follow(answer, h1="森下 結")
    assert "Birth registered: 森下 結 (H1-7)." in page.text()
    child, head = resident(db, "H1-7"), resident(db, "H1-1")
    assert (child.household, child.relationship, child.address) == ("H1", "子", head.address)
    assert child.became_resident_on == born
    assert child.previous_address is None
    assert child.honseki == head.honseki
    from residence.domain.identifiers import my_number_problem

    assert child.my_number is not None
    assert child.my_number.startswith("9990")
    assert my_number_problem(child.my_number) is None
    assert events(db, "H1-7") == [("born", born)]
    (event,) = audit(db, "birth")
    assert (event.actor, event.register_key) == (ACTOR, "H1-7")
    page = check_page(
        clerk.post("/clerk/households/H1/birth", **date_fields("birthdate", TODAY + timedelta(1))),
        status=400,
        lang="en",
    )
    assert errors(page)["#birthdate-day"] == "The date of birth must be today or in the past"


def correction_form(person: Resident, **changes: str) -> dict[str, str]:
    form = {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "family_name_kana": person.family_name_kana,
        "given_name_kana": person.given_name_kana,
        "name_roman": person.name_roman,
        "postal_code": person.postal_code,
        "address": person.address,
    }
    form.update(changes)
    return form


@sqlite_only
def test_a_correction_of_names_and_a_move_within_the_city(clerk: Browser, db: Session) -> None:
    person = resident(db, "H2-6")
    old_address = person.address
    page = clerk.page("/clerk/residents/H2-6/correct", h1="Correct the record")
    assert page.select_one("#family_name")["value"] == "大野"
    answer = clerk.post(
        "/clerk/residents/H2-6/correct", **correction_form(person, given_name="健次")
    )
    clerk.follow(answer, h1="大野 健次")
    assert events(db, "H2-6") == [("corrected", TODAY)]
    moved = TODAY - timedelta(days=2)
    answer = clerk.post("/clerk/residents/H2-6/correct", **correction_form(
        resident(db, "H2-6"), postal_code="000-0104", address="桜木市中央三丁目9番9号",
        **date_fields("moved_on", moved),
    ))  # fmt: skip
    clerk.follow(answer, h1="大野 健次")
    person = resident(db, "H2-6")
    assert (person.address, person.previous_address) == ("桜木市中央三丁目9番9号", old_address)
    assert (person.address_since, person.address_notified_on) == (moved, TODAY)
    assert events(db, "H2-6") == [("corrected", TODAY), ("moved_within", moved)]
    changes = [e.details["changed"] for e in audit(db, "correction")]
    assert changes == [["given_name"], ["address"]]
    # nothing changed, or an address without the day of the move
    page = check_page(
        clerk.post("/clerk/residents/H2-6/correct", **correction_form(person)),
        status=400,
        lang="en",
    )
    assert "#family_name" in errors(page)
    elsewhere = correction_form(person, address="桜木市中央一丁目1番")
    page = check_page(
        clerk.post("/clerk/residents/H2-6/correct", **elsewhere),
        status=400,
        lang="en",
    )  # fmt: skip
    assert errors(page) == {"#moved_on-day": "Enter the date of the move"}


@sqlite_only
@pytest.mark.parametrize(
    "typed",
    [{}, {"address": "桜木市中央二丁目５番８号"}, {"address": "桜木市　中央二丁目5番8号 "},
     {"postal_code": "０００－０１０２"}, {"family_name_kana": "おおの"}],
)  # fmt: skip
def test_a_correction_that_changes_nothing_writes_nothing(
    clerk: Browser, db: Session, typed: dict[str, str]
) -> None:
    person = resident(db, "H2-6")
    before = (person.address, person.postal_code, person.address_since, person.previous_address)
    answer = clerk.post("/clerk/residents/H2-6/correct", **correction_form(
        person, **{**typed, **date_fields("moved_on", TODAY)}
    ))  # fmt: skip
    page = check_page(answer, status=400, lang="en")
    assert errors(page)["#family_name"].startswith("Nothing has changed")
    person = resident(db, "H2-6")
    after = (person.address, person.postal_code, person.address_since, person.previous_address)
    assert after == before
    assert events(db, "H2-6") == []
    assert audit(db, "correction") == []


# -- DV support measures ---------------------------------------------------------------------------


@sqlite_only
def test_a_support_measure_is_set_renewed_and_lifted(clerk: Browser, db: Session) -> None:
    page = clerk.page("/clerk/residents/H1-2/support-measures/new", h1="Set a support measure")
    assert page.select_one("#starts_on-year")["value"] == str(TODAY.year)
    answer = clerk.post("/clerk/residents/H1-2/support-measures/new", **{
        "adverse_name": "山田 太郎", **date_fields("adverse_birthdate", date(1980, 1, 2)),
        **date_fields("starts_on", TODAY),
    })  # fmt: skip
    page = clerk.follow(answer, h1="森下 彩花")
    assert "Support measure set until 2027-11-24." in page.text()
    assert page.select_one("#support-measure-notice")
    db.expire_all()
    (measure,) = db.exec(select(SupportMeasure).where(SupportMeasure.subject == "H1-2")).all()
    assert (measure.starts_on, measure.ends_on) == (TODAY, date(2027, 11, 24))
    (event,) = audit(db, "support_measure_set")
    assert (event.actor, event.register_key, event.target) == (ACTOR, "H1-2", str(measure.id))

    clerk.page(f"/clerk/support-measures/{measure.id}/renew", h1="Renew the support measure")
    answer = clerk.post(f"/clerk/support-measures/{measure.id}/renew")
    assert "renewed until 2028-11-24" in clerk.follow(answer).text()

    page = clerk.page(f"/clerk/support-measures/{measure.id}/lift", h1="Lift the support measure")
    answer = clerk.post(f"/clerk/support-measures/{measure.id}/lift")
    page = clerk.follow(answer, h1="森下 彩花")
    assert "Support measure lifted." in page.text()
    assert not page.select("#support-measure-notice")
    db.expire_all()
    lifted = db.get(SupportMeasure, measure.id)
    assert lifted is not None
    assert lifted.lifted_on == TODAY
    (event,) = audit(db, "support_measure_lifted")
    assert event.actor == ACTOR
    # a lifted measure cannot be lifted or renewed again
    answer = clerk.post(f"/clerk/support-measures/{measure.id}/renew")
    assert "has been lifted" in clerk.follow(answer).text()


@sqlite_only
def test_a_support_measure_with_mistakes(clerk: Browser, db: Session) -> None:
    answer = clerk.post("/clerk/residents/H1-2/support-measures/new", **{
        "adverse_name": "", **date_fields("starts_on", TODAY - timedelta(days=1)),
        "adverse_birthdate-day": "1",
    })  # fmt: skip
    page = check_page(answer, status=400, lang="en")
    assert errors(page) == {
        "#adverse_name": "Enter the adverse party's name",
        "#adverse_birthdate-day": (
            "The adverse party's date of birth must include a day, month and year"
        ),
        "#starts_on-day": "The start of the measure must be today or later",
    }  # fmt: skip
    db.expire_all()
    assert db.exec(select(SupportMeasure).where(SupportMeasure.subject == "H1-2")).all() == []


@sqlite_only
@pytest.mark.parametrize("part", ["day", "month", "year"])
@pytest.mark.parametrize("typed", ["99999999999999999999", "-1", "²", "１２３４５６７８９０１２３"])
def test_a_date_too_odd_to_read_is_a_field_error(
    clerk: Browser, db: Session, part: str, typed: str
) -> None:
    answer = clerk.post("/clerk/residents/H1-4/support-measures/new", **{
        "adverse_name": "山田 太郎", **date_fields("starts_on", TODAY), f"starts_on-{part}": typed,
    })  # fmt: skip
    page = check_page(answer, status=400, lang="en")
    assert errors(page) == {"#starts_on-day": "The start of the measure must be a real date"}
    db.expire_all()
    assert db.exec(select(SupportMeasure).where(SupportMeasure.subject == "H1-4")).all() == []


@sqlite_only
def test_dates_are_typed_year_first_in_japanese(clerk: Browser) -> None:
    clerk.client.set_cookie("kit_lang", "ja")
    page = check_page(clerk.client.get("/clerk/move-in"), lang="ja")
    boxes = page.select("#birthdate input")
    assert [box["name"] for box in boxes] == ["birthdate-year", "birthdate-month", "birthdate-day"]
    labels = [page.select_one(f"label[for={box['id']}]").get_text(strip=True) for box in boxes]
    assert labels == ["年", "月", "日"]
    assert "例：1990 5 12" in page.select_one("#birthdate-hint").get_text()
    answer = clerk.post("/clerk/move-in", household_choice="new", **{"birthdate-day": "31",
                        "birthdate-month": "2", "birthdate-year": "1990"})  # fmt: skip
    page = check_page(answer, status=400, lang="ja")
    assert "#birthdate-year" in errors(page)
    clerk.client.set_cookie("kit_lang", "en")
    page = clerk.page("/clerk/move-in")
    boxes = page.select("#birthdate input")
    assert [box["name"] for box in boxes] == ["birthdate-day", "birthdate-month", "birthdate-year"]
    assert "For example 12 5 1990" in page.select_one("#birthdate-hint").get_text()


# -- the review queue ------------------------------------------------------------------------------


def queue_request(
    session: Session,
    *,
    subject: str = "H1-1",
    name: str = "高木 直子",
    pseudonym: str | None = None,
) -> str:
    request_id = f"R-20261125-{subject}"
    session.add(
        CertificateRequest(
            id=request_id,
            requester_sub="sub-third",
            requester_pseudonym=pseudonym,
            requester_name=name,
            route="third_party",
            subject=subject,
            members=[subject],
            items=[],
            purpose="other",
            reason="貸金の返還請求訴訟のため",
            evidence="金銭消費貸借契約書（2025年4月1日）",
            copies=1,
            fee_yen=300,
            delivery="download",
            status="pending_review",
            created_at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC),
        )
    )
    session.commit()
    return request_id


def test_the_queue_lists_requests_and_a_refusal_keeps_its_reason(
    clerk: Browser, db: Session
) -> None:
    assert clerk.page("/clerk/requests", h1="Requests to review").select_one("#queue-empty")
    request_id = queue_request(db)
    row = clerk.page("/clerk/requests").select_one("#queue tbody tr")
    assert row["data-request"] == request_id
    assert "森下 健太" in row.get_text()
    page = clerk.page(f"/clerk/requests/{request_id}", h1="Review a request")
    assert "貸金の返還請求訴訟のため" in page.text()
    page = check_page(
        clerk.post(f"/clerk/requests/{request_id}/refuse", reason=" "), status=400, lang="en"
    )
    assert errors(page) == {"#reason": "Enter the reason"}
    answer = clerk.post(f"/clerk/requests/{request_id}/refuse", reason="契約書の写しが提出されない")
    page = clerk.follow(answer, h1="Review a request")
    assert "Request refused." in page.text()
    db.expire_all()
    request = db.get(CertificateRequest, request_id)
    assert request is not None
    assert (request.status, request.refusal, request.decided_by) == ("refused", "refused", "shimin")
    (event,) = audit(db, "request_refused")
    assert (event.actor, event.target, event.details["reason"]) == (
        ACTOR,
        request_id,
        "契約書の写しが提出されない",
    )
    assert clerk.page("/clerk/requests").select_one("#queue-empty")
    answer = clerk.post(f"/clerk/requests/{request_id}/refuse", reason="again")
    assert "already been decided" in clerk.follow(answer).text()


@sqlite_only
def test_the_review_page_names_people_shows_the_fee_and_japan_time(
    clerk: Browser, db: Session
) -> None:
    request_id = queue_request(db)  # received 01:00 UTC: 10:00 in Japan
    born = resident(db, "H1-1").birthdate.isoformat()
    page = clerk.page(f"/clerk/requests/{request_id}", h1="Review a request")
    rows = {
        row.select_one(".govuk-summary-list__key").get_text(strip=True):
        row.select_one(".govuk-summary-list__value").get_text(strip=True)
        for row in page.select(".govuk-summary-list__row")
    }  # fmt: skip
    assert rows["Received"] == "25 November 2026, 10:00"
    assert rows["Person the copy is about"] == f"森下 健太 (born {born})"
    assert rows["Fee"] == "¥300 (¥300 a copy × 1)"
    assert "H1-1" not in rows["Person the copy is about"]
    queue = clerk.page("/clerk/requests").select_one("#queue tbody tr").get_text()
    assert "25 November 2026, 10:00" in queue


def test_an_approval_issues_the_copy(
    clerk: Browser, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the issuance register's use case replaced (sealing is the journey's tests' job):
    the approval calls it with the request, inside the clerk's transaction."""
    request_id = queue_request(db)
    calls: list[dict[str, Any]] = []

    def issue(*, session: Session, request_id: str, now: datetime, today: date) -> list[Any]:
        calls.append({"request_id": request_id, "today": today})
        request = session.get(CertificateRequest, request_id)
        assert request is not None
        request.status = "issued"
        copy = certificate(request_id=request_id, subject=request.subject, now=now)
        session.add(copy)
        session.commit()
        return [copy]

    monkeypatch.setattr(clerk_views, "issue_approved", issue)
    answer = clerk.post(f"/clerk/requests/{request_id}/approve")
    page = clerk.follow(answer, h1="Review a request")
    assert "Copies issued: JR-139998-20261125-000900." in page.text()
    assert calls == [{"request_id": request_id, "today": TODAY}]
    db.expire_all()
    request = db.get(CertificateRequest, request_id)
    assert request is not None
    assert (request.status, request.decided_by) == ("issued", "shimin")
    (event,) = audit(db, "request_approved")
    assert (event.actor, event.target, event.register_key) == (ACTOR, request_id, "H1-1")


def test_clerks_deciding_at_once_make_one_decision(
    clerk: Browser, city: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three approvals and a refusal of the same request at once: exactly one wins (one copy
    at most, a status that agrees with it); the others are told it was already decided."""
    import itertools
    import threading
    import time

    request_id = queue_request(db)
    numbers = itertools.count(900)
    lock = threading.Lock()

    def issue(*, session: Session, request_id: str, now: datetime, today: date) -> list[Any]:
        time.sleep(0.2)  # sealing takes a while
        with lock:
            number = next(numbers)
        request = session.get(CertificateRequest, request_id)
        assert request is not None
        request.status = "issued"
        copy = certificate(request_id=request_id, subject=request.subject, now=now)
        copy.document_id, copy.status_index = f"JR-139998-20261125-{number:06d}", number
        session.add(copy)
        session.commit()
        return [copy]

    monkeypatch.setattr(clerk_views, "issue_approved", issue)
    cookie_name = city.config["SESSION_COOKIE_NAME"]
    cookie = clerk.client.get_cookie(cookie_name)
    assert cookie is not None
    token = clerk.token()
    actions = ["approve", "approve", "refuse", "approve"]
    start = threading.Barrier(len(actions))
    pages: list[str] = []

    def decide(action: str) -> None:
        browser = city.test_client()
        browser.set_cookie("kit_lang", "en")
        browser.set_cookie(cookie_name, cookie.value)
        start.wait()
        answer = browser.post(
            f"/clerk/requests/{request_id}/{action}",
            data={"csrf_token": token, "reason": "契約書の写しが提出されない"},
        )
        assert answer.status_code == 303
        pages.append(browser.get(answer.headers["Location"]).get_data(as_text=True))

    threads = [threading.Thread(target=decide, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pages) == len(actions)
    db.expire_all()
    request = db.get(CertificateRequest, request_id)
    assert request is not None
    copies = db.exec(
        select(IssuedCertificate).where(IssuedCertificate.request_id == request_id)
    ).all()
    approved, refused = audit(db, "request_approved"), audit(db, "request_refused")
    assert len(approved) + len(refused) == 1
    if approved:
        assert (request.status, request.refusal, len(copies)) == ("issued", None, 1)
    else:
        assert (request.status, request.refusal, len(copies)) == ("refused", "refused", 0)
    assert sum("already been decided" in page for page in pages) == len(actions) - 1


@sqlite_only
def test_an_approval_seals_a_real_copy(register_app: Any, trust_service: RunningTrust) -> None:
    """Through the issuance register's own use case, with the city's seal from the trust
    service: the copy is in the register, sealed, and the request is issued."""
    app = register_app(**trust_service.settings_for_issuers())
    with app.app_context(), get_database(app).session() as session:
        staff.seed_clerks(get_settings(), session, datetime.now(UTC))
        credentials = staff.read_staff_file(get_settings())
        request_id = queue_request(session)
    assert credentials is not None
    browser = Browser(app)
    assert browser.sign_in(credentials).status_code == 303
    page = browser.follow(browser.post(f"/clerk/requests/{request_id}/approve"))
    assert "Request approved." in page.text(), page.text()
    with get_database(app).session() as session:
        request = session.get(CertificateRequest, request_id)
        assert request is not None
        assert request.status == "issued"
        (copy,) = session.exec(
            select(IssuedCertificate).where(IssuedCertificate.request_id == request_id)
        ).all()
        assert copy.pdf.startswith(b"%PDF")
        assert copy.status == "issued"


@sqlite_only
def test_a_failed_seal_leaves_the_request_in_the_queue(
    clerk: Browser, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = queue_request(db)

    def broken(**_kwargs: Any) -> list[Any]:
        raise RuntimeError("no seal")

    monkeypatch.setattr(clerk_views, "issue_approved", broken)
    answer = clerk.post(f"/clerk/requests/{request_id}/approve")
    assert "could not be sealed" in clerk.follow(answer).text()
    db.expire_all()
    request = db.get(CertificateRequest, request_id)
    assert request is not None
    assert (request.status, request.decided_by) == ("pending_review", None)
    assert audit(db, "request_approved") == []


@sqlite_only
def test_the_adverse_party_is_never_approved(
    clerk: Browser, db: Session, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = queue_request(db, subject="H2-2", name="田村 剛", pseudonym=kit.xid("X-3"))
    monkeypatch.setattr(clerk_views, "issue_approved", lambda **_: pytest.fail("issued"))
    page = clerk.page(f"/clerk/requests/{request_id}")
    assert "matches the adverse party" in page.text()
    assert not page.select("#approve")
    answer = clerk.post(f"/clerk/requests/{request_id}/approve")
    assert "cannot be approved" in clerk.follow(answer).text()
    db.expire_all()
    request = db.get(CertificateRequest, request_id)
    assert request is not None
    assert request.status == "pending_review"


# -- revoking a copy -------------------------------------------------------------------------------


def certificate(*, request_id: str, subject: str, now: datetime) -> IssuedCertificate:
    return IssuedCertificate(
        document_id="JR-139998-20261125-000900",
        request_id=request_id,
        status_index=900,
        owner_sub="sub-third",
        subject=subject,
        members=[subject],
        address_at_issue="桜木市中央一丁目2番3号",
        sha256="0" * 64,
        qr_text="MDG1:test",
        pdf=b"%PDF-1.7 test",
        issued_at=now,
        status="issued",
    )


def test_a_copy_issued_in_error_is_revoked(clerk: Browser, db: Session) -> None:
    db.add(certificate(request_id="R-1", subject="H1-1", now=datetime.now(UTC)))
    db.commit()
    number = "JR-139998-20261125-000900"
    answer = clerk.client.get(f"/clerk/certificates?document_id={number.lower()}")
    page = clerk.follow(answer, h1=f"Copy {number}")
    assert "Valid" in page.select_one("#copy").get_text()
    assert number in clerk.page("/clerk/residents/H1-1").select_one("#certificates").get_text()
    path = f"/clerk/certificates/{number}"
    page = check_page(clerk.post(f"{path}/revoke", reason=""), status=400, lang="en")
    assert errors(page) == {"#reason": "Enter the reason"}
    answer = clerk.post(f"{path}/revoke", reason="Issued with a wrong address")
    page = clerk.follow(answer, h1=f"Copy {number}")
    assert f"Copy {number} revoked." in page.text()
    assert not page.select("textarea#reason")
    db.expire_all()
    copy = db.get(IssuedCertificate, number)
    assert copy is not None
    assert (copy.status, copy.status_reason) == ("revoked", "Issued with a wrong address")
    assert copy.status_changed_at is not None
    (event,) = audit(db, "certificate_revoked")
    assert (event.actor, event.target, event.register_key) == (ACTOR, number, "H1-1")
    answer = clerk.post(f"{path}/revoke", reason="again")
    assert "no longer valid" in clerk.follow(answer).text()
    page = check_page(
        clerk.client.get("/clerk/certificates?document_id=JR-NONE"), status=400, lang="en"
    )
    assert errors(page) == {"#document_id": "No copy has this number"}


def test_copies_issued_at_the_same_moment_are_listed_newest_first(
    clerk: Browser, db: Session
) -> None:
    at = datetime(2026, 11, 25, 5, 27, tzinfo=UTC)
    for number in (16, 17):
        copy = certificate(request_id="R-1", subject="H1-1", now=at)
        copy.document_id, copy.status_index = f"JR-139998-20261125-{number:06d}", number
        db.add(copy)
    db.commit()
    page = clerk.page("/clerk/residents/H1-1")
    rows = page.select("#certificates tbody tr")
    assert [r.select_one("a").get_text(strip=True)[-6:] for r in rows] == ["000017", "000016"]
    assert "25 November 2026, 14:27" in rows[0].get_text()  # Japan time


def test_a_persons_file_lists_every_copy_they_are_on(clerk: Browser, db: Session) -> None:
    """A household copy asked about 健太 shows 蒼 too: it is on 蒼's file, and a copy about
    someone else in the household without 蒼 is not."""
    whole = certificate(request_id="R-1", subject="H1-1", now=datetime.now(UTC))
    whole.members = ["H1-1", "H1-3"]
    alone = certificate(request_id="R-2", subject="H1-2", now=datetime.now(UTC))
    alone.document_id, alone.status_index = "JR-139998-20261125-000901", 901
    db.add_all([whole, alone])
    db.commit()
    rows = clerk.page("/clerk/residents/H1-3").select("#certificates tbody tr")
    assert [r.select_one("a").get_text(strip=True) for r in rows] == [whole.document_id]


@sqlite_only
def test_wide_tables_scroll_on_narrow_screens_and_names_never_break(
    clerk: Browser, db: Session
) -> None:
    queue_request(db)
    db.add(certificate(request_id="R-1", subject="H1-1", now=datetime.now(UTC)))
    db.commit()
    pages = [clerk.page(p) for p in ("/clerk/residents/H1-1", "/clerk/?q=森下", "/clerk/requests")]
    tables = [table for page in pages for table in page.select("table")]
    assert {"household", "certificates", "residents", "queue"} <= {t["id"] for t in tables}
    for table in tables:
        region = table.find_parent("div", class_="kit-table-scroll")
        assert region is not None, table.get("id")
        assert (region["tabindex"], region["role"]) == ("0", "region")
        assert region["aria-label"]
    names = [n.get_text() for page in pages for n in page.select("table .kit-nowrap")]
    assert "森下 彩花" in names
    assert "高木 直子" in names


@sqlite_only
def test_no_page_shows_a_my_number_or_resident_record_code(clerk: Browser, db: Session) -> None:
    numbers = [
        n
        for r in db.exec(select(Resident)).all()
        for n in (r.my_number, r.juminhyo_code)
        if n is not None
    ]
    pages = [clerk.page(f"/clerk/residents/{key}").html for key in ("H1-1", "H2-2", "H3-2")]
    pages += [clerk.page("/clerk/?q=H1").html, clerk.page("/clerk/households/H1/birth").html]
    for html in pages:
        leaked = [n for n in numbers if n in html]
        assert leaked == []
        assert not re.search(r"\b9990\d{8}\b", html)
