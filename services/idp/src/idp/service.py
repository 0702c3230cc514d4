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


definition = ServiceDefinition(
    name="idp",
    settings_class=IdpSettings,
    app="idp:create_app()",
    metadata=IdpModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    demo_logins=demo_logins,  # type: ignore[arg-type]
    description="Madoguchi ID: the OpenID Connect provider with the simulated My Number card login",
)
