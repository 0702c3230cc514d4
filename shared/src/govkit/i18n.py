"""Japanese by default, English on a switch (Flask-Babel).

The chosen language lives in a cookie (``kit_lang``) that every service on the same host reads,
so a choice made on the portal follows the citizen into each journey. The switch is a plain
link (``/language/en?next=/current/page``): it works without JavaScript.

Dates on every page are written one way (:func:`format_day`, :func:`format_instant`), in Japan
time: ``2026年5月20日 14:03`` in Japanese, ``20 May 2026, 14:03`` in English. (Sealed
documents write theirs in 和暦 and ISO 8601: govkit.certificates.)
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, get_locale

from govkit.clock import JST

LANGUAGES: dict[str, str] = {"ja": "日本語", "en": "English"}
DEFAULT_LANGUAGE = "ja"
COOKIE = "kit_lang"
#: How long the browser keeps the language choice (the cookies page says so).
COOKIE_YEARS = 1
_GOVKIT_TRANSLATIONS = Path(__file__).parent / "translations"


def select_language() -> str:
    """The request's language: the ``kit_lang`` cookie if valid, otherwise Japanese."""
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def other_language() -> str:
    """The language the switch offers."""
    return "en" if current_language() == "ja" else "ja"


def init_app(app: Flask, *translation_dirs: Path) -> None:
    """Set up Flask-Babel with govkit's catalogue plus the service's own ones."""
    directories = [str(_GOVKIT_TRANSLATIONS), *(str(d) for d in translation_dirs)]
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Tokyo"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    Babel(app, locale_selector=select_language)


MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def format_day(moment: datetime | date, language: str | None = None) -> str:
    """``2026年5月20日`` / ``20 May 2026`` (for an instant, its day in Japan)."""
    day = moment.astimezone(JST) if isinstance(moment, datetime) else moment
    if (language or current_language()) == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def format_instant(moment: datetime, language: str | None = None) -> str:
    """``2026年5月20日 14:03`` / ``20 May 2026, 14:03`` (Japan time)."""
    local = moment.astimezone(JST)
    separator = " " if (language or current_language()) == "ja" else ", "
    return f"{format_day(local, language)}{separator}{local:%H:%M}"
