"""The bad-input walk of govkit.testing.robustness finds what it is for, and the kit's form
base reads only what a browser sends a page: no JSON, no file under a text field's name."""

from __future__ import annotations

import io
from typing import ClassVar

from flask import Blueprint, Flask, Response, render_template_string
from wtforms import StringField

from govkit import web
from govkit.access import PUBLIC
from govkit.config import ServiceSettings
from govkit.forms import Form
from govkit.testing.robustness import server_errors


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    env_prefix: ClassVar[str] = "DEMO_"


class CopiesForm(Form):
    copies = StringField()


PAGE = """<form method="post" action="/copies">{{ form.csrf_token }}
<input name="copies" value="{{ form.copies.data or '' }}"></form>{{ message }}"""


def make_app(*, careless: bool) -> Flask:
    app = Flask(__name__)
    web.init_app(app, DemoSettings(environment="test", secret_key="s" * 48), title="Demo")
    pages = Blueprint("pages", __name__)

    @pages.route("/copies", methods=["GET", "POST"])
    def copies() -> str:
        form = CopiesForm()
        message = ""
        if form.validate_on_submit():
            text = form.copies.data or ""
            if careless:
                message = f"{int(text)} copies"  # junk raises ValueError: a 500
            else:
                message = f"{int(text)} copies" if text.isascii() and text.isdigit() else "?"
        return render_template_string(PAGE, form=form, message=message)

    @pages.get("/fault")
    def fault() -> Response:
        return Response("{}", 500, headers={"X-Road-Error": "Server.ServerProxy.Fault"})

    web.register_blueprint(app, pages, access=PUBLIC)
    return app


def test_a_view_that_trusts_its_form_is_found() -> None:
    app = make_app(careless=True)
    errors = server_errors(app, app.test_client(), skip=lambda rule: rule == "/fault")
    assert errors
    assert all(e.startswith("POST /copies (") for e in errors), errors
    assert any(e.startswith("POST /copies (form") and "ValueError" in e for e in errors)


def test_a_careful_view_passes_and_a_deliberate_fault_may_be_declared() -> None:
    app = make_app(careless=False)
    errors = server_errors(app, app.test_client())
    assert errors
    assert all(e.startswith("GET /fault (") and e.endswith("-> 500 '{}'") for e in errors)
    assert server_errors(app, app.test_client(), deliberate=_server_fault) == []


def _server_fault(response: Response) -> bool:
    return response.headers.get("X-Road-Error", "").startswith("Server.")


def test_a_json_post_to_a_page_is_an_empty_submission() -> None:
    app = make_app(careless=False)
    client = app.test_client()
    token = client.get("/copies").text.split('value="')[1].split('"')[0]
    for body in ("x", 12, [["copies", "1"]], {"copies": "3"}, {"copies": {"nested": True}}):
        # Flask-WTF would read the JSON as the form's data (and break on "x" or 12); the
        # kit's forms read none of it.
        response = client.post("/copies", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 200
        assert response.text.endswith("</form>?")
    form = client.post("/copies", data={"copies": "3", "csrf_token": token})
    assert form.text.endswith("</form>3 copies")


def test_a_file_sent_for_a_text_field_is_not_the_fields_value() -> None:
    app = make_app(careless=False)
    client = app.test_client()
    token = client.get("/copies").text.split('value="')[1].split('"')[0]
    upload = {"copies": (io.BytesIO(b"3"), "copies.txt"), "csrf_token": token}
    response = client.post("/copies", data=upload, content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.text.endswith("</form>?")
