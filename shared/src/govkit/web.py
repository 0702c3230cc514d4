"""Web set-up shared by every service: one call, :func:`init_app`, from each app factory.

It configures, in this order: Flask settings from the service's settings object, JSON logs,
i18n, the Jinja environment (GOV.UK Frontend macros, the kit layout, a strict-but-practical
``Undefined``), CSRF protection for every form, request ids, security headers (a CSP with a
per-request nonce and no ``unsafe-inline``), request logging without query strings, error
handlers, and the ``govkit`` blueprint (``/healthz``, the language switch, static assets).

Blueprints are registered through :func:`register_blueprint`, which makes each one declare who
may use it (see :mod:`govkit.access`). Public documents fetched far more often than they change
(OpenID discovery, a JWKS) can be answered in front of Flask with :func:`serve_document`.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, redirect, request, url_for
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, StrictUndefined
from werkzeug.exceptions import BadHost, BadRequest, NotFound
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Request, Response

from govkit import errors, i18n, logs, notices
from govkit.access import AccessRule, record_access
from govkit.config import ServiceSettings

log = logging.getLogger("govkit.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: Headers every answer carries (a page's CSP is made per request: it holds the nonce).
_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
_QUIET_PATHS = ("/healthz", "/assets/")
csrf = CSRFProtect()

HealthCheck = Callable[[], dict[str, Any]]


class KitUndefined(StrictUndefined):
    """Strict where a silent blank would hide a bug, lenient where GOV.UK macros need it.

    Printing, iterating or measuring an undefined value raises; testing it for truth
    (``{% if params.hint %}``), reaching into it (``params.hint.text``) or comparing it with
    another undefined value (``params.x != undefined``, as GOV.UK macros do) does not.
    """

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, _key: Any) -> Any:
        return self

    # GOV.UK macros compare against an undefined name (``params.x != undefined``).
    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self))


govkit_blueprint = Blueprint(
    "govkit",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


#: What Werkzeug reads the request's host name from.
_HOST_KEYS = ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme")


def _refuse_bad_hosts(wsgi_app: Any, url_map: Map) -> Any:
    """``wsgi_app`` behind a check of the Host header: one that is no host name (a label over
    63 characters, ``..``) gets a plain 400 before Flask. Werkzeug refuses it too, but then
    leaves the request without a URL adapter, and every ``url_for`` of the error page (the
    navigation, the language switch) fails: a 500."""

    # Hosts already bound once (a few names serve nearly every request): checked again only
    # after the cache fills up with odd ones.
    good: set[tuple[Any, ...]] = set()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        host = tuple(map(environ.get, _HOST_KEYS))
        if host in good:
            return wsgi_app(environ, start_response)
        try:
            url_map.bind_to_environ(environ)
        except BadHost:
            body = b"400 Bad Request: the Host header is not a valid host name.\n"
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if len(good) < 64:
            good.add(host)
        return wsgi_app(environ, start_response)

    return app


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in a kit URL is at most 2,147,483,647 (a row id: PostgreSQL's
    ``integer``). A larger number is a page that does not exist (404), not a database error in
    the view. A route may still give its own bounds (``<int(max=…):…>``)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


@govkit_blueprint.get("/healthz")
def healthz() -> Response:
    """Liveness and readiness: 200 when every check passes, 503 with the reasons otherwise."""
    checks: dict[str, Any] = {}
    healthy = True
    for name, check in current_app.extensions.get("govkit.health", {}).items():
        try:
            checks[name] = {"status": "ok", **check()}
        except Exception as exc:  # noqa: BLE001 - a health check reports, it never raises
            healthy = False
            checks[name] = {"status": "fail", "reason": type(exc).__name__}
            log.warning("health check failed", extra={"check": name, "error": str(exc)})
    body = {
        "status": "ok" if healthy else "fail",
        "service": current_app.config["GOVKIT_SERVICE"],
        "version": current_app.config.get("GOVKIT_VERSION", "0"),
        "checks": checks,
    }
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    return response


def kit_home(path: str = "/") -> str:
    """An address on the kit's home, the portal, for a link a citizen follows (the layout's
    home link, "your documents"). Services never call another agency's address: a link is
    the citizen's to follow."""
    return current_app.config["GOVKIT_PORTAL_URL"].rstrip("/") + path


