"""The exchange client: one service's calls to other agencies through its own security server.

One :class:`ExchangeClient` per app, shared by its threads. It holds one keep-alive
``requests`` session (a connection pool), puts a timeout on every call, never follows a
redirect, and sends the service path, the query and the body byte for byte; the one
normalisation is the one the HTTP library applies anyway: characters that cannot appear in a
request target are percent-encoded (UTF-8) and escapes are written in upper case (RFC 3986
§6.2.2.1), which the client does itself so the URL it reports is the one sent. Failures come
back as the types of :mod:`govkit.exchange.errors`, never as ``requests`` exceptions.
"""

from __future__ import annotations

import json as jsonlib
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from govkit.config import ServiceSettings

from govkit.exchange.errors import (
    ExchangeError,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ResponseTooLarge,
)
from govkit.exchange.identifiers import ClientRef, ServiceRef
from govkit.exchange.messages import (
    CONTROLLED_HEADERS,
    SECURITY_SERVER_TOKEN_HEADER,
    X_ROAD_CLIENT,
    X_ROAD_ERROR,
    CallContext,
    ExchangeResponse,
    check_header_value,
    parse_fault,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_FAULT_BYTES",
    "MAX_RESPONSE_BYTES",
    "USER_AGENT",
    "ExchangeClient",
    "Query",
    "Timeout",
]

#: (connect, read) seconds for every call unless the client or the call says otherwise.
DEFAULT_TIMEOUT = (3.05, 10.0)
#: The largest answer body read (the security server's message-log cap is the same).
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
#: The largest error body of the exchange layer read; over it only the header's code is kept.
MAX_FAULT_BYTES = 64 * 1024
USER_AGENT = "govkit-exchange/1"

Timeout = float | tuple[float, float]
Query = str | Mapping[str, Any] | Iterable[tuple[str, Any]]

