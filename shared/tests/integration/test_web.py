"""The web conventions every service gets from govkit.web.init_app."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import ClassVar

import pytest
from flask import Blueprint, Flask, render_template_string, request
from flask.testing import FlaskClient
from gunicorn.http.errors import InvalidChunkSize

from govkit import web
from govkit.access import PUBLIC, PUBLIC_API, AccessRule
from govkit.config import ServiceSettings
from govkit.errors import Problem
from govkit.testing import assert_access_declared, check_page

SECRET = "s" * 48


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    env_prefix: ClassVar[str] = "DEMO_"


PAGE = """{% extends "govkit/layout.html" %}{% set page_title = "Demo page" %}
{% block content %}<h1 class="govuk-heading-l">Demo page</h1>
<form method="post" action="/form">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button class="govuk-button">Send</button></form>{% endblock %}"""


def make_app(**settings: object) -> Flask:
    app = Flask(__name__)
    config = DemoSettings(environment="test", secret_key=SECRET, **settings)  # type: ignore[arg-type]
    web.init_app(app, config, title="Demo service")
    pages = Blueprint("pages", __name__)
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    closed = Blueprint("closed", __name__, url_prefix="/closed")
    staff = Blueprint("staff", __name__, url_prefix="/staff")

    @pages.get("/")
    def home() -> str:
        return render_template_string(PAGE)

    @pages.post("/form")
    def form() -> str:
        return "accepted"

    @pages.post("/upload")
    def upload() -> str:
        return str(len(request.files))

    @pages.get("/boom")
    def boom() -> str:
        raise RuntimeError("password=hunter2hunter2 leaked into an exception")

    @pages.get("/undefined")
    def undefined() -> str:
        return render_template_string("{{ nothing_here }}")

    @pages.get("/lenient")
    def lenient() -> str:
        return render_template_string("{% if params.hint.text %}yes{% else %}no{% endif %}")

    @api.get("/things/<int:thing>")
    def thing(thing: int) -> dict[str, int]:
        if thing == 0:
            raise Problem(422, "Not eligible", "Thing 0 cannot be issued", type="/problems/x")
        return {"thing": thing}

    @api.post("/things")
    def create() -> tuple[dict[str, str], int]:
        return {"created": "yes"}, 201

    @closed.get("/")
    def nobody() -> str:
        return "should never be seen"

    @staff.get("/")
    def staff_home() -> str:
        return "staff only"

    web.register_blueprint(app, pages, access=PUBLIC)
    web.register_blueprint(app, api, access=PUBLIC_API)
    web.register_blueprint(app, staff, access=AccessRule("staff", lambda: ("sign in first", 401)))
    app.register_blueprint(closed)  # no access rule declared: must be refused
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("kit_lang", "en")
    return client


def test_pages_are_japanese_by_default_and_pass_the_page_checker(client: FlaskClient) -> None:
    page = check_page(client.get("/"), h1="Demo page", lang="ja")
    assert "本文へ移動" in page.text()
    assert page.select_one(".kit-language-switch a[hreflang=en]")["href"] == "/language/en?next=/"


def test_the_language_switch_sets_a_cookie_and_returns_to_the_page(client: FlaskClient) -> None:
    response = client.get("/language/en?next=/%3Fa%3D1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/?a=1"
    cookie = response.headers["Set-Cookie"]
    assert "kit_lang=en" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = check_page(client.get("/"), lang="en")
    assert "Skip to main content" in page.text()


def test_the_language_switch_never_redirects_off_site(client: FlaskClient) -> None:
    response = client.get("/language/ja?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_a_404_page(client: FlaskClient) -> None:
    check_page(client.get("/language/xx"), status=404, h1="ページが見つかりません")


def test_an_invalid_language_cookie_falls_back_to_japanese(client: FlaskClient) -> None:
    client.set_cookie("kit_lang", "<script>")
    check_page(client.get("/"), lang="ja")


def test_security_headers_and_a_csp_without_unsafe_inline(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    body = response.get_data(as_text=True)
    # The only inline script is GOV.UK's js-enabled line, and it carries this request's nonce.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline == [f' nonce="{nonce.group(1)}"']
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers
    assert client.get("/").headers["Content-Security-Policy"] != csp  # a fresh nonce each time


def test_https_deployments_get_hsts_and_secure_cookies() -> None:
    app = make_app(public_url="https://portal.example")
    client = app.test_client()
    assert "max-age=" in client.get("/").headers["Strict-Transport-Security"]
    assert "Secure" in client.get("/language/en").headers["Set-Cookie"]


def test_request_ids_are_echoed_when_sane_and_made_otherwise(client: FlaskClient) -> None:
    assert client.get("/", headers={"X-Request-Id": "abc-123-def"}).headers["X-Request-Id"] == (
        "abc-123-def"
    )
    made = client.get("/", headers={"X-Request-Id": "bad id; with spaces"}).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


def test_forms_without_a_csrf_token_are_refused_with_a_plain_page(english: FlaskClient) -> None:
    page = check_page(english.post("/form"), status=400, lang="en")
    assert page.h1 == "Your session has timed out or the form was sent twice"


def test_forms_with_the_token_are_accepted(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    assert client.post("/form", data={"csrf_token": token.group(1)}).get_data() == b"accepted"


def test_api_blueprints_take_no_csrf_and_answer_problem_json(client: FlaskClient) -> None:
    assert client.post("/api/v1/things").status_code == 201
    response = client.get("/api/v1/things/0")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/problems/x"
    assert body["title"] == "Not eligible"
    assert body["detail"] == "Thing 0 cannot be issued"
    assert body["instance"] == "/api/v1/things/0"
    assert body["request_id"] == response.headers["X-Request-Id"]


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing", "/api/v1/things/notanumber", "/exchange/nothing"]
)
def test_api_404s_are_problem_json(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_405_keeps_the_allow_header(client: FlaskClient) -> None:
    response = client.delete("/api/v1/things/1")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]
    check_page(client.delete("/"), status=405)


def test_browsers_get_a_page_and_json_clients_get_problem_json(english: FlaskClient) -> None:
    page = check_page(english.get("/missing"), status=404, h1="Page not found", lang="en")
    assert page.links()["Go to the Madoguchi home page"] == "http://localhost:8000/"
    json_response = english.get("/missing", headers={"Accept": "application/json"})
    assert json_response.mimetype == "application/problem+json"


def test_a_body_over_the_limit_gets_a_413_page() -> None:
    client = make_app(max_content_length=1024).test_client()
    response = client.post(
        "/upload",
        data={"file": (io.BytesIO(b"x" * 4096), "big.pdf")},
        content_type="multipart/form-data",
    )
    page = check_page(response, status=413)
    assert page.h1 == "ファイルが大きすぎます"
    assert "最大 0 MB" not in page.text()  # 1,024 bytes round to nothing: no misleading limit
    back = page.select_one("main a[href='/upload']")
    assert back is not None
    assert back.get_text(strip=True) == "フォームに戻る"


def test_the_413_page_says_the_limit() -> None:
    client = make_app(max_content_length=10 * 2**20 + 256 * 2**10).test_client()  # the portal's
    client.set_cookie("kit_lang", "en")
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n'
    big = part + b"x" * 11_000_000 + b"\r\n--b--\r\n"  # bytes: no spooled temporary file
    response = client.post("/upload", data=big, content_type="multipart/form-data; boundary=b")
    page = check_page(response, status=413, lang="en")
    assert "This service accepts at most 10 MB." in page.text()


def test_blueprints_without_an_access_rule_are_refused(client: FlaskClient) -> None:
    check_page(client.get("/closed/"), status=403)


def test_an_access_rule_can_answer_instead_of_the_view(client: FlaskClient) -> None:
    response = client.get("/staff/")
    assert response.status_code == 401
    assert response.get_data() == b"sign in first"


def test_the_access_test_names_undeclared_blueprints(app: Flask) -> None:
    with pytest.raises(AssertionError, match="closed"):
        assert_access_declared(app)


def test_unexpected_errors_get_a_500_page_with_a_reference_and_a_redacted_log(
    client: FlaskClient,
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    govkit_handler = next(h for h in logging.getLogger().handlers if h.get_name() == "govkit")
    for log_filter in govkit_handler.filters:
        handler.addFilter(log_filter)
    handler.setFormatter(govkit_handler.formatter)
    logging.getLogger().addHandler(handler)
    try:
        response = client.get("/boom")
    finally:
        logging.getLogger().removeHandler(handler)
    page = check_page(response, status=500)
    assert response.headers["X-Request-Id"] in page.text()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    failure = next(line for line in lines if line.get("exc_info"))
    assert failure["request_id"] == response.headers["X-Request-Id"]
    assert "hunter2hunter2" not in stream.getvalue()


def test_requests_are_logged_without_query_strings(client: FlaskClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s %(path)s %(status)s"))
    logging.getLogger("govkit.request").addHandler(handler)
    try:
        client.get("/?code=abc123secret&state=xyz")
    finally:
        logging.getLogger("govkit.request").removeHandler(handler)
    assert stream.getvalue().strip() == "request / 200"


def test_templates_fail_loudly_on_undefined_values_but_not_in_tests_of_truth(
    client: FlaskClient,
) -> None:
    assert client.get("/lenient").get_data() == b"no"
    assert client.get("/undefined").status_code == 500


def test_health_reports_checks_and_fails_with_a_reason(app: Flask) -> None:
    web.add_health_check(app, "always", lambda: {"detail": 1})
    client = app.test_client()
    ok = client.get("/healthz")
    assert ok.status_code == 200
    assert ok.get_json()["checks"]["always"] == {"status": "ok", "detail": 1}

    def broken() -> dict[str, object]:
        raise ConnectionError("database down")

    web.add_health_check(app, "database", broken)
    failing = client.get("/healthz")
    assert failing.status_code == 503
    assert failing.get_json()["checks"]["database"] == {
        "status": "fail",
        "reason": "ConnectionError",
    }


@pytest.fixture
def strange_requests() -> Iterator[list[tuple[str, str]]]:
    return [
        ("GET", "/%ff%fe"),
        ("GET", "/language/%00"),
        ("GET", "/?lang=" + "x" * 5000),
        ("POST", "/"),
        ("PUT", "/api/v1/things"),
        ("GET", "/api/v1/things/99999999999999999999999"),
        ("OPTIONS", "/"),
        ("GET", "/assets/../../etc/passwd"),
    ]


@pytest.mark.parametrize(
    ("number", "status"), [("2147483647", 200), ("2147483648", 404), ("9" * 30, 404)]
)
def test_a_number_in_a_url_is_at_most_a_database_integer(
    client: FlaskClient, number: str, status: int
) -> None:
    """Past PostgreSQL's ``integer`` a number names nothing: a 404, never a query that fails."""
    assert client.get(f"/api/v1/things/{number}").status_code == status


