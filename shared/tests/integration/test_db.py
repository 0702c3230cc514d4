"""Database plumbing on SQLite and, when reachable, PostgreSQL."""

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, text
from sqlmodel import Field, SQLModel, select

from govkit import db

registry_a = db.new_registry()
registry_b = db.new_registry()


class BaseA(SQLModel, registry=registry_a):
    pass


class BaseB(SQLModel, registry=registry_b):
    pass


class ApplicationA(BaseA, table=True):
    __tablename__ = "application"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class ApplicationB(BaseB, table=True):
    __tablename__ = "application"
    id: int | None = Field(default=None, primary_key=True)
    amount: int


def test_two_services_may_define_the_same_table_name() -> None:
    assert BaseA.metadata is not BaseB.metadata
    assert set(BaseA.metadata.tables) == {"application"}
    assert "name" in BaseA.metadata.tables["application"].c
    assert "amount" in BaseB.metadata.tables["application"].c
    assert "application" not in SQLModel.metadata.tables


def test_constraints_get_predictable_names(database_url: str) -> None:
    database = db.Database(database_url)
    BaseA.metadata.create_all(database.engine)
    inspector = inspect(database.engine)
    assert inspector.get_pk_constraint("application")["name"] == "pk_application"
    uniques = {u["name"] for u in inspector.get_unique_constraints("application")}
    assert "uq_application_name" in uniques
    database.dispose()


def test_sqlite_files_run_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    database = db.Database(f"sqlite:///{tmp_path / 'nested' / 'x.sqlite3'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "nested" / "x.sqlite3").exists()
    database.dispose()


def _app(database: db.Database) -> Flask:
    app = Flask(__name__)
    db.init_app(app, database)

    @app.post("/save/<name>")
    def save(name: str) -> str:
        db.get_session().add(ApplicationA(name=name))
        db.get_session().flush()  # a repository flushes; only a use case commits
        if name == "commit":
            db.get_session().commit()
        return "ok"

    return app


def test_a_request_that_does_not_commit_leaves_nothing_behind(database_url: str) -> None:
    database = db.Database(database_url)
    BaseA.metadata.create_all(database.engine)
    client = _app(database).test_client()
    assert client.post("/save/forgotten").status_code == 200
    assert client.post("/save/commit").status_code == 200
    with database.session() as session:
        assert [a.name for a in session.exec(select(ApplicationA))] == ["commit"]
    database.dispose()


def test_transaction_commits_or_rolls_back(database_url: str) -> None:
    database = db.Database(database_url)
    BaseA.metadata.create_all(database.engine)
    with database.transaction() as session:
        session.add(ApplicationA(name="kept"))

    def fail_half_way() -> None:
        with database.transaction() as session:
            session.add(ApplicationA(name="dropped"))
            session.flush()
            raise RuntimeError("use case failed half way")

    with pytest.raises(RuntimeError):
        fail_half_way()
    with database.session() as session:
        assert [a.name for a in session.exec(select(ApplicationA))] == ["kept"]
    database.dispose()


def test_migrations_apply_once_and_report_their_revision(database_url: str, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(
        "from govkit.db import run_migrations_env\n"
        "from sqlalchemy import MetaData\n"
        "run_migrations_env(MetaData(), lambda: 'sqlite://')\n"
    )
    (migrations / "versions" / "0001_first.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        "revision = '0001'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n"
        "    op.create_table('thing', sa.Column('id', sa.Integer, primary_key=True))\n"
        "def downgrade():\n    op.drop_table('thing')\n"
    )
    database = db.Database(database_url)
    assert db.current_revision(database) is None
    db.upgrade(database, migrations)
    db.upgrade(database, migrations)  # idempotent
    assert db.current_revision(database) == "0001"
    assert db.head_revisions(migrations) == ("0001",)
    assert "thing" in inspect(database.engine).get_table_names()
    database.dispose()


def test_a_missing_migrations_folder_is_a_clear_error(tmp_path: Path) -> None:
    database = db.Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(FileNotFoundError, match="no Alembic environment"):
        db.upgrade(database, tmp_path / "nowhere")
