"""Alembic environment of securityserver (its own database, its own history)."""

from govkit.db import run_migrations_env
from securityserver.models import SecurityServerModel
from securityserver.settings import SecurityServerSettings

run_migrations_env(
    SecurityServerModel.metadata, lambda: SecurityServerSettings.from_env().database_url
)
