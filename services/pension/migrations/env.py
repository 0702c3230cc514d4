"""Alembic environment of pension (its own database, its own history)."""

from govkit.db import run_migrations_env
from pension.models import PensionModel
from pension.settings import PensionSettings

run_migrations_env(PensionModel.metadata, lambda: PensionSettings.from_env().database_url)
