"""Forms of the provider's pages (Flask-WTF: each carries a CSRF token; values are checked by
the use cases, which know the card rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class ConfirmForm(FlaskForm):
    """A form whose only field is its CSRF token (consent, cancel, sign out, withdraw)."""


class CardForm(FlaskForm):
    card = StringField()
    pin = PasswordField()


class SignForm(FlaskForm):
    password = PasswordField()
