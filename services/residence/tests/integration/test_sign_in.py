"""Signing in to residence (single sign-on with the kit's identity provider, faked in-process):
the contract every citizen-facing service keeps (govkit.testing.sign_in)."""

from pathlib import Path

from flask import Flask

from govkit.db import Database, upgrade
from govkit.service import load_definition
from govkit.testing import check_page
from govkit.testing.oidc import FakeProvider
from govkit.testing.sign_in import SignInContract


class TestSignIn(SignInContract):
    service = "residence"
    sector = "GOV/LG-139998"
    client_name = "住民票の写し（桜木市）"

    def test_the_start_page_has_a_sign_in_button(self, app: Flask) -> None:
        """The start button leads into the journey (which asks for the card first)."""
        client = app.test_client()
        client.set_cookie("kit_lang", "en")
        page = check_page(client.get("/"), lang="en")
        button = page.select_one("a.govuk-button--start")
        assert button.get_text(strip=True) == "Start now"
        assert button["href"] == "/request/who"
        assert client.get("/request/who").headers["Location"].startswith("/auth/login")

    def test_the_signed_in_page_leads_into_the_journey(
        self, app: Flask, fake_idp: FakeProvider
    ) -> None:
        client = app.test_client()
        client.set_cookie("kit_lang", "en")
        page = check_page(fake_idp.sign_in(client, "/start"), lang="en", h1="You are signed in")
        button = page.select_one("main a.govuk-button--start")
        assert button.get_text(strip=True) == "Start now"
        assert button["href"] == "/request/who"

    def test_prepare_says_why_it_did_not_register(self, tmp_path: Path) -> None:
        """As the contract's, except that residence's seed also fills the resident register
        first (so it needs a database), enrols the demo clerk and obtains the city's seal."""
        definition = load_definition(self.service)
        settings = definition.settings(
            {}, environment="test", secret_key="s" * 48, data_dir=tmp_path
        )
        database = Database(settings.database_url)
        try:
            upgrade(database, definition.migrations)
            assert definition.seed is not None
            lines = definition.seed(settings, database)
        finally:
            database.dispose()
        register, *_clerk, seal, client = lines
        assert register.startswith("resident register of 桜木市: 20 residents")
        assert seal.startswith("no seal (no registration token)")
        assert client.startswith("OpenID client not registered: no registration token")
