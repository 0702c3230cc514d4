"""The gunicorn worker of a security server: plain HTTP for information systems, mutual TLS
for other security servers, in one process.

gunicorn applies its TLS settings to every listener; a security server needs two kinds
(DESIGN.md §1: IS-facing 8100+, SS-to-SS 8200+). This worker keeps gunicorn's threaded worker
and wraps only connections accepted on the TLS port (``SECURITYSERVER_TLS_PORT``) in the
server's own ``ssl.SSLContext``: its TLS certificate, a client certificate required and
issued under the kit root. The peer's certificate (DER) is handed to the app as
``environ["securityserver.peer_certificate"]``; the app then checks its fingerprint against
global configuration. A connection on the TLS port is never served without TLS: without keys
it is closed.

Run with ``gunicorn --worker-class securityserver.worker.MutualTlsWorker``.
"""

from __future__ import annotations

import errno
import ssl
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.workers import gthread

PEER_CERTIFICATE = "securityserver.peer_certificate"
#: The app publishes ``(port, context_factory)`` here (see securityserver.create_app).
TLS_LISTENER = "securityserver.tls_listener"


class _Connection(gthread.TConn):
    context: ssl.SSLContext | None = None
    tls_port: int | None = None

    def init(self) -> None:
        if not self.initialized and self.parser is None and self.server[1] == self.tls_port:
            if self.context is None:
                raise ssl.SSLError("this security server has no TLS keys yet")
            self.sock.setblocking(True)
            self.sock = self.context.wrap_socket(self.sock, server_side=True)
        super().init()


class MutualTlsWorker(gthread.ThreadWorker):
    def load_wsgi(self) -> None:
        super().load_wsgi()
        app = self.wsgi
        listener = getattr(app, "extensions", {}).get(TLS_LISTENER)
        port, factory = listener if listener else (None, lambda: None)
        connection = type(
            "_BoundConnection", (_Connection,), {"context": factory(), "tls_port": port}
        )
        self._connection_class = connection
        self.wsgi = _with_peer_certificate(app)

    def accept(self, listener: Any) -> None:
        try:
            client_sock, client_addr = listener.accept()
            self.nr_conns += 1
            client_sock.setblocking(True)
            conn = self._connection_class(
                self.cfg, client_sock, client_addr, listener.getsockname()
            )
            self.enqueue_req(conn)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise


def _with_peer_certificate(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if isinstance(sock, ssl.SSLSocket):
            environ[PEER_CERTIFICATE] = sock.getpeercert(binary_form=True)
        else:
            environ.pop(PEER_CERTIFICATE, None)
        return app(environ, start_response)

    return wsgi
