"""Forms of the portal (Flask-WTF: every form carries a CSRF token).

The verification form's fields are read and checked in the view (the rule needs two fields at
once); WTForms provides the CSRF token and the submitted values.
"""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField

from govkit.forms import Form


class ConfirmForm(Form):
    """A form whose only field is its CSRF token (issue, revoke)."""


class VerifyForm(Form):
    document = FileField()
    qr = TextAreaField()
    freshness = StringField()
    custom_days = StringField()
    #: The check code a resident gave the verifier (their address-check consent), optional.
    consent = StringField()
