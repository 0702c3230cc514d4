"""Forms of the portal (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField

from portal.domain.freshness import RuleKind


class ConfirmForm(FlaskForm):
    """A form whose only field is its CSRF token (issue, revoke)."""


class VerifyForm(FlaskForm):
    document = FileField(_l("Upload the PDF"))
    qr = TextAreaField(_l("Or paste the text from its QR code"))
    freshness = RadioField(
        _l("How recent must the document be?"),
        choices=[
            (RuleKind.NONE.value, _l("Any date")),
            (RuleKind.DAYS_30.value, _l("Issued within the last 30 days")),
            (RuleKind.MONTHS_3.value, _l("Issued within the last 3 months")),
            (RuleKind.CUSTOM.value, _l("Another number of days")),
        ],
        default=RuleKind.NONE.value,
    )
    custom_days = StringField(_l("Number of days"))
