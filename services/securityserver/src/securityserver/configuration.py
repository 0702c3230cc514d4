"""The global configuration as one security server holds it: pinned anchor, last good copy.

* The **anchor** (central's public key as a JWK) is pinned once, at prepare, into
  ``<data>/anchor.json`` — X-Road distributes it out of band; the kit fetches it from central's
  ``GET /anchor`` on the first ``make up`` (trust on first use, on loopback) and never again.
* :class:`GlobalConfCache` keeps the last copy that verified against the anchor. A request
  asks :meth:`GlobalConfCache.current`: when the copy is older than ``refresh_every`` one
  thread downloads a new one (conditional, ``If-None-Match``) while the others go on with the
  copy they have; a download that fails or does not verify is logged and the last good copy
  stays. Once that copy has expired (central unreachable for ten minutes, or a forged copy),
  traffic stops with ``Server.ClientProxy.OutdatedGlobalConf``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from govkit.exchange import globalconf
from securityserver.protocol.errors import ExchangeError, FaultCode

log = logging.getLogger(__name__)

ANCHOR_FILE = "anchor.json"
#: How often a copy is renewed (central re-signs every minute).
REFRESH_EVERY = timedelta(seconds=60)
#: Longest wait for central on a refresh (the request waiting for it is one of many).
TIMEOUT = (2.0, 5.0)
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024


class AnchorError(RuntimeError):
    """The anchor could not be pinned or read (the message says what to do)."""


def anchor_path(data_dir: Path) -> Path:
    return data_dir / ANCHOR_FILE


def read_anchor(data_dir: Path) -> dict[str, Any]:
    """The pinned anchor JWK; :class:`AnchorError` if ``kit prepare`` has not pinned one."""
    path = anchor_path(data_dir)
    try:
        anchor = json.loads(path.read_text(encoding="utf-8"))
        globalconf.thumbprint(anchor)  # a usable EC public key
    except FileNotFoundError:
        raise AnchorError(
            f"no pinned anchor at {path}: run `kit prepare` with central up"
        ) from None
    except (ValueError, globalconf.GlobalConfError) as exc:
        raise AnchorError(f"the pinned anchor at {path} is unusable: {exc}") from None
    return anchor


def pin_anchor(data_dir: Path, central_url: str, http: requests.Session) -> tuple[str, bool]:
    """Pin central's anchor once (``(thumbprint, newly_pinned)``); an existing pin is kept,
    whatever central says now: replacing an anchor is an operator's decision."""
    path = anchor_path(data_dir)
    if path.exists():
        return globalconf.thumbprint(read_anchor(data_dir)), False
    try:
        answer = http.get(f"{central_url}/anchor", timeout=TIMEOUT, allow_redirects=False)
        body = answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError) as exc:
        raise AnchorError(f"central at {central_url} did not give its anchor: {exc}") from None
    jwk = body.get("jwk") if isinstance(body, dict) else None
    if not isinstance(jwk, dict):
        raise AnchorError(f"central at {central_url}/anchor answered {answer.status_code}")
    thumbprint = globalconf.thumbprint(jwk)
    if body.get("thumbprint") not in (None, thumbprint):
        raise AnchorError("central's anchor does not match the thumbprint it announces")
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(jwk, handle, sort_keys=True)
    return thumbprint, True


class GlobalConfCache:
    """The last verified global configuration, renewed from central (thread-safe)."""

    def __init__(
        self,
        central_url: str,
        anchor: Mapping[str, Any],
        *,
        instance: str,
        http: requests.Session,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        refresh_every: timedelta = REFRESH_EVERY,
    ) -> None:
        self.url = f"{central_url.rstrip('/')}/globalconf"
        self.anchor = dict(anchor)
        self.instance = instance
        self.http = http
        self.clock = clock
        self.refresh_every = refresh_every
        self._lock = threading.Lock()
        self._config: globalconf.GlobalConfiguration | None = None
        self._etag: str | None = None
        self._checked_at: datetime | None = None
        #: Why the last refresh failed (for the health endpoint), or None.
        self.last_problem: str | None = None

    def current(self) -> globalconf.GlobalConfiguration:
        """A configuration that has not expired, renewing it when due; otherwise the
        ``Server.ClientProxy.OutdatedGlobalConf`` error that stops traffic."""
        now = self.clock()
        # Without any copy yet, every thread waits for the first download (a thread arriving
        # while it runs must not see "no copy" and refuse its message); with one, a single
        # thread renews it while the others go on.
        first = self._config is None
        if (first or self._due(now)) and self._lock.acquire(blocking=first):
            try:
                if self._config is None or self._due(now):
                    self._refresh(now)
            finally:
                self._lock.release()
        config = self._config
        if config is None or config.is_expired(now):
            reason = self.last_problem or "no copy has been downloaded yet"
            raise ExchangeError(
                FaultCode.OUTDATED_GLOBAL_CONF,
                f"Global configuration is expired or missing: {reason}",
            )
        return config

    def _due(self, now: datetime) -> bool:
        return self._checked_at is None or now - self._checked_at >= self.refresh_every

    def _refresh(self, now: datetime) -> None:
        self._checked_at = now
        headers = {"Accept": "application/jose"}
        if self._etag and self._config is not None:
            headers["If-None-Match"] = self._etag
        try:
            answer = self.http.get(
                self.url, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True
            )
            body = answer.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
            answer.close()
        except requests.RequestException as exc:
            self._problem(f"central did not answer ({type(exc).__name__})")
            return
        if answer.status_code == 304 and self._config is not None:
            self.last_problem = None
            return
        if answer.status_code != 200 or len(body) > MAX_DOCUMENT_BYTES:
            self._problem(f"central answered {answer.status_code}")
            return
        try:
            config = globalconf.verify(body, self.anchor, now, instance=self.instance)
        except globalconf.GlobalConfError as exc:
            self._problem(f"the downloaded copy was refused: {exc}")
            return
        if self._config is None or config.generated_at >= self._config.generated_at:
            self._config, self._etag = config, answer.headers.get("ETag")
        self.last_problem = None

    def _problem(self, message: str) -> None:
        self.last_problem = message
        log.warning("global configuration not renewed", extra={"reason": message})
