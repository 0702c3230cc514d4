"""Fixtures of the acceptance suite: the running kit, Chromium, and a citizen at the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from features.drivers.browser import LAUNCH_OPTIONS
from features.drivers.citizen import Citizen
from features.drivers.kit import RunningKit, running_kit
from features.steps.certificates import *  # noqa: F403 - step definitions are fixtures
from features.steps.common import *  # noqa: F403
from features.steps.identity import *  # noqa: F403
from features.steps.portal import *  # noqa: F403
from govkit.testing.postgres import PostgresServer

RESULTS = Path(__file__).resolve().parents[1] / "test-results"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items: mark only the acceptance suite's own.
    here = Path(__file__).parent
    on_postgres, _description = PostgresServer().reachable()
    for item in items:
        if here not in item.path.parents:
            continue
        item.add_marker(pytest.mark.acceptance)
        if on_postgres:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningKit]:
    server = PostgresServer()
    reachable, _description = server.reachable()
    with running_kit(tmp_path_factory.mktemp("var"), server if reachable else None) as running:
        yield running


def pytest_report_header() -> str:
    reachable, description = PostgresServer().reachable()
    where = f"PostgreSQL ({description})" if reachable else "SQLite (PostgreSQL not reachable)"
    return f"acceptance kit: every service on {where}; browser {LAUNCH_OPTIONS['executable_path']}"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(**LAUNCH_OPTIONS)
    yield browser
    browser.close()


def make_citizen(
    request: pytest.FixtureRequest, browser: Browser, kit: RunningKit, name: str, **options: object
) -> Citizen:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    page = context.new_page()
    citizen = Citizen(name=name, page=page, kit=kit)

    def finish() -> None:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            RESULTS.mkdir(exist_ok=True)
            shot = RESULTS / f"{request.node.name}-{name.replace(' ', '-')}.png"
            page.screenshot(path=str(shot), full_page=True)
        context.close()

    request.addfinalizer(finish)
    return citizen


@pytest.fixture
def citizen(request: pytest.FixtureRequest, browser: Browser, kit: RunningKit) -> Citizen:
    return make_citizen(request, browser, kit, "Kenta")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
