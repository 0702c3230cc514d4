"""How the kit's tools see residence (entry point ``madoguchi.services:residence``)."""

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from residence.models import ResidenceModel
from residence.settings import ResidenceSettings
from residence.staff import demo_logins


def seed(settings: ResidenceSettings, database: Database) -> list[str]:
    """The resident register (Sakuragi City's seed residents, with their exchange pseudonyms),
    the city's seal from the trust service (once) and the service's OpenID client at the
    identity provider (idempotent)."""
    from datetime import UTC, datetime

    from govkit.auth import seed_client
    from govkit.clock import today
    from residence import CLIENT_NAME, SECTOR
    from residence.seeding import load_register, seed_register
    from residence.staff import seed_clerks

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
    with database.session() as session:
        clerk_lines = seed_clerks(settings, session, datetime.now(UTC))
    lines = [report.line(register.municipality), *clerk_lines]
    if settings.trust_ra_token is None:
        lines.append("no seal (no registration token): certificates cannot be issued")
    else:
        from residence.documents import agency_seal

        identity, created = agency_seal(settings).provision()
        lines.append(f"{'new' if created else 'existing'} city seal {identity.kid}")
    lines.append(seed_client(settings, sector=SECTOR, client_name=CLIENT_NAME))
    return lines


def rotate_seal(settings: ResidenceSettings) -> str:
    """A new seal key and certificate; the trust service withdraws the old one."""
    from residence.documents import agency_seal

    identity, _created = agency_seal(settings).provision(rotate=True)
    return f"new city seal {identity.kid}; certificates sealed before stay valid"


definition = ServiceDefinition(
    name="residence",
    settings_class=ResidenceSettings,
    app="residence:create_app()",
    metadata=ResidenceModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    rotate_seal=rotate_seal,  # type: ignore[arg-type]
    demo_logins=demo_logins,  # type: ignore[arg-type]
    description="Sakuragi City's resident register and the residence certificate journey",
)
