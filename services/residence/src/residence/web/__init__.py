"""residence's browser pages."""

from flask import Blueprint

bp = Blueprint("residence", __name__)

from residence.web import journey  # noqa: E402, F401 - registers the routes
