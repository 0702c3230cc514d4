"""How the kit's tools see trust (entry point ``madoguchi.services:trust``)."""

from govkit.service import ServiceDefinition, migrations_dir
from trust.models import TrustModel
from trust.settings import TrustSettings

definition = ServiceDefinition(
    name="trust",
    settings_class=TrustSettings,
    app="trust:create_app()",
    metadata=TrustModel.metadata,
    migrations=migrations_dir(__file__),
    description="the kit's trust service provider",
)
