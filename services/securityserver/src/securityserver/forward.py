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

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

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


def provider_url(service: OfferedService, raw_service_path: str, raw_query: str | None) -> str:
    """The base URL, the raw service path and the raw query, joined without re-encoding."""
    url = service.base_url + raw_service_path
    return url if raw_query is None else f"{url}?{raw_query}"


def forward(
    http: requests.Session,
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
    request = requests.Request(method, url, data=body or None)
    prepared = http.prepare_request(request)
    prepared.url = url  # exactly as received: no normalisation of the path or query
    prepared.headers = CaseInsensitiveDict()
    for name, value in headers:
        prepared.headers[name] = value  # repeated names were joined by the filter already
    if body:
        prepared.headers["Content-Length"] = str(len(body))
    try:
        response = http.send(
            prepared,
            timeout=(CONNECT_TIMEOUT, service.timeout),
            allow_redirects=False,
            stream=True,
        )
    except requests.Timeout:
        raise ExchangeError(
            FaultCode.SERVICE_FAILED.sub("IOError"),
            f"Read timed out: {service.id} did not answer within {service.timeout:g} s",
        ) from None
    except requests.RequestException as exc:
        raise ExchangeError(
            FaultCode.SERVICE_FAILED.sub("NetworkError"),
            f"{service.id} could not be reached ({type(exc).__name__})",
        ) from None
    try:
        content = _read(response, max_body, service)
    finally:
        response.close()
    return ProviderAnswer(
        status=response.status_code,
        reason=response.reason or "",
        headers=list(response.raw.headers.items()),
        body=content,
    )


def _read(response: requests.Response, max_body: int, service: OfferedService) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise _too_large(service, max_body)
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in response.raw.stream(CHUNK, decode_content=False):
            size += len(chunk)
            if size > max_body:
                raise _too_large(service, max_body)
            parts.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:  # a stall or a cut mid-body
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