@pytest.mark.parametrize(
    "request_args",
    [
        pytest.param({"path": "/api/v1/things?name=a%00b", "method": "GET"}, id="query"),
        pytest.param({"path": "/api/v1/things/1%00", "method": "GET"}, id="path"),
        pytest.param(
            {"path": "/api/v1/things", "method": "POST", "json": {"a": ["b", {"c": "\x00"}]}},
            id="json-string",
        ),
        pytest.param(
            {"path": "/api/v1/things", "method": "POST", "json": {"a\x00": 1}}, id="json-key"
        ),
        pytest.param(
            {"path": "/api/v1/things", "method": "POST", "data": {"name": "a\x00b"}}, id="form"
        ),
        pytest.param(
            {
                "path": "/api/v1/things",
                "method": "POST",
                "data": '{"name": "a\\ud800b"}',
                "content_type": "application/json",
            },
            id="json-lone-surrogate",
        ),
        pytest.param(
            {
                "path": "/api/v1/things",
                "method": "POST",
                "data": '{"name": "a\\u0000b"}',
                "content_type": "application/json",
                "headers": {"Transfer-Encoding": "chunked"},
                # as gunicorn hands over a chunked body: no length, read to its end
                "environ_overrides": {"wsgi.input_terminated": True},
            },
            id="json-chunked",
        ),
    ],
)
def test_a_nul_character_anywhere_in_a_request_is_a_400(
    client: FlaskClient, request_args: dict[str, object]
) -> None:
    """PostgreSQL's text refuses U+0000: it never reaches a view."""
    response = client.open(**request_args)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "NUL character (U+0000) or a lone surrogate" in response.get_json()["detail"]


