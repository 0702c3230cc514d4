"""How the kit's tools see the trust service (entry point ``madoguchi.services:trust``)."""

from __future__ import annotations

from datetime import UTC, datetime

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from trust.keyring import Keyring
from trust.models import TrustModel
from trust.pki import Urls
from trust.settings import TrustSettings


def seed(settings: TrustSettings, database: Database) -> list[str]:
    """Create the kit's PKI on first run (keys into the data folder, certificates in the DB)."""
    from trust.services import initialise_pki

    with database.session() as session:
        created = initialise_pki(
            session=session,
            keyring=Keyring(settings.data_dir / "keys"),
            urls=Urls(settings.public_url),
            now=datetime.now(UTC),
        )
    return ["a new test PKI (root, seal, security server, JPKI, TSA)"] if created else []


definition = ServiceDefinition(
    name="trust",
    settings_class=TrustSettings,
    app="trust:create_app()",
    metadata=TrustModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="the kit's trust service provider",
)
