"""How the kit's tools see childcare (entry point ``madoguchi.services:childcare``)."""

from childcare.models import ChildcareModel
from childcare.settings import ChildcareSettings
from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir


def seed(settings: ChildcareSettings, database: Database) -> list[str]:
    """Register the service's OpenID client with the identity provider (idempotent)."""
    from childcare import CLIENT_NAME, SECTOR
    from govkit.auth import seed_client

    return [seed_client(settings, sector=SECTOR, client_name=CLIENT_NAME)]


definition = ServiceDefinition(
    name="childcare",
    settings_class=ChildcareSettings,
    app="childcare:create_app()",
    metadata=ChildcareModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="the child allowance and childcare account journey",
)
