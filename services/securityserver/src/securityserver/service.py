"""How the kit's tools see securityserver (entry point ``madoguchi.services:securityserver``)."""

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from securityserver.models import SecurityServerModel
from securityserver.settings import SecurityServerSettings


def seed(settings: SecurityServerSettings, database: Database) -> list[str]:
    """Obtain the server's TLS and message-signing certificates from the trust service
    (once; see :mod:`securityserver.keys`)."""
    from securityserver.keys import provision

    return provision(settings)


definition = ServiceDefinition(
    name="securityserver",
    settings_class=SecurityServerSettings,
    app="securityserver:create_app()",
    metadata=SecurityServerModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="an exchange security server (one per agency member)",
)
