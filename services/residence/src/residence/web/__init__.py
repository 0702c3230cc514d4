"""residence's browser pages."""

from flask import Blueprint

from residence.web.dates import date_items

bp = Blueprint("residence", __name__)
#: Every residence page (the journey's and the back office's) types dates the same way.
bp.add_app_template_global(date_items)

from residence.web import journey  # noqa: E402, F401 - registers the routes
