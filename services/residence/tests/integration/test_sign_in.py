"""Signing in to residence (single sign-on with the kit's identity provider, faked in-process):
the contract every citizen-facing service keeps (govkit.testing.sign_in)."""

from pathlib import Path

from govkit.db import Database, upgrade
from govkit.service import load_definition
from govkit.testing.sign_in import SignInContract


class TestSignIn(SignInContract):
    service = "residence"
    sector = "GOV/LG-139998"
    client_name = "住民票の写し（桜木市）"

    def test_prepare_says_why_it_did_not_register(self, tmp_path: Path) -> None:
        """As the contract's, except that residence's seed also fills the resident register
        first (so it needs a database, and says two things)."""
        definition = load_definition(self.service)
        settings = definition.settings(
            {}, environment="test", secret_key="s" * 48, data_dir=tmp_path
        )
        database = Database(settings.database_url)
        try:
            upgrade(database, definition.migrations)
            assert definition.seed is not None
            register, client = definition.seed(settings, database)
        finally:
            database.dispose()
        assert register.startswith("resident register of 桜木市: 19 residents")
        assert client.startswith("OpenID client not registered: no registration token")
