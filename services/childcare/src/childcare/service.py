"""How the kit's tools see childcare (entry point ``madoguchi.services:childcare``)."""

from childcare.models import ChildcareModel
from childcare.settings import ChildcareSettings
from govkit.service import ServiceDefinition, migrations_dir

definition = ServiceDefinition(
    name="childcare",
    settings_class=ChildcareSettings,
    app="childcare:create_app()",
    metadata=ChildcareModel.metadata,
    migrations=migrations_dir(__file__),
    description="the child allowance and childcare account journey",
)
