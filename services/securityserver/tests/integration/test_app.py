"""securityserver answers agencies, not browsers: health, and the exchange's own errors."""

import logging

import pytest
from flask import Flask

from govkit.testing.plugin import ServiceAppFactory
from securityserver import web


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("securityserver", member="GOV/LG-139998")


def test_health(app: Flask) -> None:
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["service"] == "securityserver"


def test_a_server_without_keys_says_it_is_not_set_up(app: Flask) -> None:
    response = app.test_client().get(
        "/r1/JP-KIT/GOV/DA/portal/consents/C-1", headers={"X-Road-Client": "JP-KIT/GOV/DA/x"}
    )
    assert response.status_code == 500
    assert response.headers["X-Road-Error"] == "Server.ClientProxy.InternalError"
    assert "not set up" in response.get_json()["message"]
    assert "Content-Security-Policy" not in response.headers  # relayed answers carry no extras
    health = app.test_client().get("/health")
    assert health.status_code == 500
    assert "not set up" in health.get_data(as_text=True)


def test_maintenance_mode_answers_503_on_health(service_app: ServiceAppFactory) -> None:
    app = service_app("securityserver", member="GOV/DA", maintenance=True)
    health = app.test_client().get("/health")
    assert health.status_code == 503
    assert health.get_data(as_text=True) == "Health check interface is in maintenance mode"
    assert app.test_client().get("/healthz").status_code == 200  # the process itself is fine


def test_the_ss_to_ss_endpoint_refuses_plain_http(app: Flask) -> None:
    response = app.test_client().post("/exchange/v1/message", data=b"x")
    assert response.status_code == 500
    assert response.headers["X-Road-Error"] == "Server.ServerProxy.SslAuthenticationFailed"


def test_a_refusal_before_the_proxy_is_logged(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="securityserver"):
        response = app.test_client().post("/exchange/v1/message", data=b"x")
    detail = response.get_json()["detail"]
    [record] = [r for r in caplog.records if r.getMessage() == "exchange refused"]
    assert record.__dict__["fault"] == "Server.ServerProxy.SslAuthenticationFailed"
    assert record.__dict__["detail"] == detail  # the caller's detail finds the log line


def test_a_failure_of_ours_on_a_message_path_is_the_layers_error(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_app: Flask, _environ: dict[str, object]) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(web, "runtime", broken)
    with caplog.at_level(logging.ERROR, logger="securityserver"):
        response = app.test_client().get(
            "/r1/JP-KIT/GOV/DA/portal/consents/C-1", headers={"X-Road-Client": "JP-KIT/GOV/DA/x"}
        )
    assert response.status_code == 500
    assert response.headers["X-Road-Error"] == "Server.ClientProxy.InternalError"
    assert "a bug" not in response.get_data(as_text=True)
    assert [r.levelname for r in caplog.records if r.getMessage() == "security server failed"] == [
        "ERROR"
    ]
