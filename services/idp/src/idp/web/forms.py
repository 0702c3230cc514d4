"""Forms of the provider's pages (Flask-WTF: each carries a CSRF token; values are checked by
the use cases, which know the card rules)."""

from __future__ import annotations

from wtforms import PasswordField, StringField

from govkit.forms import Form


class ConfirmForm(Form):
    """A form whose only field is its CSRF token (consent, cancel, sign out, withdraw)."""


class CardForm(Form):
    card = StringField()
    pin = PasswordField()


class SignForm(Form):
    password = PasswordField()
