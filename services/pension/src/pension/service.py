"""How the kit's tools see pension (entry point ``madoguchi.services:pension``)."""

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from pension.models import PensionModel
from pension.settings import PensionSettings


def seed(settings: PensionSettings, database: Database) -> list[str]:
    """Register the service's OpenID client with the identity provider (idempotent)."""
    from govkit.auth import seed_client
    from pension import CLIENT_NAME, SECTOR

    return [seed_client(settings, sector=SECTOR, client_name=CLIENT_NAME)]


definition = ServiceDefinition(
    name="pension",
    settings_class=PensionSettings,
    app="pension:create_app()",
    metadata=PensionModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="the National Pension journey",
)
