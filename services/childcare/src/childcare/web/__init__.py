"""childcare's browser pages."""

from flask import Blueprint

bp = Blueprint("childcare", __name__)

from childcare.web import views  # noqa: E402, F401 - registers the routes
