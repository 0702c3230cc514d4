"""How the kit's tools see residence (entry point ``madoguchi.services:residence``)."""

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from residence.models import ResidenceModel
from residence.settings import ResidenceSettings


def seed(settings: ResidenceSettings, database: Database) -> list[str]:
    """Register the service's OpenID client with the identity provider (idempotent)."""
    from govkit.auth import seed_client
    from residence import CLIENT_NAME, SECTOR

    return [seed_client(settings, sector=SECTOR, client_name=CLIENT_NAME)]


definition = ServiceDefinition(
    name="residence",
    settings_class=ResidenceSettings,
    app="residence:create_app()",
    metadata=ResidenceModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="Sakuragi City's resident register and the residence certificate journey",
)
