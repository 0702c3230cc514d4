"""The security server's HTTP boundary: thin adapters around :mod:`securityserver.proxy`.

* IS-facing (plain HTTP, the kit's port 8100+): ``/r1/...`` (every method, only for callers
  with the member's information-system token) and ``GET /listClients``; any other path gets
  the layer's ``Client.BadRequest``.
* SS-to-SS (mutual TLS, 8200+, see :mod:`securityserver.worker`): ``POST /exchange/v1/message``,
  refused without a client certificate.
* ``GET /health``: 200 when the server can exchange, 500 with the reason when not, 503 in
  maintenance (xroad.md §4.1).
* ``GET /opmon?from=&to=&client=``: operational monitoring records for the owner's
  information systems (``X-Road-Client`` a subsystem of this member, with the token) as JSON.

The request target is read raw (gunicorn's ``RAW_URI``), never from the decoded path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from gunicorn.http import errors as http_errors
from sqlmodel import col, select
from werkzeug.datastructures import EnvironHeaders

from govkit.db import get_database
from govkit.web import pass_through
from securityserver.catalogue import CatalogueError
from securityserver.configuration import AnchorError
from securityserver.envelope import PATH as MESSAGE_PATH
from securityserver.keys import KeysMissing
from securityserver.models import OpMonitoringRecord
from securityserver.protocol.errors import ExchangeError, FaultCode
from securityserver.protocol.headers import X_ROAD_CLIENT
from securityserver.protocol.identifiers import parse_client_header
from securityserver.proxy import (
    Incoming,
    Outgoing,
    authenticate_information_system,
    consume,
    fault,
    list_clients,
    provide,
    refusal,
)
from securityserver.runtime import Runtime, build_runtime
from securityserver.worker import PEER_CERTIFICATE

bp = Blueprint("exchange", __name__)
log = logging.getLogger("securityserver")

_RUNTIME = "securityserver.runtime"
_LOCK = threading.Lock()
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]
MAX_OPMON_RECORDS = 10_000


def runtime(app: Flask | None = None) -> Runtime:
    """This process's runtime, built on first use; ``ExchangeError`` when it cannot be."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    built = app.extensions.get(_RUNTIME)
    if isinstance(built, Runtime):
        return built
    with _LOCK:
        built = app.extensions.get(_RUNTIME)
        if not isinstance(built, Runtime):
            try:
                built = build_runtime(app.extensions["govkit.settings"], get_database(app))
            except (KeysMissing, AnchorError, CatalogueError, ValueError, OSError) as exc:
                raise ExchangeError(
                    FaultCode.CLIENT_PROXY_INTERNAL_ERROR,
                    f"This security server is not set up: {exc}",
                ) from None
            app.extensions[_RUNTIME] = built
    return built


