"""Calls from this security server to another one: mutual TLS, the peer pinned by fingerprint.

The peer's address and TLS-certificate fingerprint come from global configuration; the
connection presents this server's TLS certificate (trust's security-server CA) and accepts the
peer only if its certificate has exactly the listed SHA-256 fingerprint (urllib3's
``assert_fingerprint``), whatever its name or issuer say. Each peer gets its own keep-alive
pool; a changed fingerprint replaces the pool.

Failures become the consumer side's errors (xroad.md §1.7): no connection →
``Server.ClientProxy.NetworkError``; a certificate that is not the listed one →
``Server.ClientProxy.SslAuthenticationFailed``; no answer in time or a cut answer →
``Server.ClientProxy.IOError``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from securityserver.envelope import PATH, Envelope
from securityserver.protocol.errors import ExchangeError, FaultCode

CONNECT_TIMEOUT = 3.0
POOL_SIZE = 16


@dataclass(frozen=True, slots=True)
class PeerAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, fingerprint: str, **kwargs: Any) -> None:
        self.fingerprint = fingerprint
        super().__init__(pool_connections=1, pool_maxsize=POOL_SIZE, max_retries=0, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self.fingerprint
        super().init_poolmanager(*args, **kwargs)


class Peers:
    """Keep-alive mTLS connections to the other security servers (thread-safe)."""

    def __init__(self, certificate_chain: Path, key: Path) -> None:
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies, no REQUESTS_CA_BUNDLE
        self.session.cert = (str(certificate_chain), str(key))
        # The peer is authenticated by its pinned fingerprint, not by name or issuer.
        self.session.verify = False
        self._pins: dict[str, str] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def _base(self, address: str, fingerprint: str) -> str:
        base = f"https://{address}"
        pin = fingerprint.replace(":", "").lower()
        if self._pins.get(address) != pin:
            with self._lock:
                if self._pins.get(address) != pin:
                    self.session.mount(base + "/", _PinnedAdapter(pin))
                    self._pins[address] = pin
        return base

    def send(
        self, address: str, fingerprint: str, envelope: Envelope, *, timeout: float, max_body: int
    ) -> PeerAnswer:
        """POST one signed request to the peer; its answer (any status), or the error."""
        url = self._base(address, fingerprint) + PATH
        try:
            response = self.session.post(
                url,
                data=envelope.payload,
                headers=envelope.http_headers(),
                timeout=(CONNECT_TIMEOUT, timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.SSLError as exc:
            raise ExchangeError(
                FaultCode.CLIENT_PROXY_SSL_AUTHENTICATION_FAILED,
                f"The security server at {address} did not present the certificate global "
                f"configuration lists for it ({_reason(exc)})",
            ) from None
        except requests.Timeout:
            raise ExchangeError(
                FaultCode.CLIENT_PROXY_IO_ERROR,
                f"Read timed out: the security server at {address} did not answer in {timeout:g} s",
            ) from None
        except requests.RequestException as exc:
            raise ExchangeError(
                FaultCode.CLIENT_PROXY_NETWORK_ERROR,
                f"The security server at {address} could not be reached ({_reason(exc)})",
            ) from None
        try:
            body = _read(response, max_body, address)
        finally:
            response.close()
        return PeerAnswer(response.status_code, dict(response.headers), body)


def _read(response: requests.Response, max_body: int, address: str) -> bytes:
    parts = []
    size = 0
    try:
        for chunk in response.raw.stream(64 * 1024, decode_content=False):
            size += len(chunk)
            if size > max_body:
                raise ExchangeError(
                    FaultCode.CLIENT_PROXY_IO_ERROR,
                    f"The security server at {address} answered with more than {max_body:,} bytes",
                )
            parts.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ExchangeError(
            FaultCode.CLIENT_PROXY_IO_ERROR,
            f"The security server at {address} broke off its answer ({type(exc).__name__})",
        ) from None
    return b"".join(parts)


def _reason(exc: BaseException) -> str:
    """A short, safe description: the exception type and, for refused connections, that."""
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Fingerprints did not match" in text:
        return "fingerprint mismatch"
    return type(exc).__name__
