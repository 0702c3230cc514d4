"""How the kit's tools see idp (entry point ``madoguchi.services:idp``)."""

from govkit.db import Database
from govkit.service import DemoLogin, ServiceDefinition, migrations_dir
from idp.models import IdpModel
from idp.settings import IdpSettings


def seed(settings: IdpSettings, database: Database) -> list[str]:
    """The counter clerk, the pinned JPKI anchors and a card per seed resident (idempotent)."""
    from idp import provisioning

    return provisioning.seed(settings, database)


def demo_logins(settings: IdpSettings, database: Database) -> list[DemoLogin]:
    from idp import provisioning

    return provisioning.demo_logins(settings, database)


def rotate_keys(settings: IdpSettings, database: Database) -> list[str]:
    """Rotate the ID-token signing keys now (``kit rotate-keys idp``)."""
    from datetime import UTC, datetime, timedelta

    from idp import keys

    with database.session() as session:
        report = keys.rotate(
            session,
            datetime.now(UTC),
            retire_grace=timedelta(seconds=settings.key_retirement_grace),
        )
    return keys.describe(report) + report.waiting


definition = ServiceDefinition(
    name="idp",
    settings_class=IdpSettings,
    app="idp:create_app()",
    metadata=IdpModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    demo_logins=demo_logins,  # type: ignore[arg-type]
    rotate_keys=rotate_keys,  # type: ignore[arg-type]
    description="Madoguchi ID: the OpenID Connect provider with the simulated My Number card login",
)