def _raw_target(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        raw = path + (f"?{query}" if query else "")
    return raw


def _read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The body, refused (``Client.BadRequest``) beyond ``limit`` without reading it all."""
    text = environ.get("CONTENT_LENGTH") or ""
    declared = int(text) if text.isdigit() else None
    if declared is not None and declared > limit:
        raise ExchangeError(
            FaultCode.BAD_REQUEST,
            f"The message body ({declared} bytes) is larger than the {limit} bytes "
            "the message log accepts",
        )
    stream = environ["wsgi.input"]
    try:
        body = stream.read(limit + 1) if declared is None else stream.read(declared)
    except (http_errors.ParseException, http_errors.NoMoreData) as error:
        raise ExchangeError(
            FaultCode.BAD_REQUEST,
            f"The message body could not be read ({type(error).__name__}): "
            "a broken chunked encoding, or fewer bytes than Content-Length",
        ) from None
    if len(body) > limit:
        raise ExchangeError(
            FaultCode.BAD_REQUEST,
            f"The message body is larger than the {limit} bytes the message log accepts",
        )
    return body


def _response(outgoing: Outgoing) -> Response:
    """Exactly the headers the proxy chose: the provider's and the X-Road ones."""
    response = Response(outgoing.body, status=outgoing.status)
    response.headers.clear()
    for name, value in outgoing.headers:
        response.headers.add(name, value)
    if outgoing.reason:
        response.status = f"{outgoing.status} {outgoing.reason}"
    return response


def _respond(outgoing: Outgoing) -> Response:
    pass_through()  # nothing of this server's added to what the proxy chose
    return _response(outgoing)


def _layer_error(error: ExchangeError) -> Response:
    return _respond(fault(error, request.headers.get("Accept")))


def exchange_call(app: Flask, environ: dict[str, Any]) -> Response:
    """One IS-facing request: PR-REST ``/r1/...`` (the layer's errors for anything else)."""
    try:
        if environ.get(PEER_CERTIFICATE):
            raise ExchangeError(
                FaultCode.BAD_REQUEST,
                "This is the security-server port: send /r1 calls to the IS port",
            )
        current = runtime(app)
        incoming = Incoming(
            environ["REQUEST_METHOD"],
            _raw_target(environ),
            list(EnvironHeaders(environ).items()),
            _read_body(environ, current.max_body),
        )
    except Exception as exc:  # noqa: BLE001 - refused before the proxy (port, size, setup) or a bug
        internal = FaultCode.CLIENT_PROXY_INTERNAL_ERROR
        return _response(refusal(exc, environ.get("HTTP_ACCEPT"), internal, log)[1])
    return _response(consume(current, incoming))


def message_call(app: Flask, environ: dict[str, Any]) -> Response:
    """A signed request from another security server (mutual TLS only)."""
    try:
        peer = environ.get(PEER_CERTIFICATE)
        if not peer:
            raise ExchangeError(
                FaultCode.SERVER_PROXY_SSL_AUTHENTICATION_FAILED,
                "Security servers call each other over mutual TLS only",
            )
        current = runtime(app)
        # The envelope carries the header part as well as the body.
        body = _read_body(environ, current.max_body + 256 * 1024)
        incoming = Incoming("POST", MESSAGE_PATH, list(EnvironHeaders(environ).items()), body, peer)
    except Exception as exc:  # noqa: BLE001 - refused before the proxy (TLS, size, setup) or a bug
        internal = FaultCode.SERVER_PROXY_INTERNAL_ERROR
        return _response(refusal(exc, environ.get("HTTP_ACCEPT"), internal, log)[1])
    return _response(provide(current, incoming))


def fast_path(app: Flask) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """``app.wsgi_app`` with the message paths (``/r1/…`` and the SS-to-SS ``POST``) served
    without Flask's request context, session and hooks.

    They are the same handlers the Flask views call, so the answers are the same; what the
    fast path leaves out is work that does nothing for a relayed message (a session cookie,
    security headers that :func:`~govkit.web.pass_through` drops again, the request id) and
    the per-request log line: every message has its operational-monitoring record and
    message-log records instead, and every refusal its warning.
    """
    flask_app = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/r1/"):
            return exchange_call(app, environ)(environ, start_response)
        if path == MESSAGE_PATH and environ.get("REQUEST_METHOD") == "POST":
            return message_call(app, environ)(environ, start_response)
        return flask_app(environ, start_response)

    return wsgi


@bp.route("/", defaults={"rest": ""}, methods=_METHODS, provide_automatic_options=False)
@bp.route("/<path:rest>", methods=_METHODS, provide_automatic_options=False)
def exchange(rest: str) -> Response:
    """Every IS-facing request the fast path does not take: the layer's errors."""
    del rest  # the raw target is parsed instead
    pass_through()
    return exchange_call(current_app._get_current_object(), request.environ)  # type: ignore[attr-defined]


@bp.get("/listClients")
def clients() -> Response:
    try:
        current = runtime()
    except ExchangeError as error:
        return _layer_error(error)
    return _respond(list_clients(current, request.query_string.decode("latin-1") or None))


@bp.post(MESSAGE_PATH)
def message() -> Response:
    """The SS-to-SS message when it reaches Flask (the fast path normally takes it)."""
    pass_through()
    return message_call(current_app._get_current_object(), request.environ)  # type: ignore[attr-defined]


@bp.get("/health")
def health() -> Response:
    """200 ready, 500 with the reason, 503 in maintenance (xroad.md §4.1)."""
    settings = current_app.extensions["govkit.settings"]
    if settings.maintenance:
        return Response("Health check interface is in maintenance mode", 503, mimetype="text/plain")
    try:
        current = runtime()
        current.confs.current()
    except ExchangeError as error:
        return Response(error.message, 500, mimetype="text/plain")
    return Response("", 200, mimetype="text/plain")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    # ASCII digits only ("²" is a digit to str.isdigit), and at most 12 of them (the year
    # 33658): the milliseconds must fit the database's 64-bit integer.
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise ExchangeError(FaultCode.BAD_REQUEST, f"{name} must be Unix seconds")
    return int(value)


@bp.get("/opmon")
def operational_data() -> Response:
    """The owner's view of this server's operational monitoring records."""
    try:
        current = runtime()
        caller = parse_client_header(request.headers.get(X_ROAD_CLIENT))
        authenticate_information_system(
            current.information_system_token, list(request.headers.items()), caller
        )
        if caller.member != current.member:
            raise ExchangeError(
                FaultCode.CLIENT_PROXY_UNKNOWN_MEMBER,
                f"Operational data is for {current.member}'s own information systems only",
            )
        since, until = _int_arg("from"), _int_arg("to")
        client = request.args.get("client")
    except ExchangeError as error:
        return _layer_error(error)
    current.flush_monitoring()
    query = select(OpMonitoringRecord).order_by(col(OpMonitoringRecord.id))
    if since is not None:
        query = query.where(col(OpMonitoringRecord.request_in_ts) >= since * 1000)
    if until is not None:
        query = query.where(col(OpMonitoringRecord.request_in_ts) < until * 1000)
    if client:
        query = query.where(col(OpMonitoringRecord.client) == client)
    with current.database.session() as session:
        rows = session.exec(query.limit(MAX_OPMON_RECORDS + 1)).all()
    records: list[dict[str, Any]] = [
        row.model_dump(exclude={"id"}) for row in rows[:MAX_OPMON_RECORDS]
    ]
    document = {
        "records": records,
        "truncated": len(rows) > MAX_OPMON_RECORDS,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return current_app.json.response(document)
