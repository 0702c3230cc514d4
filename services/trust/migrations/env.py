"""Alembic environment of trust (its own database, its own history)."""

from govkit.db import run_migrations_env
from trust.models import TrustModel
from trust.settings import TrustSettings

run_migrations_env(TrustModel.metadata, lambda: TrustSettings.from_env().database_url)
