"""How the kit's tools see residence (entry point ``madoguchi.services:residence``)."""

from govkit.service import ServiceDefinition, migrations_dir
from residence.models import ResidenceModel
from residence.settings import ResidenceSettings

definition = ServiceDefinition(
    name="residence",
    settings_class=ResidenceSettings,
    app="residence:create_app()",
    metadata=ResidenceModel.metadata,
    migrations=migrations_dir(__file__),
    description="Sakuragi City's resident register and the residence certificate journey",
)
