"""How the kit's tools see the portal (entry point ``madoguchi.services:portal``)."""

from govkit.service import ServiceDefinition, migrations_dir
from portal.models import PortalModel
from portal.settings import PortalSettings

definition = ServiceDefinition(
    name="portal",
    settings_class=PortalSettings,
    app="portal:create_app()",
    metadata=PortalModel.metadata,
    migrations=migrations_dir(__file__),
    description="the citizen's home page",
)
