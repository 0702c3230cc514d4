"""The portal's pages."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from portal.web import views  # noqa: E402, F401 - registers the routes
