"""Bad input never gives a 500: every route of the register, fed malformed requests
(govkit.testing.robustness) by a resident at each step of the journey and by a clerk in the
back office (a visitor and a newly signed-in resident: the sign-in contract, test_sign_in)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from govkit.db import get_database
from govkit.testing.oidc import DEMO_PERSON, FakeProvider
from govkit.testing.robustness import server_errors
from govkit.web import get_settings
from residence import staff


def _keeps_the_session(rule: str) -> bool:
    return rule.startswith(("/auth/logout", "/clerk/sign-out"))


def assert_no_server_errors(app: Flask, client: FlaskClient, **walk: Any) -> None:
    errors = server_errors(app, client, skip=_keeps_the_session, **walk)
    assert not errors, "\n".join(errors)


def post(client: FlaskClient, path: str, **form: str | list[str]) -> None:
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page[:2000]
    answer = client.post(path, data={"csrf_token": token.group(1), **form})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:2000]


@pytest.fixture
def city(register_app: Callable[..., Flask], fake_idp: FakeProvider) -> Flask:
    app = register_app(idp_url=fake_idp.issuer)
    fake_idp.install(app)
    return app


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the session's pages
@pytest.mark.parametrize("step", ["who", "scope", "check"])
def test_a_resident_midway_through_the_journey(
    city: Flask, fake_idp: FakeProvider, kit, step: str
) -> None:
    """森下 健太 at the first question, at the scope (whose names are on the copy) and at
    check your answers."""
    fake_idp.person = {**DEMO_PERSON, "exchange_id": kit.xid("H1-1")}
    client = city.test_client()
    fake_idp.sign_in(client, "/request/who", sub="sub-H1-1")
    if step != "who":
        post(client, "/request/who", route="self")
    if step == "check":
        post(client, "/request/scope", members=["H1-1"])
        post(client, "/request/details", purpose="bank", copies="1")
    assert_no_server_errors(city, client)


def test_a_clerk(city: Flask) -> None:
    with city.app_context():
        with get_database(city).session() as session:
            staff.seed_clerks(get_settings(), session, datetime.now(UTC))
        credentials = staff.read_staff_file(get_settings())
    assert credentials is not None
    client = city.test_client()
    code = pyotp.TOTP(credentials.totp_secret).now()
    post(
        client,
        "/clerk/sign-in",
        username=credentials.username,
        password=credentials.password,
        code=code,
    )
    assert_no_server_errors(city, client, known={"register_key": "H1-1", "household": "H1"})


def test_an_agency_through_its_security_server(app: Flask, exchange, kit) -> None:
    """The exchange endpoints, with the headers the city's security server delivers (the
    pension service's, about a resident who exists)."""
    assert_no_server_errors(
        app,
        app.test_client(),
        known={"exchange_id": kit.xid("H1-1")},
        headers=exchange.headers(client=kit.PENSION),
    )
