"""Alembic environment of the portal (its own database, its own history)."""

from govkit.db import run_migrations_env
from portal.models import PortalModel
from portal.settings import PortalSettings

run_migrations_env(PortalModel.metadata, lambda: PortalSettings.from_env().database_url)
