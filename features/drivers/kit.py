"""The running kit for the acceptance suite: the same launcher as `make up`.

Every service runs as its own gunicorn process on a free port, with a temporary runtime folder.
When PostgreSQL is reachable each service gets its own throwaway database there (dropped at the
end); otherwise each uses its SQLite file, as `make up` does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from govkit.clock import now_jst
from govkit.stack import Manifest, Stack
from govkit.testing.postgres import PostgresServer

REPOSITORY = Path(__file__).resolve().parents[2]


class RunningKit:
    def __init__(self, stack: Stack, database: str, prepared_on: date) -> None:
        self.stack = stack
        self.database = database
        #: The kit's date when ``kit prepare`` seeded it: seed dates (the personas' birth
        #: dates on their cards) are shifted relative to it, even after midnight in Japan.
        self.prepared_on = prepared_on

    def url(self, instance: str, path: str = "/") -> str:
        return self.stack.url(instance) + path

    def instance_for_url(self, url: str) -> str | None:
        for instance in self.stack.ports:
            if url.startswith(self.stack.url(instance)):
                return instance
        return None


@contextmanager
def running_kit(var_dir: Path, postgres: PostgresServer | None) -> Iterator[RunningKit]:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    # The portal's test-only endpoints (backdated specimens) exist in this kit only.
    # Every sign-in of the suite comes from 127.0.0.1: per-address limits would make scenarios
    # wait out Retry-After (the limits themselves are tested in services/idp).
    environ: dict[str, str] = {
        "PORTAL_TESTING_ENDPOINTS": "true",
        "RESIDENCE_TESTING_ENDPOINTS": "true",
        "IDP_RATE_LIMIT_LOGIN": "1000 per minute",
        "IDP_RATE_LIMIT_PIN": "1000 per minute",
    }
    created: list[str] = []
    if postgres is not None:
        for spec in manifest.services:
            url = postgres.create_database(spec.instance.replace("-", "_"))
            created.append(url)
            environ[f"{spec.env_key}_DATABASE_URL"] = url
    stack = Stack(manifest, var_dir, free_ports=True, environ={**os.environ, **environ})
    pinned = os.environ.get("KIT_TODAY")
    prepared_on = date.fromisoformat(pinned) if pinned else now_jst().date()
    try:
        with stack:
            yield RunningKit(stack, "postgresql" if postgres else "sqlite", prepared_on)
    finally:
        for url in created:
            postgres.drop_database(url)  # type: ignore[union-attr]
