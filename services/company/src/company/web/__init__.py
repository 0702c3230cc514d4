"""company's browser pages."""

from flask import Blueprint

bp = Blueprint("company", __name__)

from company.web import views  # noqa: E402, F401 - registers the routes
