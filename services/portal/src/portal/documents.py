"""The portal's document machinery, built once per app from its settings.

* its seal identity (made by ``kit prepare``: a key in ``<data>/seal`` certified by the trust
  service) and the issuing pipeline around it;
* the trust list store (root pinned in ``<data>/trust``) used to verify any kit document;
* the status source that asks issuers whether a document is still current.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from govkit.certificates.issuer import (
    DocumentIssuer,
    SealIdentity,
    load_or_provision_seal,
)
from govkit.certificates.keys import load_pem_chain, load_private_key
from govkit.certificates.render import Renderer
from govkit.certificates.trustlist import TrustListStore
from govkit.certificates.verify import HttpStatusSource
from portal.settings import PortalSettings

SEAL_NAME = "デジタル庁 見本証明書 (Madoguchi specimen)"
_EXTENSION = "portal.documents"


class SealMissing(RuntimeError):
    """The portal has no seal yet: `kit prepare portal` (or `make up`) obtains one."""


def seal_folder(settings: PortalSettings) -> Path:
    return settings.data_dir / "seal"


def provision_seal(settings: PortalSettings, *, rotate: bool = False) -> tuple[SealIdentity, bool]:
    if settings.trust_ra_token is None:
        raise SealMissing("no registration token (KIT_TRUST_RA_TOKEN) to obtain a seal with")
    return load_or_provision_seal(
        seal_folder(settings),
        trust_url=settings.trust_url,
        ra_token=settings.trust_ra_token.get_secret_value(),
        holder=settings.seal_holder,
        name=SEAL_NAME,
        rotate=rotate,
    )


class PortalDocuments:
    def __init__(self, settings: PortalSettings) -> None:
        self.settings = settings
        self.trust = TrustListStore(settings.data_dir / "trust", settings.trust_url)
        self.status_source = HttpStatusSource(
            (
                settings.service_url(name)
                for name in ("portal", "residence", "childcare", "company", "pension", "trust")
            ),
            # An answer signed with a seal newer than the cached list: the list is fetched
            # again (spaced at least half a second), so status is still checked after a rotation.
            newer_list=lambda: self.trust.refreshed(datetime.now(UTC)),
        )
        self._lock = threading.Lock()
        self._issuer: DocumentIssuer | None = None
        self._seal_version = 0
        self._renderer: Renderer | None = None

    def can_issue(self) -> bool:
        """Whether this portal has a seal (obtained by `kit prepare portal`)."""
        folder = seal_folder(self.settings)
        return (folder / "seal-key.pem").exists() and (folder / "seal-chain.pem").exists()

    def identity(self) -> SealIdentity:
        return self.issuer().identity

    def issuer(self) -> DocumentIssuer:
        """The issuing pipeline; reloaded when the seal files change (``kit rotate-seal``)."""
        folder = seal_folder(self.settings)
        key_path, chain_path = folder / "seal-key.pem", folder / "seal-chain.pem"
        with self._lock:
            if not (key_path.exists() and chain_path.exists()):
                raise SealMissing(f"no seal in {folder}: run `kit prepare portal`")
            version = chain_path.stat().st_mtime_ns
            if self._issuer is None or version != self._seal_version:
                self._seal_version = version
                chain = load_pem_chain(chain_path.read_bytes())
                identity = SealIdentity(load_private_key(key_path), chain[0], tuple(chain[1:]))
                self._renderer = self._renderer or Renderer()
                self._issuer = DocumentIssuer(
                    identity=identity,
                    member=self.settings.seal_holder,
                    issuer_name_ja="デジタル庁（窓口キット）",
                    issuer_name_en="Digital Agency (Madoguchi kit)",
                    signatory_ja="デジタル庁 窓口見本証明書発行者",
                    signatory_en="Specimen issuer, Digital Agency",
                    seal_text="見本之印",
                    tsa_url=f"{self.settings.trust_url}/tsa",
                    renderer=self._renderer,
                )
            return self._issuer


def init_app(app: object, settings: PortalSettings) -> PortalDocuments:
    documents = PortalDocuments(settings)
    app.extensions[_EXTENSION] = documents  # type: ignore[attr-defined]
    return documents


def documents() -> PortalDocuments:
    return current_app.extensions[_EXTENSION]