def safe_next(target: str | None) -> str:
    """A local path to return to; anything that could leave the site becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 for ch in target):
        return "/"
    return target


@govkit_blueprint.get("/accessibility")
def accessibility() -> str:
    return notices.accessibility_page()


@govkit_blueprint.get("/cookies")
def cookies() -> str:
    return notices.cookies_page()


@govkit_blueprint.get("/privacy")
def privacy() -> str:
    return notices.privacy_page()


@govkit_blueprint.get("/language/<code>")
def switch_language(code: str) -> Response:
    if code not in i18n.LANGUAGES:
        raise NotFound()
    response = redirect(safe_next(request.args.get("next")), code=303)
    settings = get_settings()
    response.set_cookie(
        i18n.COOKIE,
        code,
        max_age=i18n.COOKIE_YEARS * 365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.uses_https,
    )
    return response


def get_settings() -> ServiceSettings:
    """The running app's settings object."""
    return current_app.extensions["govkit.settings"]


def add_health_check(app: Flask, name: str, check: HealthCheck) -> None:
    """Add a named readiness check to ``/healthz``; it returns details or raises."""
    app.extensions.setdefault("govkit.health", {})[name] = check


def register_blueprint(
    app: Flask, blueprint: Blueprint, *, access: AccessRule, **options: Any
) -> None:
    """Register ``blueprint`` with its access rule declared in the same line.

    API blueprints (``access.api``) are exempt from CSRF (they take no cookies) and answer
    errors as problem+json.
    """
    record_access(app, blueprint.name, access)
    if access.api:
        csrf.exempt(blueprint)
        app.config["GOVKIT_API_BLUEPRINTS"] = (*app.config["GOVKIT_API_BLUEPRINTS"], blueprint.name)
    app.register_blueprint(blueprint, **options)


def _begin_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.csp_nonce = secrets.token_urlsafe(18)
    if _holds_unstorable(request):
        raise BadRequest(_NUL_REFUSED)


#: Why a request with a NUL character or a lone surrogate is refused before any view sees it.
_NUL_REFUSED = (
    "The request contains a NUL character (U+0000) or a lone surrogate (U+D800 to U+DFFF), "
    "which no field of the kit accepts."
)
#: What PostgreSQL's text cannot hold: NUL, and UTF-16 surrogates (JSON's "\ud800"), which
#: are no characters at all and cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _holds_unstorable(incoming: Request) -> bool:
    """Whether the path, a query or form field (name or value), or a string in a JSON body
    (chunked or not) holds U+0000 or a lone surrogate. No person types one, and PostgreSQL's
    text refuses both: refused here, it is a 400 instead of a database error in whichever
    view it reached. Uploaded files are bytes and may hold anything."""
    if _UNSTORABLE.search(incoming.path):
        return True
    for name, value in chain(incoming.args.items(multi=True), incoming.form.items(multi=True)):
        if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
            return True
    if incoming.is_json:
        try:
            body = incoming.get_json(silent=True)
        except RecursionError:  # the parser gives up on [[[[…: no API takes such a body
            raise BadRequest("The JSON body is nested too deeply.") from None
        return _UNSTORABLE.search(_strings(body)) is not None
    return False


def _strings(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "".join(str(key) + _strings(item) for key, item in value.items())
    if isinstance(value, list):
        return "".join(_strings(item) for item in value)
    return ""


def allow_form_action(*origins: str) -> None:
    """Let this page's forms lead to ``origins`` too (CSP ``form-action`` also governs the
    redirects after a form is sent: a sign-in form that ends at another service needs it)."""
    g.form_action = (*g.get("form_action", ()), *origins)


def _content_security_policy() -> str:
    extra = dict.fromkeys((*current_app.config["GOVKIT_FORM_ACTION"], *g.get("form_action", ())))
    form_action = " ".join(["'self'", *extra])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{g.get('csp_nonce', '')}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def pass_through() -> None:
    """Send this request's response with exactly the headers the view set: no request id, no
    security or cache headers added (a security server relaying a provider's answer byte for
    byte). The request is still logged."""
    g.govkit_pass_through = True


def _finish_request(response: Response) -> Response:
    if g.get("govkit_pass_through"):
        _log_request(response)
        return response
    headers = response.headers
    headers["X-Request-Id"] = g.get("request_id", "")
    headers.setdefault("Content-Security-Policy", _content_security_policy())
    for name, value in _SECURITY_HEADERS:
        headers.setdefault(name, value)
    if get_settings().uses_https:
        headers.setdefault(*_HSTS)
    if request.blueprint != "govkit" or request.endpoint != "govkit.static":
        # Pages may show personal data: never keep them in shared or browser caches.
        headers.setdefault("Cache-Control", "no-store")
    _log_request(response)
    return response


def _log_request(response: Response) -> None:
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    level = logging.DEBUG if request.path.startswith(_QUIET_PATHS) else logging.INFO
    # The path only: query strings can carry codes and tokens.
    log.log(
        level,
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
        },
    )


# -- documents served in front of Flask -------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A public document as it is served: its bytes, media type and how long caches keep it."""

    body: bytes
    content_type: str
    max_age: int


