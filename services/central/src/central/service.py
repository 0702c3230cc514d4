"""How the kit's tools see central (entry point ``madoguchi.services:central``)."""

from central.models import CentralModel
from central.settings import CentralSettings
from govkit.service import ServiceDefinition, migrations_dir

definition = ServiceDefinition(
    name="central",
    settings_class=CentralSettings,
    app="central:create_app()",
    metadata=CentralModel.metadata,
    migrations=migrations_dir(__file__),
    description="the exchange's central registry",
)
