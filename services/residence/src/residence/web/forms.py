"""Forms of the certificate journey (Flask-WTF: each carries a CSRF token; the views read and
check the values with the domain's rules, so every message sits on its field)."""

from __future__ import annotations

from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField

from govkit.forms import Form


class _Multiple(SelectMultipleField):
    """Checkbox values, kept as sent (the view checks them against the register)."""

    def pre_validate(self, form: object) -> None:  # the choices are not known to the form
        pass


class WhoForm(Form):
    route = StringField()
    member = StringField()
    mandate_id = StringField()
    principal_my_number = StringField()
    subject_name = StringField()
    subject_address = StringField()
    reason = TextAreaField()
    evidence = TextAreaField()


class ScopeForm(Form):
    scope = StringField()
    members = _Multiple()


class DetailsForm(Form):
    items = _Multiple()
    purpose = StringField()
    copies = StringField()
    delivery = StringField()
    postal_code = StringField()


class CheckForm(Form):
    payment = StringField()


class MandateForm(Form):
    proxy_name = StringField()
    purpose = StringField()
    allow_my_number = BooleanField(false_values=("", "no"))
