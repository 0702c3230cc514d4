"""Test helpers shared by every service and the acceptance suite.

* :func:`build_test_app` — a service's app with test settings on a fresh, migrated database;
  :func:`from_security_server` — headers as the app's own security server sends them.
* :func:`check_page` — the page checker: every HTML response a test reads goes through it.
* :class:`PostgresServer` — throwaway PostgreSQL databases for the persistence tests.
* :func:`assert_access_declared` — every blueprint of an app declared who may use it.
* the pytest plugin (:mod:`govkit.testing.plugin`, loaded automatically) provides the
  ``database_url`` fixture that runs a test on SQLite and, when reachable, on PostgreSQL.
"""

from govkit.testing.apps import SECURITY_SERVER_TOKEN, build_test_app, from_security_server
from govkit.testing.pages import Page, PageProblem, check_page
from govkit.testing.postgres import PostgresServer
from govkit.testing.routes import assert_access_declared

__all__ = [
    "SECURITY_SERVER_TOKEN",
    "Page",
    "PageProblem",
    "PostgresServer",
    "assert_access_declared",
    "build_test_app",
    "check_page",
    "from_security_server",
]
