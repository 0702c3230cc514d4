"""Alembic environment of idp (its own database, its own history)."""

from govkit.db import run_migrations_env
from idp.models import IdpModel
from idp.settings import IdpSettings

run_migrations_env(IdpModel.metadata, lambda: IdpSettings.from_env().database_url)
