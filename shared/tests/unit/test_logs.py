"""JSON logs never contain secrets, PINs, tokens or My Numbers."""

import io
import json
import logging

import pytest

from govkit.logs import REDACTED, configure, redact_text, redact_value


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET /callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj", "SplxlOBeZQQYbYS6WxSbIA"),
        ("Authorization: Bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM"),
        ("id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "c2lnbmF0dXJl"),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl in text", "eyJzdWIiOiIxIn0"),
        ("pin=1234 entered", "1234"),
        ("{'password': 'hunter2hunter2'}", "hunter2hunter2"),
        ("My Number 999000000016 looked up", "999000000016"),
        ("My Number 9990-0000-0016 looked up", "9990-0000-0016"),
        ("client_secret=s3cr3t-value&x=1", "s3cr3t-value"),
    ],
)
def test_secrets_are_scrubbed_from_text(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_ordinary_numbers_survive() -> None:
    assert redact_text("took 1234 ms for 12 items, port 8011") == (
        "took 1234 ms for 12 items, port 8011"
    )


def test_words_after_basic_are_not_credentials() -> None:
    assert redact_text("basic four call served") == "basic four call served"
    assert redact_text("Authorization: Basic dXNlcjpwYXNz") == "Authorization: Basic [redacted]"


def test_sensitive_keys_are_redacted_recursively() -> None:
    value = redact_value(
        "payload",
        {"name": "森下 健太", "pin": "1234", "nested": {"access_token": "abc", "ok": 1}},
    )
    assert value == {
        "name": "森下 健太",
        "pin": REDACTED,
        "nested": {"access_token": REDACTED, "ok": 1},
    }


def _emit(*args: object, **kwargs: object) -> dict:
    stream = io.StringIO()
    configure("demo", "INFO", stream=stream)
    try:
        logging.getLogger("demo.test").info(*args, **kwargs)  # type: ignore[arg-type]
    finally:
        logging.getLogger().handlers = [
            h for h in logging.getLogger().handlers if h.get_name() != "govkit"
        ]
    return json.loads(stream.getvalue().strip().splitlines()[-1])


def test_a_log_line_is_one_json_object_with_service_and_level() -> None:
    record = _emit("card %s locked", "C-1")
    assert record["message"] == "card C-1 locked"
    assert record["service"] == "demo"
    assert record["level"] == "INFO"
    assert record["request_id"] is None


def test_secrets_in_arguments_and_extra_fields_never_reach_the_output() -> None:
    record = _emit(
        "login with pin=%s", "4321", extra={"password": "p@ssw0rd!", "my_number": "999000000016"}
    )
    text = json.dumps(record)
    for secret in ("4321", "p@ssw0rd!", "999000000016"):
        assert secret not in text
    assert record["password"] == REDACTED


def test_exception_text_is_scrubbed_too() -> None:
    stream = io.StringIO()
    configure("demo", "INFO", stream=stream)
    try:
        try:
            raise ValueError("bad token=abc.def.ghi for 999000000016")
        except ValueError:
            logging.getLogger("demo").exception("failed")
    finally:
        logging.getLogger().handlers = [
            h for h in logging.getLogger().handlers if h.get_name() != "govkit"
        ]
    output = stream.getvalue()
    assert "abc.def.ghi" not in output
    assert "999000000016" not in output
    assert "ValueError" in output
