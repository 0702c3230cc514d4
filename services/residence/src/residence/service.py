"""How the kit's tools see residence (entry point ``madoguchi.services:residence``)."""

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from residence.models import ResidenceModel
from residence.settings import ResidenceSettings


def seed(settings: ResidenceSettings, database: Database) -> list[str]:
    """The resident register (Sakuragi City's seed residents, with their exchange pseudonyms)
    and the service's OpenID client at the identity provider (idempotent)."""
    from datetime import UTC, datetime

    from govkit.auth import seed_client
    from govkit.clock import today
    from residence import CLIENT_NAME, SECTOR
    from residence.seeding import load_register, seed_register

    register = load_register()
    key = settings.exchange_pseudonym_key
    with database.session() as session:
        report = seed_register(
            session=session,
            register=register,
            pseudonym_key=key.get_secret_value() if key and key.get_secret_value() else None,
            today=today(settings),
            now=datetime.now(UTC),
        )
    return [
        report.line(register.municipality),
        seed_client(settings, sector=SECTOR, client_name=CLIENT_NAME),
    ]


definition = ServiceDefinition(
    name="residence",
    settings_class=ResidenceSettings,
    app="residence:create_app()",
    metadata=ResidenceModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="Sakuragi City's resident register and the residence certificate journey",
)
