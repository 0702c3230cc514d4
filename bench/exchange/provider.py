"""The provider information system of ``make bench-exchange``: ``POST /echo`` answers the
request's JSON body, byte for byte, as ``application/json``.

Plain WSGI (no framework), so that both paths of the benchmark pay the same, small provider
cost and the difference is the exchange's. Served by gunicorn with the kit's settings
(``-c python:govkit.gunicorn_config``, 2 workers × 4 threads, as :class:`govkit.stack.Stack`
starts every service); ``GET /healthz`` answers 200 for the readiness check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

MAX_BODY = 1024 * 1024


def _answer(
    start_response: Callable[..., Any], status: str, body: bytes, content_type: str
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
    if path == "/healthz" and method == "GET":
        return _answer(start_response, "200 OK", b"ok", "text/plain")
    if path != "/echo":
        return _answer(start_response, "404 Not Found", b"not found", "text/plain")
    if method != "POST":
        return _answer(start_response, "405 Method Not Allowed", b"POST only", "text/plain")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 < length <= MAX_BODY:
        return _answer(start_response, "400 Bad Request", b"a JSON body", "text/plain")
    body = environ["wsgi.input"].read(length)
    try:
        json.loads(body)
    except ValueError:
        return _answer(start_response, "400 Bad Request", b"not JSON", "text/plain")
    return _answer(start_response, "200 OK", body, "application/json")
