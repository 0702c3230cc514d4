"""How the kit's tools see central (entry point ``madoguchi.services:central``)."""

from __future__ import annotations

from datetime import UTC, datetime

from central.models import CentralModel
from central.settings import CentralSettings
from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir


def seed(settings: CentralSettings, database: Database) -> list[str]:
    """The signing key and admin token (data folder), the instance and the kit's members
    (idempotent); their security servers report themselves and their subsystems."""
    from central import seeding

    return seeding.seed(settings, database, datetime.now(UTC))


definition = ServiceDefinition(
    name="central",
    settings_class=CentralSettings,
    app="central:create_app()",
    metadata=CentralModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="the exchange's central registry",
)
