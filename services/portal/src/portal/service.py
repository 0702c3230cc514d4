"""How the kit's tools see the portal (entry point ``madoguchi.services:portal``)."""

from __future__ import annotations

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from portal.models import PortalModel
from portal.settings import PortalSettings


def seed(settings: PortalSettings, database: Database) -> list[str]:
    """Obtain the portal's seal from the trust service (once), to issue specimen certificates."""
    from portal.documents import provision_seal

    if settings.trust_ra_token is None:
        return ["no seal (no registration token): specimen certificates disabled"]
    identity, created = provision_seal(settings)
    return [f"{'new' if created else 'existing'} seal {identity.kid}"]


def rotate_seal(settings: PortalSettings) -> str:
    """A new seal key and certificate; the trust service withdraws the old one."""
    from portal.documents import provision_seal

    identity, _created = provision_seal(settings, rotate=True)
    return f"new seal {identity.kid}; documents sealed before stay valid"


definition = ServiceDefinition(
    name="portal",
    settings_class=PortalSettings,
    app="portal:create_app()",
    metadata=PortalModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    rotate_seal=rotate_seal,  # type: ignore[arg-type]
    description="the citizen's home page and document verification",
)
