"""Database plumbing: engines, one SQLModel registry per service, a session per request, Alembic.

Services own their tables; govkit only provides the pipes:

* :func:`new_registry` gives each service its own SQLModel registry (own ``MetaData`` with a
  constraint naming convention), so two services may both have an ``application`` table even
  when the acceptance suite imports every service into one interpreter.
* :class:`Database` wraps an engine. SQLite files run in WAL mode with foreign keys on; any other
  URL (``postgresql+psycopg://…``) is used as given, so moving a service to PostgreSQL is a
  settings change only.
* :func:`init_app` / :func:`get_session`: a session per request, closed (and rolled back if the
  use case did not commit) when the request ends. Repositories flush; use cases commit.
* :func:`upgrade` / :func:`run_migrations_env`: each service's Alembic history, applied from
  code (the launcher, the tests) or from the ``alembic`` command line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry, sessionmaker
from sqlmodel import Session, create_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_EXTENSION = "govkit.db"
log = logging.getLogger(__name__)


def new_registry() -> registry:
    """A fresh SQLModel/SQLAlchemy registry with the kit's constraint naming convention.

    Use it once per service::

        class ResidenceModel(SQLModel, registry=new_registry()):
            pass
    """
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite files get WAL mode and their folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """An engine plus a session factory for one service's database."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, class_=Session, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back otherwise."""
        with self.session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


# -- Flask integration -------------------------------------------------------------------------


def init_app(app: Flask, database: Database) -> None:
    """Attach ``database`` to ``app``: ``get_session()`` inside requests, closed at teardown."""
    app.extensions[_EXTENSION] = database
    app.teardown_appcontext(_close_session)


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[_EXTENSION]


def get_session() -> Session:
    """The current request's session (opened on first use)."""
    if "db_session" not in g:
        g.db_session = get_database().session()
    return g.db_session


def take_next_free(
    session: Session,
    *,
    next_free: Callable[[], int],
    take: Callable[[int], None],
    attempts: int = 50,
) -> int:
    """Take the next free value of a unique key (a place in a status list) and commit it at
    once, in a short transaction of its own. ``next_free()`` reads the first value not yet
    taken; ``take(value)`` inserts it (the caller's repository; the key refuses a duplicate).
    When another process took the same value first, the insert fails on the key, and the next
    value is tried: each round of a race is won by someone, so ``attempts`` processes may
    start at the same moment. :class:`RuntimeError` after that many lost rounds."""
    value = -1
    for attempt in range(1, attempts + 1):
        value = max(next_free(), value + 1)
        try:
            take(value)
            session.commit()
        except IntegrityError:
            session.rollback()
            log.info("value %s already taken; trying the next (attempt %s)", value, attempt)
            continue
        return value
    raise RuntimeError(f"no free value after {attempts} attempts")


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        # Anything the use case did not commit is discarded: repositories never commit.
        session.close()


# -- Alembic -----------------------------------------------------------------------------------


def _alembic_config(migrations_dir: Path, connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database: Database, migrations_dir: Path, revision: str = "head") -> None:
    """Apply a service's migrations up to ``revision`` (idempotent)."""
    from alembic import command

    if not (migrations_dir / "env.py").is_file():
        raise FileNotFoundError(f"no Alembic environment at {migrations_dir}")
    with database.engine.begin() as connection:
        command.upgrade(_alembic_config(migrations_dir, connection), revision)


def downgrade(database: Database, migrations_dir: Path, revision: str) -> None:
    """Undo a service's migrations down to ``revision`` (``"base"`` empties the schema)."""
    from alembic import command

    with database.engine.begin() as connection:
        command.downgrade(_alembic_config(migrations_dir, connection), revision)


def current_revision(database: Database) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revisions(migrations_dir: Path) -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(_alembic_config(migrations_dir)).get_heads())


def run_migrations_env(metadata: MetaData, url_factory: Callable[[], str]) -> None:
    """The body of every service's ``migrations/env.py``.

    From code (:func:`upgrade`) Alembic hands over an open connection; from the ``alembic``
    command line the URL comes from the service's settings (``url_factory``).
    """
    from alembic import context

    config = context.config
    options: dict[str, Any] = {
        "target_metadata": metadata,
        "compare_type": True,
        "render_as_batch": True,  # SQLite can only ALTER tables through batch mode
    }
    connection = config.attributes.get("connection")
    if context.is_offline_mode():
        context.configure(url=url_factory(), literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
    elif connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = make_engine(url_factory())
        try:
            with engine.connect() as own_connection:
                context.configure(connection=own_connection, **options)
                with context.begin_transaction():
                    context.run_migrations()
        finally:
            engine.dispose()
