"""How the kit's tools see pension (entry point ``madoguchi.services:pension``)."""

from govkit.service import ServiceDefinition, migrations_dir
from pension.models import PensionModel
from pension.settings import PensionSettings

definition = ServiceDefinition(
    name="pension",
    settings_class=PensionSettings,
    app="pension:create_app()",
    metadata=PensionModel.metadata,
    migrations=migrations_dir(__file__),
    description="the National Pension journey",
)
