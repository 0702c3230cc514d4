"""pension's browser pages."""

from flask import Blueprint

bp = Blueprint("pension", __name__)

from pension.web import views  # noqa: E402, F401 - registers the routes
