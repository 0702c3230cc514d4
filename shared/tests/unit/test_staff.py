"""Staff sign-in mechanisms: scrypt hashes, TOTP steps, the attempt policy (replay, lock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from govkit import staff

NOW = datetime(2026, 11, 25, 9, 0, 15, tzinfo=UTC)
PASSWORD = "correct horse"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD_HASH = staff.hash_secret(PASSWORD)


def test_a_hash_checks_its_secret_and_nothing_else() -> None:
    stored = staff.hash_secret("s3cret")
    assert stored.startswith("scrypt$")
    assert staff.hash_secret("s3cret") != stored  # salted
    assert staff.check_secret("s3cret", stored)
    assert not staff.check_secret("s3creT", stored)
    for broken in (None, "", "plain", "scrypt$not base64!", "md5$abc"):
        assert not staff.check_secret("s3cret", broken)


def test_a_miss_costs_a_check() -> None:
    staff.miss("anything")  # returns nothing, raises nothing


def test_new_demo_secrets() -> None:
    assert len(staff.new_password()) == 16
    secret = staff.new_totp_secret()
    assert len(secret) == 32
    assert staff.current_code(secret, NOW) == pyotp.TOTP(secret).at(NOW)


@pytest.mark.parametrize(("offset", "expected"), [(-2, None), (-1, -1), (0, 0), (1, 1), (2, None)])
def test_codes_match_one_step_either_side(offset: int, expected: int | None) -> None:
    totp = pyotp.TOTP(SECRET)
    step = staff.matching_step(SECRET, totp.at(NOW, counter_offset=offset), NOW)
    assert step == (None if expected is None else totp.timecode(NOW) + expected)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "１２３４５６", " 123456"])
def test_malformed_codes_match_nothing(code: str) -> None:
    assert not staff.code_is_well_formed(code)
    assert staff.matching_step(SECRET, code, NOW) is None


def attempt(
    code: str, *, password: str = PASSWORD, last: int | None = None, failures: int = 0
) -> staff.Attempt:
    return staff.check_attempt(
        password_hash=PASSWORD_HASH,
        totp_secret=SECRET,
        last_totp_step=last,
        failures=failures,
        password=password,
        code=code,
        now=NOW,
    )


def test_the_right_password_and_code_are_accepted_once() -> None:
    totp = pyotp.TOTP(SECRET)
    code = totp.at(NOW)
    first = attempt(f" {code} ", failures=3)
    assert first == staff.Attempt(True, None, totp.timecode(NOW), 0, False)
    again = attempt(code, last=first.step)
    assert (again.accepted, again.reason, again.failures) == (False, "code_reused", 1)
    older = attempt(totp.at(NOW, counter_offset=-1), last=first.step)
    assert older.reason == "code_reused"
    later = attempt(totp.at(NOW + timedelta(seconds=30)), last=first.step)
    assert later.accepted


def test_failures_count_and_the_fifth_locks() -> None:
    code = pyotp.TOTP(SECRET).at(NOW)
    assert attempt(code, password="wrong").reason == "wrong_password"
    assert attempt("000000").reason == "wrong_code"
    fourth = attempt(code, password="wrong", failures=3)
    assert (fourth.failures, fourth.locks) == (4, False)
    fifth = attempt("000000", failures=4)
    assert (fifth.failures, fifth.locks) == (5, True)


def test_the_command_prints_the_current_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert staff.main([SECRET]) == 0
    assert capsys.readouterr().out.strip().isdigit()
    assert staff.main([]) == 2
    assert staff.main(["not base32 !"]) == 2


# -- the staff session --------------------------------------------------------------------------


class _Clerk:
    def __init__(self, username: str) -> None:
        self.username = username


class _Office:
    """A back office on a bare Flask app: ``/sign-in`` open, ``/desk`` behind the session,
    a clock the test moves and a set of accounts it can lock."""

    def __init__(self) -> None:
        from flask import Blueprint, Flask, g

        self.now = NOW
        self.accounts = {"shimin"}
        self.staff = staff.StaffSession(
            key="clerk",
            find=lambda username: _Clerk(username) if username in self.accounts else None,
            sign_in_endpoint="office.sign_in",
            open_endpoints={"office.sign_in", "office.begin"},
            now=lambda: self.now,
        )
        bp = Blueprint("office", __name__)
        bp.add_url_rule("/sign-in", "sign_in", lambda: "sign in")
        bp.add_url_rule("/desk", "desk", lambda: f"desk of {g.clerk.username}")

        @bp.get("/begin/<username>")
        def begin(username: str) -> str:
            self.staff.begin(_Clerk(username))
            return "signed in"

        bp.before_request(lambda: self.staff.access_rule("office").check())
        self.app = Flask(__name__)
        self.app.secret_key = "test"
        self.app.register_blueprint(bp)
        self.client = self.app.test_client()

    def desk(self) -> tuple[int, str]:
        answer = self.client.get("/desk")
        return answer.status_code, answer.headers.get("Location") or answer.get_data(as_text=True)


def test_a_signed_in_clerk_reaches_the_desk_and_others_are_sent_to_sign_in() -> None:
    office = _Office()
    assert office.desk() == (303, "/sign-in")
    assert office.client.get("/sign-in").status_code == 200  # open without a session
    office.client.get("/begin/shimin")
    assert office.desk() == (200, "desk of shimin")


def test_thirty_idle_minutes_end_the_session_and_the_sign_in_page_is_told() -> None:
    office = _Office()
    office.client.get("/begin/shimin")
    office.now += staff.IDLE_LIMIT - timedelta(seconds=1)
    assert office.desk() == (200, "desk of shimin")  # and the request keeps it alive
    office.now += staff.IDLE_LIMIT - timedelta(seconds=1)
    assert office.desk() == (200, "desk of shimin")
    office.now += staff.IDLE_LIMIT + timedelta(seconds=1)
    assert office.desk() == (303, "/sign-in?expired=1")
    assert office.desk() == (303, "/sign-in")  # said once: the session is gone


def test_a_locked_or_removed_account_is_signed_out_at_its_next_request() -> None:
    office = _Office()
    office.client.get("/begin/shimin")
    office.accounts.clear()
    assert office.desk() == (303, "/sign-in")
    office.accounts.add("shimin")
    assert office.desk() == (303, "/sign-in")


@pytest.mark.parametrize(
    "data", ["shimin", {"username": "shimin"}, {"username": 7, "last_seen": 1}, {"last_seen": "x"}]
)
def test_a_session_value_of_the_wrong_shape_is_no_session(data: object) -> None:
    office = _Office()
    with office.client.session_transaction() as browser:
        browser["clerk"] = data
    assert office.desk() == (303, "/sign-in")
