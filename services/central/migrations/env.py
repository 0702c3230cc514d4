"""Alembic environment of central (its own database, its own history)."""

from central.models import CentralModel
from central.settings import CentralSettings
from govkit.db import run_migrations_env

run_migrations_env(CentralModel.metadata, lambda: CentralSettings.from_env().database_url)
