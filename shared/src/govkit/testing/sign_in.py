"""The sign-in contract of a citizen-facing service, as tests every such service inherits.

A service's ``tests/integration/test_sign_in.py`` subclasses :class:`SignInContract` and names
itself; pytest collects the inherited tests against that service's app with the in-process
:class:`govkit.testing.oidc.FakeProvider` (fixtures ``service_app`` and ``fake_idp`` of the
kit's pytest plugin)::

    class TestSignIn(SignInContract):
        service = "pension"
        sector = "GOV/JPS"
        client_name = "国民年金（日本年金機構）"
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from govkit.service import load_definition
from govkit.testing.oidc import FakeProvider
from govkit.testing.pages import check_page
from govkit.testing.plugin import ServiceAppFactory
from govkit.testing.robustness import server_errors


def _english(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    return client


class SignInContract:
    """Sign-in with the kit's provider: the start button, the card level for ``signed_in``,
    who is signed in, the agency it registered as, and what happens without registration."""

    #: The service package, its sector identifier (pairwise subjects) and registered name.
    service: ClassVar[str]
    sector: ClassVar[str]
    client_name: ClassVar[str]
    #: The page behind the sign-in and the level it asks for.
    signed_in_path: ClassVar[str] = "/start"
    acr: ClassVar[str] = "aal3"

    @pytest.fixture
    def app(self, service_app: ServiceAppFactory, fake_idp: FakeProvider) -> Flask:
        app = service_app(self.service, idp_url=fake_idp.issuer)
        fake_idp.install(app)
        return app

    def test_the_start_page_has_a_sign_in_button(self, app: Flask) -> None:
        page = check_page(_english(app).get("/"), lang="en")
        button = page.select_one(f"main a.govuk-button[href='{self.signed_in_path}']")
        assert button.get_text(strip=True) == "Sign in"

    def test_the_signed_in_page_needs_the_card(self, app: Flask) -> None:
        response = _english(app).get(self.signed_in_path)
        assert response.status_code == 302
        expected = f"/auth/login?next={self.signed_in_path}&acr={self.acr}"
        assert response.headers["Location"] == expected

    def test_a_signed_in_citizen_sees_who_they_are(
        self, app: Flask, fake_idp: FakeProvider
    ) -> None:
        client = _english(app)
        response = fake_idp.sign_in(client, self.signed_in_path)
        page = check_page(response, lang="en", h1="You are signed in")
        assert page.select_one(".kit-signed-in-as").get_text(strip=True) == "Signed in as 森下 健太"
        rows = {
            row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
            for row in page.select(".govuk-summary-list__row")
        }
        assert rows["Name"] == "森下 健太"
        assert rows["Signed in with"] == "My Number card and PIN"
        assert page.select_one("form[action='/auth/logout'] input[name=csrf_token]")
        start = check_page(client.get("/"), lang="en")
        assert start.select_one("main a.govuk-button").get_text(strip=True) == "Continue"
        # The service registered as its agency, under its own name.
        (registered,) = fake_idp.clients.values()
        assert registered["sector_identifier"] == self.sector
        assert registered["client_name"] == self.client_name

    def test_the_signed_in_page_is_in_japanese_too(
        self, app: Flask, fake_idp: FakeProvider
    ) -> None:
        check_page(fake_idp.sign_in(app.test_client(), self.signed_in_path), lang="ja")

    @pytest.mark.parametrize("visitor", ["signed out", "signed in"])
    def test_no_bad_input_gives_a_server_error(
        self, app: Flask, fake_idp: FakeProvider, visitor: str
    ) -> None:
        """Every route, fed malformed requests (govkit.testing.robustness), by a visitor and
        by a signed-in citizen (whose sign-out route is left out)."""
        client = app.test_client()
        if visitor == "signed in":
            fake_idp.sign_in(client, self.signed_in_path)
        errors = server_errors(app, client, skip=lambda rule: rule.startswith("/auth/logout"))
        assert not errors, "\n".join(errors)

    def test_without_a_registration_sign_in_is_unavailable(
        self, service_app: ServiceAppFactory
    ) -> None:
        app = service_app(self.service)  # no registration token: prepare could not register
        response = _english(app).get(f"/auth/login?next={self.signed_in_path}")
        check_page(response, status=503, lang="en", h1="Sign-in is unavailable")

    def test_prepare_says_why_it_did_not_register(self, tmp_path: Path) -> None:
        definition = load_definition(self.service)
        settings = definition.settings(
            {}, environment="test", secret_key="s" * 48, data_dir=tmp_path
        )
        assert definition.seed is not None
        (line,) = definition.seed(settings, None)  # type: ignore[arg-type]
        assert line.startswith("OpenID client not registered: no registration token")
