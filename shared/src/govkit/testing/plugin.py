"""pytest plugin (loaded through the ``pytest11`` entry point of govkit).

* The report header says whether PostgreSQL is reachable, so every run shows, in one line,
  whether the persistence tests ran against it or were skipped.
* ``database_url`` runs a test twice: on a fresh SQLite file and on a fresh PostgreSQL database
  (skipped with that one reason when the server is not reachable).
* ``postgres`` gives the throwaway-database server itself (skips when unreachable).
* ``service_app`` builds a service's app on ``database_url`` (migrated, seeded) and closes its
  database connections after the test.
* ``trust_service`` / ``private_trust_service``: the kit's trust service as a real process on a
  free port (the same launcher as `make up`), for tests that issue or check sealed documents;
  :func:`start_stack` starts any part of the kit the same way (e.g. trust, idp and a service,
  to sign in for real with :func:`govkit.testing.oidc.sign_in_over_http`).
* ``fake_idp``: an in-process OpenID provider (:class:`govkit.testing.oidc.FakeProvider`) for
  app-factory tests of pages behind sign-in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from govkit.db import get_database
from govkit.service import ServiceDefinition, load_definition
from govkit.stack import Manifest, Stack
from govkit.testing.apps import build_test_app
from govkit.testing.postgres import PostgresServer

_STATE: dict[str, object] = {}


def _server() -> tuple[PostgresServer, bool, str]:
    if "server" not in _STATE:
        server = PostgresServer()
        ok, description = server.reachable()
        _STATE.update(server=server, ok=ok, description=description)
    return _STATE["server"], bool(_STATE["ok"]), str(_STATE["description"])  # type: ignore[return-value]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: runs against PostgreSQL (skipped when it is not reachable)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    _server_obj, ok, description = _server()
    if ok:
        return f"PostgreSQL: {description}; persistence tests run on SQLite and PostgreSQL"
    return (
        f"PostgreSQL: {description}; the PostgreSQL variants of the persistence tests are SKIPPED"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if "ok" not in _STATE:
        return
    ran = [
        report
        for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed")
        if report.when == "call" and "postgres" in report.keywords
    ]
    _server_obj, ok, description = _server()
    if ok:
        terminalreporter.write_line(f"PostgreSQL: {len(ran)} test(s) ran against {description}")
    else:
        terminalreporter.write_line(f"PostgreSQL: {description}; its tests were skipped")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _STATE.get("ok"):
        server = _STATE["server"]
        assert isinstance(server, PostgresServer)
        server.drop_all()


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    server, ok, description = _server()
    if not ok:
        pytest.skip(f"PostgreSQL {description}")
    return server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    server = request.getfixturevalue("postgres")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


ServiceAppFactory = Callable[..., Flask]


@pytest.fixture
def service_app(database_url: str, tmp_path: Path) -> Iterator[ServiceAppFactory]:
    """``service_app("residence", **settings)`` → the app on this test's database."""
    built: list[Flask] = []

    def build(service: str | ServiceDefinition, **overrides: Any) -> Flask:
        definition = load_definition(service) if isinstance(service, str) else service
        overrides.setdefault("database_url", database_url)
        overrides.setdefault("data_dir", tmp_path / definition.name)
        app = build_test_app(definition, **overrides)
        built.append(app)
        return app

    yield build
    for app in built:
        get_database(app).dispose()


@pytest.fixture
def fake_idp() -> Any:
    """An in-process OpenID provider: build the app with ``idp_url=fake_idp.issuer``, then
    ``fake_idp.install(app)`` and ``fake_idp.sign_in(client, "/page")``."""
    from govkit.testing.oidc import FakeProvider

    return FakeProvider()


@dataclass(frozen=True)
class RunningTrust:
    """The kit's trust service, running as a real process for a test session."""

    url: str
    ra_token: str
    stack: Stack

    def settings_for_issuers(self) -> dict[str, Any]:
        """Settings an issuing service needs to obtain a seal from this trust service."""
        return {"trust_url": self.url, "trust_ra_token": self.ra_token}


def _start_trust(pytestconfig: pytest.Config, var: Path) -> Stack:
    manifest = Manifest.load(pytestconfig.rootpath / "kit.toml").select(["trust"])
    stack = Stack(manifest, var, free_ports=True, workers=1, threads=8)
    stack.up()
    return stack


def start_stack(
    pytestconfig: pytest.Config,
    var: Path,
    services: list[str],
    environ: dict[str, str] | None = None,
) -> Stack:
    """Prepare and start ``services`` of kit.toml (stage by stage, as `make up`) on free ports,
    with their runtime folder in ``var``; the caller stops the stack."""
    manifest = Manifest.load(pytestconfig.rootpath / "kit.toml").select(services)
    stack = Stack(
        manifest,
        var,
        free_ports=True,
        workers=1,
        threads=4,
        environ={**os.environ, **(environ or {})},
    )
    stack.up()
    return stack


def _ra_token(stack: Stack) -> str:
    spec = stack.manifest.services[0]
    return stack.environment_for(spec)["KIT_TRUST_RA_TOKEN"]


@pytest.fixture(scope="session")
def trust_service(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningTrust]:
    """A trust service (own PKI, own port) shared by the session's tests."""
    stack = _start_trust(pytestconfig, tmp_path_factory.mktemp("trust-var"))
    try:
        yield RunningTrust(stack.url("trust"), _ra_token(stack), stack)
    finally:
        stack.stop()


@pytest.fixture
def private_trust_service(pytestconfig: pytest.Config, tmp_path: Path) -> Iterator[RunningTrust]:
    """A trust service of this test's own, which the test may stop (offline checks)."""
    stack = _start_trust(pytestconfig, tmp_path / "trust-var")
    try:
        yield RunningTrust(stack.url("trust"), _ra_token(stack), stack)
    finally:
        stack.stop()