_CHUNK = 64 * 1024
_METHOD = re.compile(r"[A-Z]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# RFC 3986 pchar besides the unreserved characters, plus "/" (and "?" in a query): what
# urllib3 leaves alone in a request target. "%" stays because escapes were checked.
_PATH_SAFE = "!$&'()*+,;=:@/%"
_QUERY_SAFE = _PATH_SAFE + "?"


def _target_part(text: str, *, safe: str, what: str) -> str:
    if _LONE_PERCENT.search(text):
        raise ValueError(f"the {what} has a '%' that starts no escape (write it as %25)")
    text = _ESCAPE.sub(lambda match: match.group(0).upper(), text)
    return quote(text, safe=safe)


def _query_string(query: Query) -> str:
    if isinstance(query, str):
        if query.startswith("?"):
            raise ValueError("give the query without its leading '?'")
        return _target_part(query, safe=_QUERY_SAFE, what="query")
    pairs = query.items() if isinstance(query, Mapping) else query
    return urlencode(list(pairs), doseq=True, quote_via=quote)


def _service_path(path: str) -> str:
    if not isinstance(path, str):
        raise TypeError("path must be a string")
    if path and not path.startswith("/"):
        raise ValueError("a service path starts with '/'")
    if "?" in path or "#" in path:
        raise ValueError("the path may not hold '?' or '#'; pass the query as query=")
    return _target_part(path, safe=_PATH_SAFE, what="path")


def _is_read_timeout(exc: BaseException) -> bool:
    """Whether a ``requests`` error raised while reading the body was a read timeout (requests
    reports it as a ``ConnectionError`` wrapping urllib3's ``ReadTimeoutError``)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, requests.ReadTimeout | TimeoutError):
            return True
        if type(current).__name__ == "ReadTimeoutError":
            return True
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


def _session(pool_size: int) -> requests.Session:
    session = requests.Session()
    # The security server is a fixed, configured address: no proxies or .netrc from the
    # environment. (Cookies are never stored: calls go through the adapter, not the session.)
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class ExchangeClient:
    """Calls through the own security server as subsystem ``client_id`` (thread-safe).

    * ``security_server_url`` — the own security server's IS-facing base URL
      (``http://localhost:8101``); a path prefix is kept.
    * ``client_id`` — this service's subsystem, a :class:`ClientRef` or its string form
      (``"JP-KIT/GOV/LG-139998/residence"``).
    * ``http`` — a session to use instead of a fresh one (e.g. ``govkit.http.kit_session``,
      which honours ``KIT_INTERNAL_ROUTES``); a fresh one ignores proxy variables. Only its
      adapters (the pool, the routes), default headers and TLS settings are used: no
      cookies are kept and no hooks run.
    * ``timeout`` — (connect, read) seconds, or one number for both; a call may override it.
    * ``max_response_bytes`` — the largest body read; over it :class:`ResponseTooLarge`.
    * ``security_server_token`` — the secret the own security server shares with its member's
      information systems, sent with every call (``<PREFIX>SECURITY_SERVER_TOKEN``, set by
      `make up`); a server that has one refuses calls without it.
    """

    def __init__(
        self,
        security_server_url: str,
        client_id: ClientRef | str,
        *,
        http: requests.Session | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        user_agent: str = USER_AGENT,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        pool_size: int = 10,
        security_server_token: str | None = None,
    ) -> None:
        parts = urlsplit(security_server_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{security_server_url!r} is not an http(s) URL")
        if parts.query or parts.fragment:
            raise ValueError(f"{security_server_url!r} may not have a query or fragment")
        if max_response_bytes < 0:
            raise ValueError("max_response_bytes may not be negative")
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.client_id = (
            client_id if isinstance(client_id, ClientRef) else ClientRef.parse(client_id)
        )
        self.http = http if http is not None else _session(pool_size)
        self.timeout = timeout
        self.user_agent = check_header_value(user_agent, "user_agent")
        self.max_response_bytes = max_response_bytes
        self._token = (
            None
            if security_server_token is None
            else check_header_value(security_server_token, "security_server_token")
        )

    @classmethod
    def from_settings(cls, settings: ServiceSettings, **options: Any) -> ExchangeClient:
        """The client of a service whose settings name its security server and subsystem
        (``<PREFIX>_SECURITY_SERVER_URL``, ``<PREFIX>_EXCHANGE_CLIENT``, set by `make up`);
        ``ValueError`` naming the missing setting otherwise. Calls honour
        ``KIT_INTERNAL_ROUTES``."""
        from govkit.http import kit_session

        for field in ("security_server_url", "exchange_client"):
            if not getattr(settings, field):
                names = " or ".join(settings.env_names(field)[:1])
                raise ValueError(f"{names} is not set: this service has no exchange client")
        options.setdefault("http", kit_session(settings))
        token = settings.security_server_token
        if token is not None and token.get_secret_value():
            options.setdefault("security_server_token", token.get_secret_value())
        return cls(settings.security_server_url, settings.exchange_client, **options)

    def __repr__(self) -> str:
        return f"ExchangeClient({self.base_url!r}, {str(self.client_id)!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self.http.close()

    # -- building the request ---------------------------------------------------------------

    def url(self, service: ServiceRef, path: str = "", query: Query | None = None) -> str:
        """The exact URL a call sends: ``{base}/r1/{service}{path}[?{query}]``."""
        url = self.base_url + service.path(_service_path(path))
        if query is not None:
            encoded = _query_string(query)
            if encoded:
                url += "?" + encoded
        return url

    def headers(
        self,
        context: CallContext,
        x_road_id: str,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The headers a call sends: ``User-Agent``, the caller's ``extra`` ones, then
        ``X-Road-Client`` and the context's (which ``extra`` may not name)."""
        headers = {"User-Agent": self.user_agent}
        for name, value in (extra or {}).items():
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                raise ValueError(f"{name!r} is not a header name")
            if name.lower() in CONTROLLED_HEADERS:
                raise ValueError(f"{name} is set from the call's context, not from headers=")
            if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value):
                raise ValueError(f"the value of {name} must be ASCII without line breaks")
            headers[name] = value
        headers[X_ROAD_CLIENT] = str(self.client_id)
        headers.update(context.headers(x_road_id))
        if self._token is not None:
            headers[SECURITY_SERVER_TOKEN_HEADER] = self._token
        return headers

    # -- calls ------------------------------------------------------------------------------

    def call(
        self,
        service: ServiceRef,
        method: str = "GET",
        path: str = "",
        *,
        query: Query | None = None,
        json: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        context: CallContext | None = None,
        timeout: Timeout | None = None,
    ) -> ExchangeResponse:
        """Call ``service`` and return its answer, whatever the provider's status.

        ``path`` is the service path (``/v1/people/abc``, already encoded: see
        :func:`~govkit.exchange.identifiers.encode_path`); ``query`` a raw query string sent
        as it is, or pairs to encode; ``json`` a value sent as UTF-8 JSON, or ``body`` bytes
        sent as they are (not both). Raises :class:`ExchangeFault` when the exchange layer
        answers with ``X-Road-Error``, and the transport errors of
        :mod:`govkit.exchange.errors`; ``ValueError`` for a call that cannot be sent.
        """
        if not isinstance(service, ServiceRef):
            raise TypeError("service must be a ServiceRef")
        if not isinstance(method, str) or not _METHOD.fullmatch(method.upper()):
            raise ValueError(f"{method!r} is not an HTTP method")
        method = method.upper()
        context = context or CallContext()
        x_road_id = context.x_road_id or str(uuid.uuid4())
        url = self.url(service, path, query)
        sent_headers = self.headers(context, x_road_id, headers)
        data = self._body(json, body, sent_headers)
        called = str(service)

        try:
            prepared = self.http.prepare_request(
                requests.Request(method, url, headers=sent_headers, data=data)
            )
            prepared.url = url  # exactly as built: requests would re-quote it
            settings = self.http.merge_environment_settings(url, {}, True, None, None)
            # The adapter, not Session.send: the session would read a redirect's whole body
            # (uncapped) while preparing a next hop that is never taken, and keep cookies.
            response = self.http.get_adapter(url).send(
                prepared,
                stream=True,
                timeout=self.timeout if timeout is None else timeout,
                verify=settings["verify"],
                cert=settings["cert"],
                proxies=settings["proxies"],
            )
            with response:
                return self._answer(response, method, called, x_road_id)
        except requests.ConnectTimeout:
            raise ExchangeTimeout(
                "the security server did not accept the connection in time",
                phase="connect",
                service=called,
                x_road_id=x_road_id,
            ) from None
        except requests.RequestException as exc:
            raise self._transport_error(exc, called, x_road_id) from None

    def get(self, service: ServiceRef, path: str = "", **kwargs: Any) -> ExchangeResponse:
        return self.call(service, "GET", path, **kwargs)

    def post(self, service: ServiceRef, path: str = "", **kwargs: Any) -> ExchangeResponse:
        return self.call(service, "POST", path, **kwargs)

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _body(json: Any, body: bytes | None, headers: dict[str, str]) -> bytes | None:
        if json is not None and body is not None:
            raise ValueError("give json= or body=, not both")
        if body is not None:
            if not isinstance(body, bytes | bytearray | memoryview):
                raise TypeError("body must be bytes (encode text first)")
            return bytes(body)
        if json is not None:
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = "application/json"
            return jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode()
        return None

    def _answer(
        self, response: requests.Response, method: str, called: str, x_road_id: str
    ) -> ExchangeResponse:
        code = response.headers.get(X_ROAD_ERROR)
        answered_id = response.headers.get("X-Road-Id") or x_road_id
        if code is not None:
            fault_body = _read(response, MAX_FAULT_BYTES)
            raise parse_fault(
                code,
                fault_body,
                status=response.status_code,
                service=called,
                x_road_id=answered_id,
            )
        body = b"" if method == "HEAD" else _read(response, self.max_response_bytes)
        if body is None:
            raise ResponseTooLarge(self.max_response_bytes, service=called, x_road_id=answered_id)
        return ExchangeResponse(
            status=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            body=body,
            reason=response.reason or "",
            called=called,
            sent_x_road_id=x_road_id,
        )

    @staticmethod
    def _transport_error(
        exc: requests.RequestException, called: str, x_road_id: str
    ) -> ExchangeError:
        name = type(exc).__name__
        if _is_read_timeout(exc):
            return ExchangeTimeout(
                "the exchange did not answer in time",
                phase="read",
                service=called,
                x_road_id=x_road_id,
            )
        if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
            return ExchangeUnavailable(
                f"the security server cannot be reached or dropped the connection ({name})",
                service=called,
                x_road_id=x_road_id,
            )
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return InvalidResponse(
                "the answer's content encoding is broken", service=called, x_road_id=x_road_id
            )
        return ExchangeError(f"the call failed ({name})", service=called, x_road_id=x_road_id)


def _read(response: requests.Response, limit: int) -> bytes | None:
    """The body, or ``None`` as soon as it is known to be over ``limit`` bytes (the rest is
    not read; closing the response drops the connection)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
