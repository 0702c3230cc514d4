"""GET /anchor and GET /globalconf: public, signed, verifiable, cacheable."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from central import keys
from govkit.exchange import globalconf
from govkit.web import get_settings


def test_the_anchor_is_the_public_key_with_its_thumbprint(app: Flask) -> None:
    response = app.test_client().get("/anchor")
    assert response.status_code == 200
    body = response.get_json()
    assert body["instance"] == "JP-KIT"
    assert body["globalconf_url"].endswith("/globalconf")
    assert "d" not in body["jwk"]
    assert body["jwk"]["kty"] == "EC"
    assert body["jwk"]["crv"] == "P-256"
    assert body["thumbprint"] == body["jwk"]["kid"] == globalconf.thumbprint(body["jwk"])
    assert "public" in response.headers["Cache-Control"]


def test_the_configuration_is_a_signed_jws_that_verifies(app: Flask) -> None:
    client = app.test_client()
    anchor = client.get("/anchor").get_json()["jwk"]
    response = client.get("/globalconf")
    assert response.status_code == 200
    assert response.mimetype == "application/jose"
    config = globalconf.verify(response.data, anchor, datetime.now(UTC), instance="JP-KIT")
    # generated as of the start of the current minute (the same in every worker)
    assert timedelta(0) <= datetime.now(UTC) - config.generated_at < timedelta(seconds=61)
    assert config.generated_at.second == 0
    assert config.expires_at - config.generated_at == timedelta(minutes=10)
    assert [m.id for m in config.members] == ["GOV/DA", "GOV/JPS", "GOV/LG-139998", "GOV/MOJ"]
    assert "GOV/LG-139998/residence" in config.subsystems
    [server] = config.servers_hosting("GOV/LG-139998/residence")
    assert server.id == "GOV/LG-139998/ss-lg139998"
    assert server.clients == ("GOV/LG-139998/childcare", "GOV/LG-139998/residence")


def test_caching_headers_and_conditional_requests(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/globalconf")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    cache_control = first.headers["Cache-Control"]
    assert cache_control.startswith("public, max-age=")
    assert 0 <= int(cache_control.split("max-age=")[1].split(",")[0]) <= 60
    assert first.headers["Last-Modified"]
    assert first.headers["X-Globalconf-Expires-At"].endswith("Z")
    again = client.get("/globalconf")
    assert again.data == first.data  # the same signed document within the minute
    unchanged = client.get("/globalconf", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    other = client.get("/globalconf", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    strong_form = client.get("/globalconf", headers={"If-None-Match": etag.removeprefix("W/")})
    assert strong_form.status_code == 304


def test_revoked_things_are_not_in_the_configuration(app: Flask, admin: Any) -> None:
    assert admin.post("/members/GOV/MOJ/revoke", {"reason": "test"}).status_code == 200
    assert admin.post("/members/GOV/DA/servers/ss-da/revoke", {"reason": "key"}).status_code == 200
    assert (
        admin.post(
            "/members/GOV/LG-139998/subsystems/childcare/revoke", {"reason": "x"}
        ).status_code
        == 200
    )
    client = app.test_client()
    anchor = client.get("/anchor").get_json()["jwk"]
    config = globalconf.verify(client.get("/globalconf").data, anchor, datetime.now(UTC))
    assert config.member("GOV/MOJ") is None
    assert "GOV/MOJ/company" not in config.subsystems
    assert "GOV/LG-139998/childcare" not in config.subsystems
    assert [s.id for s in config.security_servers] == [
        "GOV/JPS/ss-jps",
        "GOV/LG-139998/ss-lg139998",
    ]
    assert config.servers_hosting("GOV/DA/portal") == ()


def test_without_its_key_central_publishes_nothing(app: Flask, problem: Any) -> None:
    with app.app_context():
        path = keys.signing_key_path(get_settings().data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.unlink()
    client = app.test_client()
    body = problem(client.get("/globalconf"), 503, "Global configuration not available")
    assert "kit prepare central" in body["detail"]
    problem(client.get("/anchor"), 503, "Global configuration not available")


def test_the_public_endpoints_need_no_token_and_refuse_writes(app: Flask, problem: Any) -> None:
    client = app.test_client()
    assert client.get("/globalconf").status_code == 200
    problem(
        client.post("/globalconf", headers={"Accept": "application/json"}),
        405,
        "Method Not Allowed",
    )
