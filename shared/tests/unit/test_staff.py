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
