"""An issuing agency's seal and pipeline, kept in its data folder.

``kit prepare <service>`` obtains the seal (a key made in ``<data>/seal``, certified by the trust
service's registration authority); the running service builds its :class:`DocumentIssuer` from
those files once and rebuilds it when they change (``kit rotate-seal``). One
:class:`AgencySeal` per app; thread-safe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from govkit.certificates.issuer import DocumentIssuer, SealIdentity, load_or_provision_seal
from govkit.certificates.keys import load_pem_chain, load_private_key
from govkit.certificates.render import Renderer


class SealMissing(RuntimeError):
    """The service has no seal yet: ``kit prepare <service>`` (or ``make up``) obtains one."""


@dataclass(frozen=True)
class AgencyNames:
    """How an agency names itself on its documents."""

    member: str  # the exchange member, e.g. ``GOV/LG-139998``
    certificate_name: str  # the seal certificate's subject common name
    issuer_ja: str
    issuer_en: str
    signatory_ja: str
    signatory_en: str
    seal_text: str  # the characters of the visible 公印


class AgencySeal:
    def __init__(
        self,
        folder: Path,
        names: AgencyNames,
        *,
        trust_url: str,
        ra_token: str | None,
        renderer: Renderer | None = None,
    ) -> None:
        self.folder = folder
        self.names = names
        self.trust_url = trust_url
        self.ra_token = ra_token
        self._renderer = renderer
        self._lock = threading.Lock()
        self._issuer: DocumentIssuer | None = None
        self._version = 0

    @property
    def key_path(self) -> Path:
        return self.folder / "seal-key.pem"

    @property
    def chain_path(self) -> Path:
        return self.folder / "seal-chain.pem"

    def provision(self, *, rotate: bool = False) -> tuple[SealIdentity, bool]:
        """Obtain the seal (once; a new key when ``rotate``); whether a new one was made."""
        if self.ra_token is None:
            raise SealMissing("no registration token (KIT_TRUST_RA_TOKEN) to obtain a seal with")
        return load_or_provision_seal(
            self.folder,
            trust_url=self.trust_url,
            ra_token=self.ra_token,
            holder=self.names.member,
            name=self.names.certificate_name,
            rotate=rotate,
        )

    def can_issue(self) -> bool:
        return self.key_path.exists() and self.chain_path.exists()

    def identity(self) -> SealIdentity:
        return self.issuer().identity

    def issuer(self) -> DocumentIssuer:
        """The issuing pipeline; rebuilt when the seal files change."""
        with self._lock:
            if not self.can_issue():
                raise SealMissing(f"no seal in {self.folder}: run `kit prepare`")
            version = self.chain_path.stat().st_mtime_ns
            if self._issuer is None or version != self._version:
                chain = load_pem_chain(self.chain_path.read_bytes())
                identity = SealIdentity(load_private_key(self.key_path), chain[0], tuple(chain[1:]))
                self._renderer = self._renderer or Renderer()
                names = self.names
                self._issuer = DocumentIssuer(
                    identity=identity,
                    member=names.member,
                    issuer_name_ja=names.issuer_ja,
                    issuer_name_en=names.issuer_en,
                    signatory_ja=names.signatory_ja,
                    signatory_en=names.signatory_en,
                    seal_text=names.seal_text,
                    tsa_url=f"{self.trust_url}/tsa",
                    renderer=self._renderer,
                )
                self._version = version
            return self._issuer
