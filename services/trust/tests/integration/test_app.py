"""trust answers agencies, not browsers: health and problem+json only, for now."""

import pytest
from flask import Flask

from govkit.testing.plugin import ServiceAppFactory


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("trust", trust_ra_token="r" * 40)


def test_health(app: Flask) -> None:
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["service"] == "trust"


def test_unknown_paths_are_problem_json_for_agencies(app: Flask) -> None:
    response = app.test_client().get("/nothing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
