"""Errors: problem+json (RFC 9457) for APIs, plain-language pages for browsers.

* Raise :class:`Problem` from an API view (or a domain-error mapping) to answer with
  ``application/problem+json``.
* Every HTTP error (404, 405, 413, CSRF failures, …) is answered in the caller's language and
  format: JSON for API blueprints and clients that prefer JSON, a GOV.UK-style page otherwise.
* Unexpected exceptions are logged with the request id and answered with a 500 page that shows
  the reference to quote. Expected outcomes (not eligible, already applied) are *not* errors:
  views render them as journey pages.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, has_request_context, json, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from gunicorn.http import errors as http_errors
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: Plain-language page text per status: (title, explanation, what to do next).
_PAGES: dict[int, tuple[Any, Any, Any]] = {
    400: (
        _l("There is a problem with your request"),
        _l("The page could not understand what was sent."),
        _l("Go back and try again. If you typed a web address, check it is correct."),
    ),
    403: (
        _l("You cannot see this page"),
        _l("You do not have permission to use this page."),
        _l("If you think you should, contact the office that runs this service."),
    ),
    404: (
        _l("Page not found"),
        _l("If you typed the web address, check it is correct."),
        _l("If you pasted the web address, check you copied the entire address."),
    ),
    405: (
        _l("This page cannot be used in that way"),
        _l("The page does not accept this kind of request."),
        _l("Go back to the previous page and use its buttons and links."),
    ),
    413: (
        _l("The file is too large"),
        _l("The file or form you sent is larger than this service accepts."),
        _l("Choose a smaller file and try again."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You have tried too many times in a short period."),
        _l("Wait a few minutes and try again."),
    ),
    500: (
        _l("Sorry, there is a problem with the service"),
        _l("Something went wrong on our side. Nothing you entered has been lost."),
        _l("Try again later. If you contact us, quote the reference below."),
    ),
    503: (
        _l("Sorry, the service is unavailable"),
        _l("The service is not available at the moment."),
        _l("Try again later."),
    ),
}

_CSRF_PAGE = (
    _l("Your session has timed out or the form was sent twice"),
    _l("For your security the form could not be accepted."),
    _l("Go back, reload the page and send the form again."),
)


class Problem(Exception):
    """An API error answered as ``application/problem+json``.

    ``type`` is a URI reference naming the kind of problem (``about:blank`` for plain HTTP
    errors); extra keyword arguments become extension members of the JSON object.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type: str = "about:blank",  # noqa: A002 - RFC 9457 member name
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.headers = headers or {}
        self.extensions = extensions

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if has_request_context():
            body["instance"] = request.path
            body["request_id"] = g.get("request_id")
        body.update(self.extensions)
        return body


def problem_response(problem: Problem) -> Response:
    response = current_app.response_class(
        json.dumps(problem.to_dict(), ensure_ascii=False),
        status=problem.status,
        mimetype=PROBLEM_JSON,
    )
    response.headers.update(problem.headers)
    return response


def wants_json() -> bool:
    """True for API blueprints, the agency APIs under ``/api/`` and ``/exchange/`` (also when no
    route matched), and for clients that prefer JSON to HTML."""
    api_blueprints = current_app.config.get("GOVKIT_API_BLUEPRINTS", ())
    if request.blueprint in api_blueprints or request.path.startswith(("/api/", "/exchange/")):
        return True
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", PROBLEM_JSON], default="text/html"
    )
    return best != "text/html"


def _render_page(status: int, texts: tuple[Any, Any, Any]) -> Response:
    title, explanation, next_step = texts
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    html = render_template(
        "govkit/error.html",
        status=status,
        title=title,
        explanation=explanation,
        next_step=next_step,
        reference=g.get("request_id") if status >= 500 else None,
        # A form sent too large: its size limit, and the way back to the form (a page posts
        # to its own address).
        limit_mb=limit // 2**20 if status == 413 and limit else None,
        back_url=request.path if status == 413 and request.method == "POST" else None,
    )
    return current_app.response_class(html, status=status, mimetype="text/html")


def _handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled exception", exc_info=original)
    if wants_json():
        detail = error.description if status < 500 else None
        problem = Problem(status, error.name, detail)
        response = problem_response(problem)
    else:
        is_csrf = isinstance(error, CSRFError)
        texts = _CSRF_PAGE if is_csrf else _PAGES.get(status, _PAGES[400 if status < 500 else 500])
        response = _render_page(status, texts)
    # Keep protocol headers such as Allow (405) and Retry-After (429).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _handle_problem(problem: Problem) -> Response:
    if wants_json():
        return problem_response(problem)
    return _render_page(problem.status, _PAGES.get(problem.status, _PAGES[400]))


def register_error_handlers(app: Flask) -> None:
    """Answer every HTTP error and :class:`Problem` in the caller's format and language."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Problem, _handle_problem)
    # Unhandled exceptions reach the 500 handler through Flask's handle_exception (in tests
    # they propagate, so tracebacks stay visible).
    app.register_error_handler(InternalServerError, _handle_http)
    # gunicorn reads the body as the view asks for it: a broken chunked encoding or a body
    # shorter than its Content-Length is the sender's mistake.
    for broken in (http_errors.ParseException, http_errors.NoMoreData):
        app.register_error_handler(broken, _handle_broken_body)


def _handle_broken_body(error: Exception) -> Response:
    log.info("request body could not be read: %s", type(error).__name__)
    return _handle_http(BadRequest(f"The request body is malformed ({type(error).__name__})."))
