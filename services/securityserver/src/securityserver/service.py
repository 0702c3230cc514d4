"""How the kit's tools see securityserver (entry point ``madoguchi.services:securityserver``)."""

from govkit.db import Database
from govkit.service import ServiceDefinition, migrations_dir
from securityserver.models import SecurityServerModel
from securityserver.settings import SecurityServerSettings

#: How long an idle connection to this server stays open (gunicorn's ``--keep-alive``).
KEEP_ALIVE_SECONDS = 75
#: Threads of the server's one worker (gunicorn's ``--threads``; the kit's default is 4).
#: A thread relaying a call waits for the answer, and the answer may need this same server
#: again: the register checks a consent with the portal through ss-da while ss-da's thread
#: that relayed the portal's call waits. With 4 threads, 4 such calls at once held every
#: thread and each ran into its 10 s timeout; waiting threads cost little CPU.
THREADS = 16


def seed(settings: SecurityServerSettings, database: Database) -> list[str]:
    """Obtain the server's TLS and message-signing certificates from the trust service (once;
    see :mod:`securityserver.keys`), pin central's anchor (once) and report this server's
    address and certificates to central (see :mod:`securityserver.registration`)."""
    from securityserver.keys import provision
    from securityserver.registration import pin_and_register

    lines = provision(settings)
    if settings.trust_ra_token is not None:  # without keys there is nothing to register
        lines.extend(pin_and_register(settings))
    return lines


definition = ServiceDefinition(
    name="securityserver",
    settings_class=SecurityServerSettings,
    app="securityserver:create_app()",
    metadata=SecurityServerModel.metadata,
    migrations=migrations_dir(__file__),
    seed=seed,  # type: ignore[arg-type]
    description="an exchange security server (one per agency member)",
    worker_class="securityserver.worker.MutualTlsWorker",
    # Connections between security servers (and from the agency's systems) stay open through
    # the pauses of a citizen's journey: the kit's 5 s would make most exchanges after a pause
    # pay a new mutual-TLS handshake. The threads: see THREADS.
    gunicorn_options=("--keep-alive", str(KEEP_ALIVE_SECONDS), "--threads", str(THREADS)),
)
