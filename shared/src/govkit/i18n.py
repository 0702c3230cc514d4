"""Japanese by default, English on a switch (Flask-Babel).

The chosen language lives in a cookie (``kit_lang``) that every service on the same host reads,
so a choice made on the portal follows the citizen into each journey. The switch is a plain
link (``/language/en?next=/current/page``): it works without JavaScript.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, get_locale

LANGUAGES: dict[str, str] = {"ja": "日本語", "en": "English"}
DEFAULT_LANGUAGE = "ja"
COOKIE = "kit_lang"
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
