"""What every installed service must do, checked for each one (future services included).

* migrations: numbered files, one head, named in ``migrations/.current-alembic-head``; they
  apply to an empty database, go down to nothing and up again (SQLite and PostgreSQL);
* the app builds from its definition, answers ``/healthz`` with its dialect and revision, and
  every blueprint declares an access rule;
* settings use the service's own prefix and name only kit secrets that exist;
* services never import each other, and ``domain/`` modules stay pure.
"""

from __future__ import annotations

import ast
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from sqlalchemy import inspect

from govkit import db
from govkit.config import KIT_SECRETS
from govkit.db import get_database
from govkit.service import HEAD_FILE, ServiceDefinition, load_definition
from govkit.testing import assert_access_declared
from govkit.testing.plugin import ServiceAppFactory

SERVICES = sorted(e.name for e in entry_points(group="madoguchi.services"))
SERVICES_DIR = Path(__file__).parent
#: Extra settings a service cannot start without (values as kit.toml would give them).
REQUIRED_SETTINGS: dict[str, dict[str, str]] = {
    "securityserver": {"member": "GOV/DA"},
    "trust": {"trust_ra_token": "r" * 40},
}
#: What domain/ modules may never import: they are pure rules.
IMPURE = ("flask", "sqlmodel", "sqlalchemy", "requests", "govkit", "httpx", "werkzeug")


def test_every_service_folder_is_installed() -> None:
    folders = sorted(p.name for p in SERVICES_DIR.iterdir() if (p / "pyproject.toml").exists())
    assert folders == SERVICES


@pytest.fixture(params=SERVICES)
def definition(request: pytest.FixtureRequest) -> ServiceDefinition:
    return load_definition(request.param)


def test_settings_use_the_services_own_prefix(definition: ServiceDefinition) -> None:
    settings_class = definition.settings_class
    assert settings_class.service_name == definition.name
    assert settings_class.env_prefix == definition.name.upper() + "_"


def test_the_kit_secrets_a_service_uses_are_kit_secrets(definition: ServiceDefinition) -> None:
    uses = definition.settings_class.USES_KIT_SECRETS
    assert uses <= set(KIT_SECRETS), sorted(uses - set(KIT_SECRETS))
    assert set(definition.settings_class.REQUIRED_SECRETS) - {"secret_key"} <= uses


def test_migrations_are_numbered_with_one_head_named_in_the_head_file(
    definition: ServiceDefinition,
) -> None:
    versions = sorted((definition.migrations / "versions").glob("*.py"))
    assert versions, "no migrations"
    for number, path in enumerate(versions, start=1):
        assert re.fullmatch(rf"{number:04d}_[a-z0-9_]+\.py", path.name), path.name
        assert f'revision: str = "{number:04d}"' in path.read_text(encoding="utf-8"), path.name
    heads = db.head_revisions(definition.migrations)
    assert len(heads) == 1, f"several heads: {heads}"
    assert (definition.migrations / HEAD_FILE).read_text().strip() == heads[0]


def test_migrations_go_up_down_and_up_again(
    definition: ServiceDefinition, database_url: str
) -> None:
    database = db.Database(database_url)
    try:
        db.upgrade(database, definition.migrations)
        tables = set(inspect(database.engine).get_table_names())
        assert set(definition.metadata.tables) <= tables
        db.downgrade(database, definition.migrations, "base")
        assert db.current_revision(database) is None
        assert not set(definition.metadata.tables) & set(inspect(database.engine).get_table_names())
        db.upgrade(database, definition.migrations)
        assert db.current_revision(database) == db.head_revisions(definition.migrations)[0]
    finally:
        database.dispose()


def test_the_app_is_healthy_and_declares_access_for_every_blueprint(
    definition: ServiceDefinition, database_url: str, service_app: ServiceAppFactory
) -> None:
    app = service_app(definition, **REQUIRED_SETTINGS.get(definition.name, {}))
    rules = assert_access_declared(app)
    assert rules["govkit"] == "public"
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["service"] == definition.name
    assert body["checks"]["database"]["dialect"] == database_url.split(":")[0].split("+")[0]
    assert body["checks"]["database"]["revision"] == db.head_revisions(definition.migrations)[0]


def test_health_fails_when_migrations_are_missing(
    definition: ServiceDefinition, tmp_path: Path
) -> None:
    settings = definition.settings_class.model_validate(
        {
            "environment": "test",
            "secret_key": "x" * 48,
            "database_url": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "data_dir": tmp_path / definition.name,  # never the working tree's var/
            **REQUIRED_SETTINGS.get(definition.name, {}),
        }
    )
    app = definition.create_app(settings)
    try:
        response = app.test_client().get("/healthz")
    finally:
        get_database(app).dispose()
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["status"] == "fail"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_services_never_import_each_other(service: str) -> None:
    others = set(SERVICES) - {service}
    for path in (SERVICES_DIR / service).rglob("*.py"):
        wrong = _imports(path) & others
        assert not wrong, f"{path.relative_to(SERVICES_DIR)} imports {sorted(wrong)}"


@pytest.mark.parametrize("service", SERVICES)
def test_domain_modules_are_pure(service: str) -> None:
    for path in (SERVICES_DIR / service / "src" / service / "domain").rglob("*.py"):
        wrong = {name for name in _imports(path) if name in IMPURE}
        assert not wrong, f"{path.relative_to(SERVICES_DIR)} imports {sorted(wrong)}"
