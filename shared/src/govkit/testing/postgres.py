"""Throwaway PostgreSQL databases for tests.

The server is the one at ``KIT_TEST_POSTGRES_URL`` (default: the local cluster at
127.0.0.1:5432 as ``postgres``). Each database is named ``mdg_<run>_<n>`` and dropped after use;
:meth:`PostgresServer.drop_all` removes whatever a run left behind.
"""

from __future__ import annotations

import itertools
import os
import secrets

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class PostgresServer:
    def __init__(self, admin_url: str | None = None) -> None:
        self.admin_url = make_url(
            admin_url or os.environ.get("KIT_TEST_POSTGRES_URL") or DEFAULT_ADMIN_URL
        )
        self.run_id = secrets.token_hex(3)
        self._counter = itertools.count(1)
        self.created: list[str] = []

    def _connect(self) -> psycopg.Connection:
        url = self.admin_url
        return psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database or "postgres",
            connect_timeout=3,
            autocommit=True,
        )

    def reachable(self) -> tuple[bool, str]:
        """Whether the server answers, and a one-line description for the test report."""
        try:
            with self._connect() as connection:
                version = connection.execute("SHOW server_version").fetchone()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return False, f"not reachable at {self.where} ({reason})"
        return True, f"PostgreSQL {version[0] if version else '?'} at {self.where}"

    @property
    def where(self) -> str:
        return f"{self.admin_url.host}:{self.admin_url.port or 5432}"

    def create_database(self, label: str = "t") -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = f"mdg_{self.run_id}_{label}_{next(self._counter)}"
        with self._connect() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        if not name:
            return
        with self._connect() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            self.drop_database(self.admin_url.set(database=name).render_as_string(False))
