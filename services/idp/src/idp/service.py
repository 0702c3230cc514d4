"""How the kit's tools see idp (entry point ``madoguchi.services:idp``)."""

from govkit.service import ServiceDefinition, migrations_dir
from idp.models import IdpModel
from idp.settings import IdpSettings

definition = ServiceDefinition(
    name="idp",
    settings_class=IdpSettings,
    app="idp:create_app()",
    metadata=IdpModel.metadata,
    migrations=migrations_dir(__file__),
    description="Madoguchi ID: the OpenID Connect provider with the simulated My Number card login",
)
