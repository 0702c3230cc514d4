"""Alembic environment of company (its own database, its own history)."""

from company.models import CompanyModel
from company.settings import CompanySettings
from govkit.db import run_migrations_env

run_migrations_env(CompanyModel.metadata, lambda: CompanySettings.from_env().database_url)
