"""What a service tells the kit about itself, and the common part of every app factory.

Each service package publishes a :class:`ServiceDefinition` under the ``madoguchi.services``
entry-point group. The launcher (``kit up``), ``kit prepare`` / ``kit serve`` (containers) and
the test helpers use it to build settings, apply migrations, seed demo data and start the app,
without importing one service from another.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import MetaData, text

from govkit import db, notices, web
from govkit.config import ServiceSettings

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "madoguchi.services"
HEAD_FILE = ".current-alembic-head"


@dataclass(frozen=True)
class DemoLogin:
    """A line in the launcher's table of demo logins."""

    who: str
    how: str
    where: str = ""


@dataclass(frozen=True)
class PrepareReport:
    service: str
    dialect: str
    revision: str | None
    seeded: tuple[str, ...] = ()
    demo_logins: tuple[DemoLogin, ...] = ()


SeedFunction = Callable[[ServiceSettings, db.Database], list[str]]
DemoLoginsFunction = Callable[[ServiceSettings, db.Database], list[DemoLogin]]


@dataclass(frozen=True)
class ServiceDefinition:
    """A service as the kit's tools see it.

    ``app`` is the WSGI import string gunicorn runs (``"residence:create_app()"``);
    ``migrations`` the service's Alembic folder; ``metadata`` its registry's tables; ``seed``
    loads demo data idempotently and says what it did; ``demo_logins`` lists ways to sign in.
    """

    name: str
    settings_class: type[ServiceSettings]
    app: str
    metadata: MetaData
    migrations: Path
    seed: SeedFunction | None = None
    demo_logins: DemoLoginsFunction | None = None
    #: Replace the service's document seal with a new key (``kit rotate-seal``); returns what
    #: it did. Documents sealed with the old key stay valid.
    rotate_seal: Callable[[ServiceSettings], str] | None = None
    #: Replace the service's token-signing keys now (``kit rotate-keys``), each new key
    #: published before it signs and each old one kept until its tokens expire; returns what
    #: it did.
    rotate_keys: Callable[[ServiceSettings, db.Database], list[str]] | None = None
    description: str = ""
    #: A gunicorn worker class to run the app with instead of the kit's default.
    worker_class: str | None = None
    #: More gunicorn options for this service (``("--keep-alive", "75")``), after the kit's.
    gunicorn_options: tuple[str, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)

    def gunicorn_arguments(self) -> list[str]:
        """What this service adds to the kit's gunicorn command line (before the app)."""
        extra = ["--worker-class", self.worker_class] if self.worker_class else []
        return [*extra, *self.gunicorn_options]

    def settings(self, environ: Any = None, **overrides: Any) -> ServiceSettings:
        return self.settings_class.from_env(environ, **overrides)

    def create_app(self, settings: ServiceSettings) -> Flask:
        """Call the app factory that ``app`` names (``"residence:create_app()"``)."""
        module_name, _, call = self.app.partition(":")
        factory = getattr(importlib.import_module(module_name), call.removesuffix("()"))
        return factory(settings)


@functools.cache
def load_definition(package: str) -> ServiceDefinition:
    """The definition a package published under ``madoguchi.services``."""
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == package:
            definition = entry.load()
            if not isinstance(definition, ServiceDefinition):
                raise TypeError(f"{entry.value} is not a ServiceDefinition")
            return definition
    raise LookupError(
        f"no service called {package!r} is installed (entry-point group {ENTRY_POINT_GROUP}); "
        "run `make up` or `uv sync` to install the workspace"
    )


def migrations_dir(package_file: str) -> Path:
    """``services/<name>/migrations`` for a module at ``services/<name>/src/<name>/x.py``."""
    return Path(package_file).resolve().parents[2] / "migrations"


def prepare(definition: ServiceDefinition, settings: ServiceSettings) -> PrepareReport:
    """Bring a service's database to the current schema and load its demo data (idempotent)."""
    database = db.Database(settings.database_url)
    try:
        db.upgrade(database, definition.migrations)
        seeded = tuple(definition.seed(settings, database)) if definition.seed else ()
        logins = tuple(definition.demo_logins(settings, database)) if definition.demo_logins else ()
        return PrepareReport(
            service=definition.name,
            dialect=database.dialect,
            revision=db.current_revision(database),
            seeded=seeded,
            demo_logins=logins,
        )
    finally:
        database.dispose()


def new_app(
    import_name: str,
    settings: ServiceSettings,
    *,
    title: Any,
    migrations: Path,
    translations: Path | None = None,
    version: str = "0",
    privacy: notices.PrivacyNotice | None = None,
) -> Flask:
    """A Flask app with the kit's web conventions and the service's database attached.

    ``privacy`` is the service's privacy notice (``/privacy``, linked from every page's
    footer): every kit service gives one.

    ``/healthz`` reports the database dialect and schema revision, and fails (503) when the
    database is unreachable or its migrations are not applied.
    """
    app = Flask(import_name)
    web.init_app(app, settings, title=title, translations=translations, version=version)
    notices.init_app(app, privacy)
    database = db.Database(settings.database_url)
    db.init_app(app, database)
    expected = expected_head(migrations)
    web.add_health_check(app, "database", lambda: _database_health(database, expected))
    return app


def expected_head(migrations: Path) -> str:
    """The schema revision the code expects, from ``migrations/.current-alembic-head``.

    Reading one small file keeps Alembic out of every worker's start-up; each service's
    migration test proves the file names the real single head.
    """
    return (migrations / HEAD_FILE).read_text(encoding="utf-8").strip()


def _database_health(database: db.Database, expected: str) -> dict[str, Any]:
    with database.engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision != expected:
        raise RuntimeError(f"schema at {revision}, expected {expected}: run `kit prepare`")
    return {"dialect": database.dialect, "revision": revision}
