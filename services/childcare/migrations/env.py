"""Alembic environment of childcare (its own database, its own history)."""

from childcare.models import ChildcareModel
from childcare.settings import ChildcareSettings
from govkit.db import run_migrations_env

run_migrations_env(ChildcareModel.metadata, lambda: ChildcareSettings.from_env().database_url)
