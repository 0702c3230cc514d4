"""The portal's pages."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from portal.web import certificates, mydata, mydocuments, verification, views  # noqa: E402, F401 - registers routes
