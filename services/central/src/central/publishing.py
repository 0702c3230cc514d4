"""Publishing the global configuration: built from the registry, signed, kept for a minute.

Each process keeps the last signed document and signs a new one once per
:data:`~central.domain.globalconf.REFRESH` (60 s), or sooner when the registry changed (a
server registered its certificates, an operator revoked a member): every request reads the
registry and builds the payload (cheap: a few small tables, and only security servers ask,
once a minute each); one ES256 signature is made only when the content or the minute changed.

Documents are generated "as of" the start of the current minute, so every worker process
builds the same payload in the same minute (ECDSA signatures differ, the content does not):
the entity tag is a *weak* one over the payload, and a conditional request answered by
another worker still gets its 304.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from central.domain.globalconf import REFRESH, RegistryState, build
from govkit.exchange import globalconf


class NotReady(RuntimeError):
    """The configuration cannot be published yet (no signing key, no instance)."""


@dataclass(frozen=True)
class SignedConfiguration:
    jws: str
    etag: str
    generated_at: datetime
    expires_at: datetime
    #: When this process will sign the next one.
    refresh_at: datetime


class Publisher:
    """The signed configuration of this process, regenerated when older than ``REFRESH``."""

    def __init__(self, key_loader: Callable[[], ec.EllipticCurvePrivateKey | None]) -> None:
        self._key_loader = key_loader
        self._key: ec.EllipticCurvePrivateKey | None = None
        self._current: SignedConfiguration | None = None
        self._lock = threading.Lock()

    def key(self) -> ec.EllipticCurvePrivateKey:
        if self._key is None:
            self._key = self._key_loader()
            if self._key is None:
                raise NotReady("no signing key: run `kit prepare central`")
        return self._key

    def anchor(self) -> dict[str, str]:
        return globalconf.public_jwk(self.key())

    def current(
        self, now: datetime, load_state: Callable[[], RegistryState | None]
    ) -> SignedConfiguration:
        with self._lock:
            state = load_state()
            if state is None:
                raise NotReady("the registry has no instance yet: run `kit prepare central`")
            payload = build(state, generation_time(now))
            etag = weak_etag(payload)
            cached = self._current
            if (
                cached is not None
                and cached.etag == etag
                and cached.generated_at <= now < cached.refresh_at
            ):
                return cached
            signed = globalconf.sign(payload, self.key())
            config = globalconf.parse(payload)
            self._current = SignedConfiguration(
                jws=signed,
                etag=etag,
                generated_at=config.generated_at,
                expires_at=config.expires_at,
                refresh_at=config.generated_at + REFRESH,
            )
            return self._current


def generation_time(now: datetime) -> datetime:
    """The instant a document made at ``now`` is generated "as of": the start of the minute."""
    period = int(REFRESH.total_seconds())
    seconds = int(now.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(seconds - seconds % period, UTC)


def weak_etag(payload: dict[str, Any]) -> str:
    """``W/"…"`` over the canonical payload: equal content, equal tag (signatures vary)."""
    canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return 'W/"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'