def test_a_nul_byte_in_an_uploaded_file_is_just_a_byte(client: FlaskClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token
    upload = {"file": (io.BytesIO(b"%PDF-1.7\x00\x00"), "a.pdf"), "csrf_token": token.group(1)}
    response = client.post("/upload", data=upload, content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.text == "1"


def test_json_nested_past_the_parsers_depth_is_a_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/things", data="[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"] == "The JSON body is nested too deeply."


class _BrokenChunks(io.RawIOBase):
    """A request body as gunicorn reads it when the chunked encoding is broken."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise InvalidChunkSize(b"zz")


@pytest.mark.parametrize("path", ["/api/v1/things", "/form"])
def test_a_body_gunicorn_cannot_read_is_a_400(english: FlaskClient, path: str) -> None:
    response = english.post(
        path,
        data="a=1&b=2&c=3",
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input": _BrokenChunks()},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(("language", "prefix"), [("ja", "エラー:"), ("en", "Error:")])
def test_an_error_message_tells_screen_readers_error_in_the_pages_language(
    app: Flask, language: str, prefix: str
) -> None:
    field = """{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}
    {{ govukInput({"name": "n", "id": "n", "label": {"text": "N"},
                   "errorMessage": {"text": "Enter N"}}) }}"""
    with app.test_request_context(headers={"Cookie": f"kit_lang={language}"}):
        html = render_template_string(field)
    assert f'<span class="govuk-visually-hidden">{prefix}</span> Enter N' in html


@pytest.mark.parametrize("host", ["a" * 64, "a" * 64 + ".example", ".."])
def test_a_host_header_that_is_no_host_name_is_a_400(client: FlaskClient, host: str) -> None:
    """Refused before Flask, which would leave the request without a URL adapter (and the
    error page's links without a way to be built)."""
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert "Host header is not a valid host name" in response.text


def test_strange_requests_never_get_a_500(
    client: FlaskClient, strange_requests: list[tuple[str, str]]
) -> None:
    for method, path in strange_requests:
        response = client.open(path, method=method)
        assert response.status_code < 500, (method, path, response.status_code)


@pytest.mark.parametrize("host", ["a" * 64, ".."])
def test_a_bad_host_is_refused_after_a_good_one_was_seen(client: FlaskClient, host: str) -> None:
    """Hosts that were fine once skip the check later; any other is still checked."""
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": host}).status_code == 400
    assert client.get("/").status_code == 200


# -- documents served in front of Flask ---------------------------------------------------------


def _documents(app: Flask) -> list[web.Document]:
    """Serve /doc.json from a list the test changes (the last item is current)."""
    served = [web.Document(b'{"v":1}', "application/json", 600)]
    web.serve_document(app, "/doc.json", lambda: served[-1])

    documents = Blueprint("documents", __name__)

    @documents.get("/doc.json")
    def doc() -> tuple[bytes, int]:  # a query string still reaches Flask
        return web.current_document("/doc.json").body + b" via flask", 200

    web.register_blueprint(app, documents, access=PUBLIC_API)
    return served


def test_a_document_is_served_with_the_kits_headers_and_no_session(app: Flask) -> None:
    served = _documents(app)
    client = app.test_client()
    answer = client.get("/doc.json", headers={"X-Request-Id": "abc-123-def"})
    assert (answer.status_code, answer.data) == (200, b'{"v":1}')
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Content-Length"] == "7"
    assert answer.headers["Cache-Control"] == "public, max-age=600"
    assert answer.headers["X-Request-Id"] == "abc-123-def"
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in answer.headers
    assert "Strict-Transport-Security" not in answer.headers
    made = client.get("/doc.json", headers={"X-Request-Id": "no good"}).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    head = client.head("/doc.json")
    assert (head.status_code, head.data, head.headers["Content-Length"]) == (200, b"", "7")
    served.append(web.Document(b"[]", "application/jwk-set+json", 60))  # a new key, say
    answer = client.get("/doc.json")
    assert (answer.data, answer.headers["Content-Type"]) == (b"[]", "application/jwk-set+json")


def test_a_document_with_a_query_or_another_method_goes_through_flask(app: Flask) -> None:
    _documents(app)
    client = app.test_client()
    assert client.get("/doc.json?x=1").data == b'{"v":1} via flask'
    assert client.post("/doc.json").status_code == 405
    assert client.get("/doc.json?x=%00").status_code == 400  # Flask's checks still apply
    assert client.get("/doc.json", headers={"Host": "a" * 64}).status_code == 400


def test_documents_of_an_https_deployment_carry_hsts() -> None:
    app = make_app(public_url="https://portal.example")
    _documents(app)
    answer = app.test_client().get("/doc.json")
    assert "max-age=" in answer.headers["Strict-Transport-Security"]
