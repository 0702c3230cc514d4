"""The last hop: the provider's security server calls its own information system (§1.4).

The request goes out as it came in: the raw service path and query appended to the service's
base URL byte for byte (percent-escapes in upper case, which RFC 3986 §6.2.2.1 makes the same;
a '%' that starts no escape never gets this far), the body unchanged, headers already filtered
(:func:`securityserver.protocol.headers.provider_request_headers`). Redirects come back as
answers and are never followed. Whatever the provider answers, error statuses included, is
the answer (category 1 of §1.7); only when it cannot answer does the layer speak:

* refused, reset, DNS failure → ``Server.ServerProxy.ServiceFailed.NetworkError``;
* no answer within the service's timeout → ``Server.ServerProxy.ServiceFailed.IOError``
  ("Read timed out", as X-Road users know it);
* an answer larger than the body cap → ``Server.ServerProxy.ServiceFailed.IOError`` (nothing
  of it is returned or logged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ReadTimeoutError

from securityserver.catalogue import OfferedService
from securityserver.protocol.errors import ExchangeError, FaultCode

CONNECT_TIMEOUT = 3.0
CHUNK = 64 * 1024


@dataclass(frozen=True)
class ProviderAnswer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def provider_session(pool_size: int = 32) -> urllib3.PoolManager:
    """Keep-alive connections to the member's information systems (no proxies, no retries)."""
    return urllib3.PoolManager(num_pools=8, maxsize=pool_size, retries=False)


def provider_url(service: OfferedService, raw_service_path: str, raw_query: str | None) -> str:
    """The base URL, the raw service path and the raw query, joined without re-encoding."""
    url = service.base_url + raw_service_path
    return url if raw_query is None else f"{url}?{raw_query}"


def forward(
    http: urllib3.PoolManager,
    service: OfferedService,
    *,
    method: str,
    raw_service_path: str,
    raw_query: str | None,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
    max_body: int,
) -> ProviderAnswer:
    """Call the provider IS once; its answer, or the layer's error when there is none."""
    url = provider_url(service, raw_service_path, raw_query)
    sent = urllib3.HTTPHeaderDict()
    for name, value in headers:
        sent[name] = value  # repeated names were joined by the filter already
    if body:
        sent["Content-Length"] = str(len(body))
    # The pool for the provider's origin, then the target exactly as received: a whole URL
    # would be normalised on the way (dot segments removed), a target is sent as it is.
    parts = urlsplit(url)
    target = url[len(f"{parts.scheme}://{parts.netloc}") :]
    try:
        response = http.connection_from_url(url).urlopen(
            method,
            target,
            body=body or None,
            headers=sent,
            redirect=False,
            retries=False,
            preload_content=False,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=service.timeout),
        )
    except ReadTimeoutError:
        raise ExchangeError(
            FaultCode.SERVICE_FAILED.sub("IOError"),
            f"Read timed out: {service.id} did not answer within {service.timeout:g} s",
        ) from None
    except (ConnectTimeoutError, HTTPError, OSError) as exc:
        raise ExchangeError(
            FaultCode.SERVICE_FAILED.sub("NetworkError"),
            f"{service.id} could not be reached ({type(exc).__name__})",
        ) from None
    try:
        content = _read(response, max_body, service)
    except BaseException:
        response.close()  # unread bytes left: the connection is not reused
        raise
    finally:
        response.release_conn()
    return ProviderAnswer(
        status=response.status,
        reason=response.reason or "",
        headers=list(response.headers.items()),
        body=content,
    )


def _read(response: urllib3.BaseHTTPResponse, max_body: int, service: OfferedService) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise _too_large(service, max_body)
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in response.stream(CHUNK, decode_content=False):
            size += len(chunk)
            if size > max_body:
                raise _too_large(service, max_body)
            parts.append(chunk)
    except (HTTPError, OSError) as exc:  # a stall or a cut mid-body
        raise ExchangeError(
            FaultCode.SERVICE_FAILED.sub("IOError"),
            f"{service.id} broke off its answer ({type(exc).__name__})",
        ) from None
    return b"".join(parts)


def _too_large(service: OfferedService, max_body: int) -> ExchangeError:
    return ExchangeError(
        FaultCode.SERVICE_FAILED.sub("IOError"),
        f"{service.id} answered with more than {max_body:,} bytes, the most the exchange carries",
    )
