"""How the kit's tools see company (entry point ``madoguchi.services:company``)."""

from company.models import CompanyModel
from company.settings import CompanySettings
from govkit.service import ServiceDefinition, migrations_dir

definition = ServiceDefinition(
    name="company",
    settings_class=CompanySettings,
    app="company:create_app()",
    metadata=CompanyModel.metadata,
    migrations=migrations_dir(__file__),
    description="the one-day company setup journey",
)
