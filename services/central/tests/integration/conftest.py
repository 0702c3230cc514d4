"""central built by its factory on a fresh database (SQLite, then PostgreSQL), prepared and
seeded as `make up` does (signing key and admin token in the data folder, the kit's members),
with the kit's security servers and their clients registered as they report themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from central import keys, registry
from central.domain.identifiers import ServerId
from central.domain.registration import ServerDetails
from govkit.db import get_database
from govkit.testing.plugin import ServiceAppFactory
from govkit.web import get_settings

#: What the kit's security servers report at `make up`: each server and the subsystems it hosts.
KIT_SERVERS = {
    "GOV/DA/ss-da": ("portal",),
    "GOV/LG-139998/ss-lg139998": ("residence", "childcare"),
    "GOV/MOJ/ss-moj": ("company",),
    "GOV/JPS/ss-jps": ("pension",),
}


def report_kit_servers(app: Flask) -> None:
    with get_database(app).session() as session:
        for server, clients in KIT_SERVERS.items():
            registry.accept_report(
                ServerId.parse(server),
                ServerDetails(),
                clients,
                approve_servers=True,
                approve_clients=True,
                session=session,
                now=datetime.now(UTC),
            )


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    app = service_app("central")
    report_kit_servers(app)
    return app


@pytest.fixture
def report_again() -> Callable[[Flask], None]:
    """The kit's security servers report again (as at the next `make up`)."""
    return report_kit_servers


@pytest.fixture
def token(app: Flask) -> str:
    with app.app_context():
        value = keys.read_admin_token(get_settings().data_dir)
    assert value
    return value


class Admin:
    """The admin API with the token (``admin.post("/members", {...})``)."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, body, **kwargs)


@pytest.fixture
def admin(app: Flask, token: str) -> Admin:
    return Admin(app.test_client(), token)


def check_problem(response: TestResponse, status: int, title: str) -> dict[str, Any]:
    """Assert ``response`` is problem+json with ``status`` and ``title``; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] == title, body
    return body


ProblemCheck = Callable[[TestResponse, int, str], dict[str, Any]]


@pytest.fixture
def problem() -> ProblemCheck:
    """``problem(response, 409, "Already registered")`` → the problem+json body."""
    return check_problem
