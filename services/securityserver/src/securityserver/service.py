"""How the kit's tools see securityserver (entry point ``madoguchi.services:securityserver``)."""

from govkit.service import ServiceDefinition, migrations_dir
from securityserver.models import SecurityServerModel
from securityserver.settings import SecurityServerSettings

definition = ServiceDefinition(
    name="securityserver",
    settings_class=SecurityServerSettings,
    app="securityserver:create_app()",
    metadata=SecurityServerModel.metadata,
    migrations=migrations_dir(__file__),
    description="an exchange security server (one per agency member)",
)
