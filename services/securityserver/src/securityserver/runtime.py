"""Everything a running security server holds: keys, catalogue, global configuration, the
connections to peers and to its member's information systems, the log and monitoring writers.

Built once per process, on first use (the keys and the pinned anchor exist only after
`kit prepare`); :func:`runtime_problem` says why a server cannot exchange yet, for the health
endpoint and the layer's errors.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import urllib3
from cryptography import x509
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from govkit.db import Database
from govkit.http import kit_session
from securityserver import catalogue as catalogues
from securityserver import forward as forwarding
from securityserver.configuration import GlobalConfCache, read_anchor
from securityserver.keys import MemberKeys, load_signing_keys, load_tls_keys
from securityserver.messagelog import service as messagelog
from securityserver.messagelog.archive import ArchiveExport, archive_due, export_archive
from securityserver.messagelog.chain import Message, Side
from securityserver.messagelog.settings import MessageLogSettings
from securityserver.messagelog.timestamps import TsaTimestamper
from securityserver.messagelog.writer import LogWriter
from securityserver.models import OpMonitoringRecord
from securityserver.peers import Peers
from securityserver.protocol.errors import ExchangeError, FaultCode
from securityserver.protocol.headers import INFORMATION_SYSTEM_TOKEN
from securityserver.protocol.identifiers import ClientId, ServiceId
from securityserver.settings import SecurityServerSettings

log = logging.getLogger("securityserver")

#: How often the message log's pending records are offered for sealing (and an archive
#: checked for being due).
SEAL_CHECK_SECONDS = 5.0
#: How often records past their retention period are looked for (and once at start).
REMOVAL_EVERY_SECONDS = 3600.0
#: Monitoring records are written in batches, at most this long after the message.
MONITORING_FLUSH_SECONDS = 0.5
MAX_OPENAPI_BYTES = 1024 * 1024
_OPMON = OpMonitoringRecord.__table__  # type: ignore[attr-defined]
_OPMON_COLUMNS = tuple(c.name for c in _OPMON.columns if c.name != "id")


def remove_monitoring_before(
    database: Database, before: datetime, batch: int = messagelog.REMOVE_BATCH
) -> int:
    """Delete the monitoring records of requests that came in before ``before``, ``batch`` per
    transaction; how many went."""
    cutoff_ms = int(before.timestamp() * 1000)
    oldest = (
        select(_OPMON.c.id)
        .where(_OPMON.c.request_in_ts < cutoff_ms)
        .order_by(_OPMON.c.id)
        .limit(batch)
    )
    removed = 0
    while True:
        with database.engine.begin() as connection:
            count = connection.execute(
                _OPMON.delete().where(_OPMON.c.id.in_(oldest.scalar_subquery()))
            ).rowcount
        removed += count
        if count < batch:
            return removed


def catalogue_path(settings: SecurityServerSettings) -> Path | None:
    """The configured catalogue, or the packaged one for this member (None: none packaged)."""
    if settings.catalogue is not None:
        return settings.catalogue
    packaged = (
        resources.files("securityserver")
        / "catalogues"
        / (settings.member.replace("/", "-") + ".toml")
    )
    return Path(str(packaged)) if packaged.is_file() else None


def load_catalogue(settings: SecurityServerSettings) -> catalogues.Catalogue:
    member = ClientId(settings.exchange_instance, *settings.member.split("/"))
    path = catalogue_path(settings)
    # Every URL setting ({residence_url}, {portal_url}, …) can be a placeholder, and so can
    # every other kit service's URL ({library_url} from KIT_LIBRARY_URL).
    urls = {f"{name}_url": url for name, url in settings.service_urls.items()}
    urls.update(
        (name, getattr(settings, name))
        for name in type(settings).model_fields
        if name.endswith("_url")
    )
    text = path.read_text(encoding="utf-8") if path is not None else ""
    try:
        return catalogues.parse(text, member=member, urls=urls)
    except catalogues.CatalogueError as exc:
        raise catalogues.CatalogueError(f"{path}: {exc}") from None


class Runtime:
    """One process's security server (thread-safe)."""

    def __init__(
        self,
        settings: SecurityServerSettings,
        database: Database,
        *,
        signing: MemberKeys,
        tls: MemberKeys,
        confs: GlobalConfCache,
        catalogue: catalogues.Catalogue,
        provider_http: urllib3.PoolManager | None = None,
        peers: Peers | None = None,
        background: bool = True,
    ) -> None:
        self.settings = settings
        self.database = database
        self.signing = signing
        self.tls = tls
        self.confs = confs
        self.catalogue = catalogue
        self.member = ClientId(settings.exchange_instance, *settings.member.split("/"))
        #: The member as global configuration names it (``GOV/DA``).
        self.member_key = settings.member
        self.server_code = settings.server_code
        self.roots: tuple[x509.Certificate, ...] = (signing.root,)
        self.max_body = settings.messagelog_max_body_bytes
        self.log_settings = MessageLogSettings.from_settings(settings)
        self.provider_http = provider_http or forwarding.provider_session()
        token = settings.information_system_token
        #: Shared with the member's information systems: they send it with every call (None:
        #: X-Road's connection type HTTP, any caller accepted) and it goes to them with every
        #: forwarded request (govkit.exchange.provider).
        self.information_system_token = token.get_secret_value() if token else None
        if self.information_system_token is None:
            log.warning(
                "no information system token (SECURITYSERVER_INFORMATION_SYSTEM_TOKEN): any "
                "caller that reaches this server may call as its member's subsystems"
            )
        self.to_information_systems: tuple[tuple[str, str], ...] = (
            ((INFORMATION_SYSTEM_TOKEN, self.information_system_token),)
            if self.information_system_token
            else ()
        )
        self.peers = peers or Peers(tls.chain_path, tls.key_path)
        self.log = log
        self._monitoring: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._log_writer = LogWriter(database, self.log_settings, self.now)
        self._threads: list[threading.Thread] = []
        if background:
            self._start(self._flush_monitoring_loop, "opmon-writer")
            self._start(self._housekeeping_loop, "messagelog-housekeeping")

    # -- clock --------------------------------------------------------------------------------

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    @staticmethod
    def millis() -> int:
        return time.time_ns() // 1_000_000

    # -- collaborators the proxy calls ------------------------------------------------------------

    def timeout_for(self, _service: ServiceId) -> float:
        """How long the consumer waits for a provider (its own timeout is the provider's)."""
        return self.settings.exchange_timeout

    def append_log(self, message: Message) -> None:
        """Log one message before it goes on; a log that cannot be written stops the message."""
        try:
            # Concurrent messages share one commit; one transaction at a time per process, so
            # threads never spin on SQLite's busy handler (steps of up to 100 ms) for the head.
            self._log_writer.append(message)
        except SQLAlchemyError as exc:
            log.error("message log write failed", extra={"error": type(exc).__name__})
            code = (
                FaultCode.CLIENT_PROXY_LOGGING_FAILED
                if message.side is Side.CONSUMER
                else FaultCode.SERVER_PROXY_INTERNAL_ERROR.sub("LoggingFailed")
            )
            raise ExchangeError(
                code, "The message could not be written to the message log"
            ) from None

    def forward(
        self,
        service: catalogues.OfferedService,
        *,
        method: str,
        raw_service_path: str,
        raw_query: str | None,
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> forwarding.ProviderAnswer:
        return forwarding.forward(
            self.provider_http,
            service,
            method=method,
            raw_service_path=raw_service_path,
            raw_query=raw_query,
            headers=[*headers, *self.to_information_systems],
            body=body,
            max_body=self.max_body,
        )

    def fetch_openapi(self, service: catalogues.OfferedService) -> Any:
        try:
            answer = self.provider_http.request(
                "GET",
                service.openapi_url or "",
                headers=dict(self.to_information_systems),
                redirect=False,
                timeout=urllib3.Timeout(connect=3.0, read=service.timeout),
                preload_content=False,
            )
            try:
                content = answer.read(MAX_OPENAPI_BYTES + 1)
            finally:
                answer.release_conn()
            if answer.status != 200 or len(content) > MAX_OPENAPI_BYTES:
                raise ValueError(f"answered {answer.status}")
            return json.loads(content)
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            raise ExchangeError(
                FaultCode.SERVER_PROXY_INTERNAL_ERROR,
                f"The OpenAPI description of {service.id} could not be fetched ({exc})",
            ) from None

    def record_monitoring(self, side: str, request_in_ts: int, fields: Mapping[str, Any]) -> None:
        """Queue one record; a background thread writes them in batches (xroad.md §4.2: the
        proxy buffers records for the monitoring daemon)."""
        row = dict.fromkeys(_OPMON_COLUMNS)
        row.update((k, v) for k, v in fields.items() if k in row)
        row.update(side=side, request_in_ts=request_in_ts, succeeded=bool(row["succeeded"]))
        self._monitoring.put(row)

    # -- background work ----------------------------------------------------------------------

    def _start(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def flush_monitoring(self) -> int:
        """Write the waiting monitoring records (one transaction); how many were written."""
        batch = []
        while True:
            try:
                batch.append(self._monitoring.get_nowait())
            except queue.Empty:
                break
        if batch:
            try:
                with self.database.engine.begin() as connection:
                    connection.execute(_OPMON.insert(), batch)
            except SQLAlchemyError as exc:
                log.warning(
                    "monitoring records lost", extra={"count": len(batch), "error": str(exc)[:200]}
                )
        return len(batch)

    def _flush_monitoring_loop(self) -> None:
        while not self._stop.wait(MONITORING_FLUSH_SECONDS):
            self.flush_monitoring()

    def archive_if_due(self, now: datetime) -> ArchiveExport | None:
        """Write the sealed records to ``<data dir>/archives`` when the archive is due."""
        with self.database.session() as session:
            if not archive_due(session, now, self.log_settings):
                return None
            export = export_archive(session, self.settings.data_dir / "archives", now)
        if export is not None:
            log.info(
                "message log archived",
                extra={
                    "archive": export.path.name,
                    "first_number": export.first_number,
                    "last_number": export.last_number,
                },
            )
        return export

    def remove_expired(self, now: datetime) -> tuple[int, int]:
        """Remove archived log records and monitoring records past their retention periods;
        how many of each."""
        with self.database.session() as session:
            records = messagelog.remove_archived(session, now, self.log_settings)
        monitoring = remove_monitoring_before(
            self.database, now - timedelta(days=self.settings.opmon_keep_records_days)
        )
        if records or monitoring:
            log.info(
                "old records removed",
                extra={"messagelog_records": records, "monitoring_records": monitoring},
            )
        return records, monitoring

    def _housekeeping_loop(self) -> None:
        """Seal every few seconds; archive when due; remove expired records hourly. A failed
        step is logged and tried again on a later round; nothing is dropped by a failure."""
        stamper = TsaTimestamper(f"{self.settings.trust_url}/tsa")
        next_removal = time.monotonic()
        while not self._stop.wait(SEAL_CHECK_SECONDS):
            now = self.now()
            try:
                with self.database.session() as session:
                    messagelog.seal_pending(session, stamper, now, self.log_settings)
                self.archive_if_due(now)
                if time.monotonic() >= next_removal:
                    next_removal = time.monotonic() + REMOVAL_EVERY_SECONDS
                    self.remove_expired(now)
            except Exception as exc:  # noqa: BLE001 - a failed round is tried again next round
                log.warning("message log housekeeping failed", extra={"error": str(exc)[:200]})

    def close(self) -> None:
        self._stop.set()
        self.flush_monitoring()
        self.peers.close()
        self.provider_http.close()


def build_runtime(settings: SecurityServerSettings, database: Database) -> Runtime:
    """The runtime from the prepared data folder; raises with a message saying what is missing."""
    signing = load_signing_keys(settings)
    tls = load_tls_keys(settings)
    anchor = read_anchor(settings.data_dir)
    confs = GlobalConfCache(
        settings.central_url,
        anchor,
        instance=settings.exchange_instance,
        http=kit_session(settings, user_agent="madoguchi-securityserver"),
    )
    return Runtime(
        settings,
        database,
        signing=signing,
        tls=tls,
        confs=confs,
        catalogue=load_catalogue(settings),
    )
