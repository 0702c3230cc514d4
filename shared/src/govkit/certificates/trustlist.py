"""The kit trust list: which keys may seal documents, and when.

The trust service publishes a signed list (compact JWS, ``x5c`` chain to the kit root) of its
authorities, its TSA and every issuer seal key with its history: valid from, withdrawn at
(rotation: later documents use a newer key, earlier ones stay valid) and revoked at (the key must
not be trusted from then on). Verifiers pin the root once and keep the last list they fetched,
so checking a document works offline.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.certificates import jose
from govkit.certificates.keys import der, key_id, load_pem_chain, pem

log = logging.getLogger(__name__)

TRUST_LIST_TYPE = "madoguchi-trust-list+jwt"


class TrustListError(RuntimeError):
    """No usable trust list: none cached and the trust service unreachable, or a bad one."""


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    if not isinstance(text, str):
        raise TypeError(f"{text!r} is not an ISO 8601 moment")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:  # would fail later, comparing with aware moments
        raise ValueError(f"{text} has no time zone")
    return moment


def _required(text: str) -> datetime:
    moment = _when(text)
    if moment is None:
        raise ValueError("a required moment is missing")
    return moment


@dataclass(frozen=True)
class IssuerKey:
    holder: str
    subject: str
    kid: str
    certificate: x509.Certificate
    valid_from: datetime
    valid_until: datetime
    withdrawn_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str | None

    def problem_at(self, moment: datetime) -> str | None:
        """Why the key could not seal a document at ``moment`` (``None`` if it could)."""
        if self.revoked_at is not None and moment >= self.revoked_at:
            return "key-revoked"
        if moment < self.valid_from or moment > self.valid_until:
            return "key-not-valid-then"
        if self.withdrawn_at is not None and moment >= self.withdrawn_at:
            return "key-withdrawn"
        return None


@dataclass(frozen=True)
class TrustList:
    token: str
    root: x509.Certificate
    issued_at: datetime
    next_update: datetime
    sequence: int
    authorities: dict[str, x509.Certificate]
    timestamping: tuple[x509.Certificate, ...]
    issuers: tuple[IssuerKey, ...]

    @classmethod
    def parse(cls, token: str, root: x509.Certificate, at: datetime | None = None) -> TrustList:
        try:
            payload, chain = jose.verify(token, [root], at=at, typ=TRUST_LIST_TYPE)
        except jose.SignatureError as exc:
            raise TrustListError(f"the trust list is not signed by the kit: {exc}") from exc
        if len(chain) < 2 or chain[0].issuer != root.subject:
            raise TrustListError("the trust list must be signed by a key the root certified")

        def load(text: str) -> x509.Certificate:
            return x509.load_der_x509_certificate(base64.b64decode(text))

        try:
            issuers = tuple(
                IssuerKey(
                    holder=item["holder"],
                    subject=item["subject"],
                    kid=item["kid"],
                    certificate=load(item["certificate"]),
                    valid_from=_required(item["valid_from"]),
                    valid_until=_required(item["valid_until"]),
                    withdrawn_at=_when(item.get("withdrawn_at")),
                    revoked_at=_when(item.get("revoked_at")),
                    revocation_reason=item.get("revocation_reason"),
                )
                for item in payload["issuers"]
            )
            return cls(
                token=token,
                root=root,
                issued_at=_required(payload["issued_at"]),
                next_update=_required(payload["next_update"]),
                sequence=int(payload["sequence"]),
                authorities={a["name"]: load(a["certificate"]) for a in payload["authorities"]},
                timestamping=tuple(load(t["certificate"]) for t in payload["timestamping"]),
                issuers=issuers,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TrustListError("the trust list is malformed") from exc

    def issuer_for(self, certificate: x509.Certificate) -> IssuerKey | None:
        kid = key_id(certificate)
        return next(
            (k for k in self.issuers if k.kid == kid and der(k.certificate) == der(certificate)),
            None,
        )

    def issuer_by_kid(self, kid: str) -> IssuerKey | None:
        return next((k for k in self.issuers if k.kid == kid), None)

    def qr_keys(self) -> dict[str, ec.EllipticCurvePublicKey]:
        keys: dict[str, ec.EllipticCurvePublicKey] = {}
        for issuer in self.issuers:
            public = issuer.certificate.public_key()
            if isinstance(public, ec.EllipticCurvePublicKey):
                keys[issuer.kid] = public
        return keys

    def intermediates(self) -> list[x509.Certificate]:
        return [c for name, c in self.authorities.items() if name != "root"]


NEWER_SPACING = 0.5  # seconds between fetches for documents newer than the list


class TrustListStore:
    """The pinned root and the last trust list, on disk, refreshed from the trust service.

    ``current()`` answers from memory while the list is younger than ``max_age`` seconds, then
    tries the trust service; if that fails it keeps using the last good list (offline use).
    """

    def __init__(self, folder: Path, trust_url: str | None, max_age: float = 60.0) -> None:
        self.folder = folder
        self.trust_url = trust_url.rstrip("/") if trust_url else None
        self.max_age = max_age
        self._lock = threading.Lock()
        self._cached: TrustList | None = None
        self._fetched_at = 0.0

    @property
    def root_path(self) -> Path:
        return self.folder / "root.pem"

    @property
    def list_path(self) -> Path:
        return self.folder / "trust-list.jwt"

    def root(self) -> x509.Certificate:
        """The pinned kit root, fetched from the trust service once (trust on first use)."""
        if self.root_path.exists():
            return load_pem_chain(self.root_path.read_bytes())[0]
        if self.trust_url is None:
            raise TrustListError(f"no pinned kit root at {self.root_path}")
        response = self._get(f"{self.trust_url}/pki/root.pem")
        root = load_pem_chain(response.content)[0]
        self.folder.mkdir(parents=True, exist_ok=True)
        self.root_path.write_text(pem(root), encoding="ascii")
        return root

    def _get(self, url: str) -> requests.Response:
        try:
            response = requests.get(url, timeout=5)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise TrustListError(f"the trust service is unreachable ({url})") from exc
        return response

    def refresh(self) -> TrustList:
        if self.trust_url is None:
            raise TrustListError("no trust service to refresh from")
        token = self._get(f"{self.trust_url}/trust-list").text
        trust_list = TrustList.parse(token, self.root())
        self.folder.mkdir(parents=True, exist_ok=True)
        self.list_path.write_text(token, encoding="ascii")
        self._cached, self._fetched_at = trust_list, time.monotonic()
        return trust_list

    def refreshed(
        self, sealed_at: datetime | None = None, min_interval: float = 5.0
    ) -> TrustList | None:
        """A freshly fetched list, for a key the cached list does not know (a new seal).

        A document sealed after the cached list was issued (``sealed_at`` comes from a
        timestamp already validated against the kit root) may carry a key registered since:
        the list is fetched again, fetches spaced at least ``NEWER_SPACING`` seconds apart (a
        request that comes sooner waits out the rest, outside the lock, rather than being
        told the issuer is unknown). Anything else (older documents, QR texts) triggers a
        fetch at most every ``min_interval`` seconds, so nobody can make the portal fetch on
        demand.
        """
        if self.trust_url is None:
            return None
        with self._lock:
            asked_at = time.monotonic()
            since = asked_at - self._fetched_at
            newer = (
                sealed_at is not None
                and self._cached is not None
                # Timestamps are whole seconds (accuracy 1 s): compare with that margin.
                and sealed_at + timedelta(seconds=1) >= self._cached.issued_at
            )
            if not newer and since < min_interval:
                log.info(
                    "trust list not fetched again yet",
                    extra={"seconds_since_fetch": round(since, 2), "sealed_after_list": False},
                )
                return None
        wait = NEWER_SPACING - since if newer else 0.0
        if wait > 0:
            time.sleep(wait)
        with self._lock:
            if self._cached is not None and self._fetched_at > asked_at:
                return self._cached  # fetched by another request after this one asked
            try:
                return self.refresh()
            except TrustListError as exc:
                log.warning("trust list could not be fetched again", extra={"error": str(exc)})
                return None

    def current(self) -> TrustList:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._fetched_at < self.max_age:
                return self._cached
            if self.trust_url is not None:
                try:
                    return self.refresh()
                except TrustListError:
                    if self._cached is not None:
                        return self._cached
            if self.list_path.exists():
                self._cached = TrustList.parse(self.list_path.read_text("ascii"), self.root())
                self._fetched_at = time.monotonic()
                return self._cached
            raise TrustListError(
                f"no cached trust list at {self.list_path} and the trust service is unreachable"
            )
