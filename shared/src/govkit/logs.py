"""JSON logs, one object per line, that never contain secrets.

Every record carries the service name and, inside a request, the request id. A redaction filter
runs before formatting: values of sensitive keys (``password``, ``pin``, ``token``, ``secret``,
``authorization``, ``cookie``, ``my_number``…) are replaced, and message text is scrubbed of
bearer tokens, JWTs, ``code=``/``token=``/``pin=`` style parameters and 12-digit numbers
(My Numbers). Logging is configured by :func:`configure`, called from the app factory.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"

SENSITIVE_KEY = re.compile(
    r"pass(word|phrase)?|pin|secret|token|authori[sz]ation|cookie|session|"
    r"my_?number|mynumber|private|api_?key|code_verifier|assertion|otp|totp",
    re.IGNORECASE,
)

_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization headers and bearer tokens.
    # Credentials are long tokens; "basic four" (the basic four data items) is not one.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    # Compact JWS/JWT.
    (re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # key=value and key: value pairs for sensitive keys (query strings, form bodies, reprs).
    (
        re.compile(
            r"(?i)\b((?:access_|refresh_|id_)?token|code|code_verifier|pin|password|passwd|"
            r"secret|client_secret|assertion|client_assertion|my_?number|otp)"
            r"(['\"]?\s*[=:]\s*['\"]?)([^&\s'\",}]+)"
        ),
        r"\1\2" + REDACTED,
    ),
    # A My Number (12 digits, maybe grouped by 4), not digits inside a longer token such as
    # a UUID ("a49b1254-0664-4543-9b2a-…"): no ASCII letter, digit or hyphen on either side.
    (re.compile(r"(?<![0-9A-Za-z-])\d{4}[- ]?\d{4}[- ]?\d{4}(?![0-9A-Za-z-])"), "************"),
)


def redact_text(text: str) -> str:
    """Scrub secrets out of free text."""
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    """Redact ``value`` if ``key`` names a secret; recurse into mappings and sequences."""
    if SENSITIVE_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value


# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class RedactingFilter(logging.Filter):
    """Scrub the message, its arguments and every ``extra`` field before output."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        for key in list(vars(record)):
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                setattr(record, key, redact_value(key, getattr(record, key)))
        if record.exc_info and record.exc_info[1] is not None:
            # Another handler may already have cached the raw text: always format afresh.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


class ContextFilter(logging.Filter):
    """Add the service name and, inside a Flask request, the request id."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        if not hasattr(record, "request_id"):
            from flask import g, has_request_context

            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
        json_ensure_ascii=False,
    )


def configure(service: str, level: str = "INFO", stream: Any = None) -> None:
    """Send every log record of this process to ``stream`` (stderr) as redacted JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(ContextFilter(service))
    handler.addFilter(RedactingFilter())
    handler.set_name("govkit")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "govkit":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # Werkzeug's own request line would log full URLs (with query strings); we log requests.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # pyHanko narrates every OCSP and CRL fetch at INFO: keep its warnings only.
    for chatty in ("pyhanko", "pyhanko_certvalidator", "fontTools", "weasyprint"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
