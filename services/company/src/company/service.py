"""How the kit's tools see company (entry point ``madoguchi.services:company``)."""

from company.models import CompanyModel
from company.settings import CompanySettings
from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir


def seed(settings: CompanySettings, database: Database) -> list[str]:
    """Register the service's OpenID client with the identity provider (idempotent)."""
    from company import CLIENT_NAME, SECTOR
    from govkit.auth import seed_client

    return [seed_client(settings, sector=SECTOR, client_name=CLIENT_NAME)]


definition = ServiceDefinition(
    name="company",
    settings_class=CompanySettings,
    app="company:create_app()",
    metadata=CompanyModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="the one-day company setup journey",
)
