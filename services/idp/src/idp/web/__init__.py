"""idp's browser pages."""

from flask import Blueprint

bp = Blueprint("idp", __name__)

from idp.web import views  # noqa: E402, F401 - registers the routes
