"""How the kit's tools see the portal (entry point ``madoguchi.services:portal``)."""

from __future__ import annotations

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from portal.models import PortalModel
from portal.settings import PortalSettings


def seed(settings: PortalSettings, database: Database) -> list[str]:
    """Obtain the portal's seal from the trust service (once), to issue specimen certificates,
    and register the portal's OpenID client with the identity provider (idempotent)."""
    from govkit.auth import seed_client
    from portal import CLIENT_NAME, SECTOR
    from portal.documents import provision_seal

    lines = []
    if settings.trust_ra_token is None:
        lines.append("no seal (no registration token): specimen certificates disabled")
    else:
        identity, created = provision_seal(settings)
        lines.append(f"{'new' if created else 'existing'} seal {identity.kid}")
    lines.append(seed_client(settings, sector=SECTOR, client_name=CLIENT_NAME))
    return lines


def rotate_seal(settings: PortalSettings) -> str:
    """A new seal key and certificate; the trust service withdraws the old one."""
    from portal.documents import provision_seal

    identity, _created = provision_seal(settings, rotate=True)
    return f"new seal {identity.kid}; documents sealed before stay valid"


#: Threads per gunicorn worker (the kit's default is 4; see ``gunicorn_options`` below).
THREADS = 12


definition = ServiceDefinition(
    name="portal",
    settings_class=PortalSettings,
    app="portal:create_app()",
    metadata=PortalModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    rotate_seal=rotate_seal,  # type: ignore[arg-type]
    description="the citizen's home page and document verification",
    # Each worker's threads: a citizen's "my details" holds one while the register asks the
    # portal's consent service back through the exchange, which needs another. With the
    # kit's 4, eight such pages at once (two workers) held them all and timed out.
    gunicorn_options=("--threads", str(THREADS)),
)
