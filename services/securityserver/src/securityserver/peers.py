"""Calls from this security server to another one: mutual TLS, the peer pinned by fingerprint.

The peer's address and TLS-certificate fingerprint come from global configuration; the
connection presents this server's TLS certificate (trust's security-server CA) and accepts the
peer only if its certificate has exactly the listed SHA-256 fingerprint (urllib3's
``assert_fingerprint``), whatever its name or issuer say. Each peer gets its own keep-alive
pool; a changed fingerprint replaces the pool. Every connection shares one TLS context, built
once with this server's certificate and no CA store: left to itself urllib3 builds a context per
connection and loads the system's CA bundle into it (about 50 ms on the development machine,
paid by the first message after every idle spell), although the pin is all that is checked.

Failures become the consumer side's errors (xroad.md §1.7): no connection, or one closed
during the TLS handshake → ``Server.ClientProxy.NetworkError``; a certificate that is not the
listed one → ``Server.ClientProxy.SslAuthenticationFailed``; no answer in time or a cut answer
→ ``Server.ClientProxy.IOError``.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

import urllib3
from urllib3.exceptions import HTTPError, ReadTimeoutError, SSLError
from urllib3.util.ssl_ import create_urllib3_context

from securityserver.envelope import PATH, Envelope
from securityserver.protocol.errors import ExchangeError, FaultCode

CONNECT_TIMEOUT = 3.0
POOL_SIZE = 16


@dataclass(frozen=True, slots=True)
class PeerAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


class Peers:
    """Keep-alive mTLS connections to the other security servers (thread-safe)."""

    def __init__(self, certificate_chain: Path, key: Path) -> None:
        self.certificate_chain = str(certificate_chain)
        self.key = str(key)
        self._context = create_urllib3_context(cert_reqs=ssl.CERT_NONE)
        self._context.load_cert_chain(self.certificate_chain, self.key)
        self._pools: dict[tuple[str, str], urllib3.HTTPSConnectionPool] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()

    def _pool(self, address: str, fingerprint: str) -> urllib3.HTTPSConnectionPool:
        pin = fingerprint.replace(":", "").lower()
        pool = self._pools.get((address, pin))
        if pool is None:
            with self._lock:
                pool = self._pools.get((address, pin))
                if pool is None:
                    host, _, port = address.rpartition(":")
                    pool = urllib3.HTTPSConnectionPool(
                        host.strip("[]"),
                        int(port),
                        maxsize=POOL_SIZE,
                        block=False,
                        retries=False,
                        ssl_context=self._context,
                        # The peer is authenticated by its pinned fingerprint, not by name or
                        # issuer (urllib3 checks the fingerprint whatever cert_reqs says).
                        cert_reqs="CERT_NONE",
                        assert_hostname=False,
                        assert_fingerprint=pin,
                    )
                    self._pools[(address, pin)] = pool
        return pool

    def send(
        self, address: str, fingerprint: str, envelope: Envelope, *, timeout: float, max_body: int
    ) -> PeerAnswer:
        """POST one signed request to the peer; its answer (any status), or the error."""
        try:
            pool = self._pool(address, fingerprint)
            response = pool.urlopen(
                "POST",
                PATH,
                body=envelope.payload,
                headers=envelope.http_headers(),
                timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=timeout),
                redirect=False,
                retries=False,
                preload_content=False,
            )
        except SSLError as exc:
            if _connection_cut(exc):
                raise ExchangeError(
                    FaultCode.CLIENT_PROXY_NETWORK_ERROR,
                    f"The security server at {address} closed the connection during the TLS "
                    "handshake",
                ) from None
            raise ExchangeError(
                FaultCode.CLIENT_PROXY_SSL_AUTHENTICATION_FAILED,
                f"The security server at {address} did not present the certificate global "
                f"configuration lists for it ({_reason(exc)})",
            ) from None
        except ReadTimeoutError:
            raise ExchangeError(
                FaultCode.CLIENT_PROXY_IO_ERROR,
                f"Read timed out: the security server at {address} did not answer in {timeout:g} s",
            ) from None
        except (HTTPError, OSError, ValueError) as exc:
            raise ExchangeError(
                FaultCode.CLIENT_PROXY_NETWORK_ERROR,
                f"The security server at {address} could not be reached ({_reason(exc)})",
            ) from None
        try:
            body = _read(response, max_body, address)
        except BaseException:
            response.close()
            raise
        finally:
            response.release_conn()
        return PeerAnswer(response.status, dict(response.headers), body)


def _read(response: urllib3.BaseHTTPResponse, max_body: int, address: str) -> bytes:
    parts = []
    size = 0
    try:
        for chunk in response.stream(64 * 1024, decode_content=False):
            size += len(chunk)
            if size > max_body:
                raise ExchangeError(
                    FaultCode.CLIENT_PROXY_IO_ERROR,
                    f"The security server at {address} answered with more than {max_body:,} bytes",
                )
            parts.append(chunk)
    except (HTTPError, OSError) as exc:
        raise ExchangeError(
            FaultCode.CLIENT_PROXY_IO_ERROR,
            f"The security server at {address} broke off its answer ({type(exc).__name__})",
        ) from None
    return b"".join(parts)


def _connection_cut(exc: SSLError) -> bool:
    """The peer went away mid-handshake (a server stopping or restarting): a network error,
    not a failed authentication."""
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, ssl.SSLEOFError | ssl.SSLZeroReturnError | ConnectionError)


def _reason(exc: BaseException) -> str:
    """A short, safe description: refused connections and pin mismatches by name."""
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Fingerprints did not match" in text:
        return "fingerprint mismatch"
    return type(exc).__name__
