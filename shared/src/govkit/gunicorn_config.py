"""gunicorn settings for every kit service (``gunicorn -c python:govkit.gunicorn_config``).

Threads per worker (``gthread``) so that slow calls (timestamps, the exchange) do not block a
worker; the app is loaded once in the master and forked (``preload_app``), which keeps start-up
fast and memory low. Each worker drops database connections inherited from the master. gunicorn's
own messages go out as the same redacted JSON lines as the app's; requests are logged by the app
(without query strings), so gunicorn's access log is off. Before forking, the master freezes its
objects for the garbage collector (``pre_fork``).
"""

import contextlib
import gc
import os

from gunicorn.glogging import Logger

worker_class = "gthread"
workers = int(os.environ.get("KIT_WORKERS", "2"))
threads = int(os.environ.get("KIT_THREADS", "4"))
preload_app = True
graceful_timeout = 5
timeout = 60
keepalive = 5
accesslog = None
errorlog = "-"
limit_request_line = 8190
limit_request_fields = 100
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): the kit's
# many masters would take it from each other. The kit stops its processes by signals instead.
control_socket_disable = True

_service = os.environ.get("KIT_INSTANCE", "gunicorn")


class KitLogger(Logger):
    """gunicorn's logger without its access log: the app logs requests itself. gunicorn
    would otherwise format every request's access-log fields (a ``logconfig_dict`` counts as
    access logging enabled) only for the ``WARNING`` level below to drop the line."""

    def access(self, resp, req, environ, request_time):
        return


logger_class = KitLogger

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # The app's own handler (govkit.logs) serves the root logger: gunicorn must not add one.
    "root": {"level": "INFO", "handlers": []},
    "formatters": {"json": {"()": "govkit.logs.json_formatter"}},
    "filters": {
        "context": {"()": "govkit.logs.ContextFilter", "service": _service},
        "redact": {"()": "govkit.logs.RedactingFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["context", "redact"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
}


def pre_fork(_server, _worker):
    """Move the loaded app's objects out of the collector's reach before forking.

    Full collections then skip the tens of thousands of long-lived objects (modules, templates,
    certificates), which cuts their pauses by more than half on the certificate paths; the
    frozen pages also stay shared between master and workers (Python's gc.freeze guidance).
    """
    gc.collect()
    gc.freeze()


def post_fork(_server, worker):
    """Forked workers must not share the master's pooled database connections."""
    from govkit.db import get_database

    app = worker.app.wsgi()
    with contextlib.suppress(KeyError, AttributeError):
        get_database(app).engine.dispose(close=False)
