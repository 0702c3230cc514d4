"""Alembic environment of residence (its own database, its own history)."""

from govkit.db import run_migrations_env
from residence.models import ResidenceModel
from residence.settings import ResidenceSettings

run_migrations_env(ResidenceModel.metadata, lambda: ResidenceSettings.from_env().database_url)