_DOCUMENTS = "govkit.documents"
#: A JSON or text document loads nothing, runs nothing and is framed by nobody.
_DOCUMENT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def serve_document(app: Flask, path: str, current: Callable[[], Document]) -> None:
    """Answer ``GET`` and ``HEAD`` of ``path`` (with no query string) in front of Flask, with
    ``current()`` (the caller keeps it cached: it is called on every request, outside any
    app or request context). For public documents that relying parties fetch far more often
    than they change (OpenID discovery, a JWKS): no request context, session, hooks or routing,
    but the same request id and security headers as every answer, and a log line at DEBUG (as
    for static assets). Any other method, or a query string, goes to Flask as usual."""
    app.extensions.setdefault(_DOCUMENTS, {})[path] = current


def current_document(path: str) -> Document:
    """The document :func:`serve_document` serves at ``path``, for a view that answers it when
    a request reaches Flask after all (a query string)."""
    documents: dict[str, Callable[[], Document]] = current_app.extensions[_DOCUMENTS]
    return documents[path]()


def _documents_first(app: Flask, flask_wsgi: Any) -> Any:
    documents: dict[str, Callable[[], Document]] = app.extensions.setdefault(_DOCUMENTS, {})

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        method = environ.get("REQUEST_METHOD")
        current = documents.get(environ.get("PATH_INFO", ""))
        if current is None or method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return flask_wsgi(environ, start_response)
        started = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        document = current()
        headers = [
            ("Content-Type", document.content_type),
            ("Content-Length", str(len(document.body))),
            ("Cache-Control", f"public, max-age={document.max_age}"),
            ("X-Request-Id", request_id),
            ("Content-Security-Policy", _DOCUMENT_CSP),
            *_SECURITY_HEADERS,
        ]
        if app.extensions["govkit.settings"].uses_https:
            headers.append(_HSTS)
        start_response("200 OK", headers)
        # public and the same for everyone, like the static assets: logged at DEBUG as they are
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "request",
                extra={
                    "method": method,
                    "path": environ["PATH_INFO"],
                    "status": 200,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                },
            )
        return [b""] if method == "HEAD" else [document.body]

    return wsgi


def _jinja_globals() -> dict[str, Any]:
    return {
        "csp_nonce": lambda: g.get("csp_nonce", ""),
        "current_language": i18n.current_language,
        "other_language": i18n.other_language,
        "language_names": i18n.LANGUAGES,
        "language_switch_url": _language_switch_url,
        "document_title": document_title,
        "footer_links": notices.footer_links,
    }


def document_title(*parts: object) -> str:
    """The ``<title>``: the page, the service and the kit, each once (a start page's heading
    is usually the service's name: "国民年金 – 窓口", not "国民年金 – 国民年金 – 窓口")."""
    kept: list[str] = []
    for part in map(str, parts):
        if part and part not in kept:
            kept.append(part)
    return " – ".join(kept)


def _language_switch_url(code: str) -> str:
    here = request.full_path if request.query_string else request.path
    return url_for("govkit.switch_language", code=code, next=here)


def init_app(
    app: Flask,
    settings: ServiceSettings,
    *,
    title: Any,
    home_url: str = "/",
    translations: Path | None = None,
    version: str = "0",
) -> None:
    """Apply the kit's web conventions to ``app`` (call once, from the factory, before any
    blueprint is registered)."""
    logs.configure(settings.service_name, settings.log_level)
    app.url_map.converters["int"] = RowIdConverter
    app.wsgi_app = _refuse_bad_hosts(  # type: ignore[method-assign]
        _documents_first(app, app.wsgi_app), app.url_map
    )
    app.extensions["govkit.settings"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key.get_secret_value(),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_NAME=f"{settings.service_name}_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.uses_https,
        PREFERRED_URL_SCHEME="https" if settings.uses_https else "http",
        TESTING=settings.environment == "test",
        GOVKIT_SERVICE=settings.service_name,
        GOVKIT_VERSION=version,
        GOVKIT_TITLE=title,
        GOVKIT_HOME_URL=home_url,
        GOVKIT_PORTAL_URL=settings.portal_url,
        GOVKIT_API_BLUEPRINTS=(),
        GOVKIT_FORM_ACTION=(),
    )
    i18n.init_app(app, *([translations] if translations else []))

    app.jinja_env.undefined = KitUndefined
    app.jinja_env.loader = ChoiceLoader(
        [
            app.create_global_jinja_loader(),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.globals.update(_jinja_globals())
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    csrf.init_app(app)
    app.before_request(_begin_request)
    app.after_request(_finish_request)
    errors.register_error_handlers(app)
    from govkit.access import PUBLIC

    register_blueprint(app, govkit_blueprint, access=PUBLIC)
