"""Bad input never gives a 500: every route of the portal, fed malformed requests
(govkit.testing.robustness) by a visitor and by a signed-in citizen holding a specimen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from govkit.testing.oidc import FakeProvider
from govkit.testing.robustness import server_errors


@pytest.fixture
def app(issuing_portal: Callable[..., Flask], fake_idp: FakeProvider) -> Flask:
    app = issuing_portal(idp_url=fake_idp.issuer)
    fake_idp.install(app)
    return app


def test_a_visitor(app: Flask) -> None:
    errors = server_errors(app, app.test_client())
    assert not errors, "\n".join(errors)


def test_a_signed_in_citizen_with_a_specimen(app: Flask, fake_idp: FakeProvider, browser) -> None:
    citizen = browser(app)
    fake_idp.sign_in(citizen.client, "/account")
    document = citizen.issue_specimen()
    errors = server_errors(
        app,
        citizen.client,
        skip=lambda rule: rule.startswith("/auth/logout"),
        known={"document_id": document},
    )
    assert not errors, "\n".join(errors)
