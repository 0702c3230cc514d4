"""ID-token signing keys: published as ``next``, signing as ``current``, then ``retired``.

Rotation follows the rule relying parties depend on: a key appears in the JWKS at least
``PUBLISH_LEAD`` before anything is signed with it (longer than the JWKS cache lifetime), and a
retired key stays published until every token it signed has expired. Exactly one key per
algorithm signs, and every token header names it with ``kid`` (never a random pick from a set).

Each worker keeps the keys it parsed and the JWKS it serialised for ``CACHE_SECONDS``; a
rotation reaches every worker within that time, which the publish lead covers.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from joserfc.jwk import ECKey, RSAKey
from sqlmodel import Session, col, select

from govkit.db import Database
from idp.models import SigningKey
from idp.settings import IdpSettings

ALGORITHMS = ("RS256", "ES256")
DEFAULT_ALGORITHM = "RS256"
#: How long a worker trusts what it read from the database.
CACHE_SECONDS = 30
#: JWKS ``Cache-Control: max-age``; relying parties refetch on an unknown ``kid`` anyway.
JWKS_MAX_AGE = 60
#: A next key is published at least this long before it signs.
PUBLISH_LEAD = timedelta(seconds=2 * JWKS_MAX_AGE)

Key = RSAKey | ECKey


def _generate(alg: str, kid: str) -> Key:
    parameters = {"kid": kid, "alg": alg, "use": "sig"}
    if alg == "RS256":
        return RSAKey.generate_key(2048, parameters=parameters, private=True)
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters, private=True)
    raise ValueError(f"unsupported signing algorithm {alg!r}")


def _new_row(alg: str, status: str, now: datetime) -> SigningKey:
    kid = f"{alg.lower()}-{now:%Y%m%d}-{secrets.token_hex(4)}"
    key = _generate(alg, kid)
    pem = key.as_pem(private=True).decode("ascii")
    return SigningKey(
        kid=kid,
        alg=alg,
        private_pem=pem,
        status=status,
        created_at=now,
        activated_at=now if status == "current" else None,
    )


def ensure_keys(session: Session, now: datetime) -> list[str]:
    """Give every algorithm a current and a next key (first start); returns what it made."""
    made = []
    rows = session.exec(select(SigningKey).where(col(SigningKey.status).in_(("current", "next"))))
    have = {(row.alg, row.status) for row in rows}
    for alg in ALGORITHMS:
        for status in ("current", "next"):
            if (alg, status) not in have:
                row = _new_row(alg, status, now)
                session.add(row)
                made.append(f"{status} {alg} key {row.kid}")
    session.commit()
    return made


@dataclass(frozen=True)
class RotationReport:
    activated: list[str]
    retired: list[str]
    published: list[str]
    dropped: list[str]
    waiting: list[str]


def rotate(
    session: Session,
    now: datetime,
    *,
    retire_grace: timedelta,
    due_after: timedelta | None = None,
) -> RotationReport:
    """Promote each next key that has been published long enough; publish a new next key.

    With ``due_after``, only keys that have been signing for at least that long are replaced
    (the schedule); without it, every algorithm's key is (an operator's forced rotation).
    The key it replaces keeps being published for ``retire_grace`` (the longest token
    lifetime), then disappears from the JWKS.
    """
    ensure_keys(session, now)
    report = RotationReport([], [], [], [], [])
    for alg in ALGORITHMS:
        # Locked (PostgreSQL) so that two workers never rotate the same key twice.
        rows = session.exec(select(SigningKey).where(SigningKey.alg == alg).with_for_update()).all()
        current = next(r for r in rows if r.status == "current")
        upcoming = next(r for r in rows if r.status == "next")
        signing_since = current.activated_at or current.created_at
        if due_after is not None and now - signing_since < due_after:
            continue
        if now - upcoming.created_at < PUBLISH_LEAD:
            report.waiting.append(
                f"{alg}: next key {upcoming.kid} is published for less than "
                f"{int(PUBLISH_LEAD.total_seconds())} s"
            )
            continue
        current.status, current.retired_at = "retired", now
        current.drop_after = now + retire_grace
        upcoming.status, upcoming.activated_at = "current", now
        fresh = _new_row(alg, "next", now)
        session.add_all([current, upcoming, fresh])
        report.retired.append(current.kid)
        report.activated.append(upcoming.kid)
        report.published.append(fresh.kid)
    report.dropped.extend(drop_expired(session, now))
    session.commit()
    return report


def describe(report: RotationReport) -> list[str]:
    """What a rotation did, in lines for ``make up`` and the log (empty: nothing to do)."""
    lines = [f"signing key {kid} now signs" for kid in report.activated]
    lines += [
        f"signing key {kid} retired (published until its tokens expire)" for kid in report.retired
    ]
    lines += [f"signing key {kid} published as next" for kid in report.published]
    lines += [f"signing key {kid} dropped from the JWKS" for kid in report.dropped]
    return lines


def rotate_on_schedule(database: Database, settings: IdpSettings, now: datetime) -> list[str]:
    """The scheduled rotation (``IDP_KEY_ROTATION_INTERVAL``), in its own transaction."""
    with Session(database.engine) as session:
        report = rotate(
            session,
            now,
            retire_grace=timedelta(seconds=settings.key_retirement_grace),
            due_after=timedelta(seconds=settings.key_rotation_interval),
        )
    return describe(report)


def drop_expired(session: Session, now: datetime) -> list[str]:
    """Delete retired keys whose tokens have all expired (no commit)."""
    rows = session.exec(
        select(SigningKey).where(SigningKey.status == "retired", col(SigningKey.drop_after) <= now)
    ).all()
    for row in rows:
        session.delete(row)
    return [row.kid for row in rows]


@dataclass(frozen=True)
class KeyMaterial:
    signing: dict[str, Key]  # alg -> current private key
    jwks_body: bytes
    published: frozenset[str]  # kids in the JWKS


class KeyStore:
    """The keys as one worker sees them: parsed once, refreshed every ``CACHE_SECONDS``."""

    def __init__(self, database: Database, *, clock=time.monotonic) -> None:
        self._database = database
        self._clock = clock
        self._lock = threading.Lock()
        self._material: KeyMaterial | None = None
        self._loaded_at = 0.0

    def material(self) -> KeyMaterial:
        material = self._material
        if material is not None and self._clock() - self._loaded_at < CACHE_SECONDS:
            return material
        with self._lock:
            if self._material is None or self._clock() - self._loaded_at >= CACHE_SECONDS:
                self._material = self._load()
                self._loaded_at = self._clock()
            return self._material

    def invalidate(self) -> None:
        with self._lock:
            self._material = None

    def signing_key(self, alg: str) -> Key:
        try:
            return self.material().signing[alg]
        except KeyError:
            raise LookupError(f"no current {alg} signing key (run `kit prepare idp`)") from None

    def _load(self) -> KeyMaterial:
        with Session(self._database.engine) as session:
            rows = session.exec(select(SigningKey).order_by(col(SigningKey.created_at))).all()
        signing: dict[str, Key] = {}
        public = []
        now = datetime.now(UTC)
        for row in rows:
            if row.drop_after is not None and row.drop_after <= now:
                continue
            key_class = RSAKey if row.alg == "RS256" else ECKey
            params = {"kid": row.kid, "alg": row.alg, "use": "sig"}
            key = key_class.import_key(row.private_pem, parameters=params)
            if row.status == "current":
                signing[row.alg] = key
            public.append(key.as_dict(private=False))
        # The signing keys first: simple clients that take the first key get the right one.
        public.sort(key=lambda jwk: jwk["kid"] not in {k.kid for k in signing.values()})
        body = json.dumps({"keys": public}, separators=(",", ":")).encode()
        return KeyMaterial(signing, body, frozenset(jwk["kid"] for jwk in public))
