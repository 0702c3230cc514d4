"""PAdES B-LTA sealing with an agency's ECDSA seal certificate (pyHanko).

Two incremental revisions, in one pass of pyHanko's signer:

1. the seal: a PAdES signature (``ETSI.CAdES.detached``) in a field placed over the 公印 the last
   page already shows, with a signature timestamp from the kit TSA (B-T);
2. the DSS — certificates, OCSP responses and CRLs for the whole chain of the seal and of the
   TSA (B-LT) — together with a document timestamp over everything (B-LTA), the last revision,
   so it covers the whole file. The TSA's revocation data is already in that DSS, so no
   further update follows the timestamp (pyHanko would otherwise add one, and the document
   timestamp would no longer cover the whole file). No VRI dictionaries: PAdES has made them
   optional and PDF 2.0 deprecates them.

Levers that keep this fast in a long-running worker: the key is parsed once; one keep-alive HTTP
session per thread for the TSA; ``bytes_reserved`` (no dry-run signature); revocation
information fetched once and reused while it is fresh (a validation context per thread, renewed
every few minutes, well inside the OCSP validity); one pass, not sign → re-read → DSS →
timestamp (the re-read alone cost 20 ms a document).
"""

from __future__ import annotations

import dataclasses
import io
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PdfSignatureMetadata,
    PdfSigner,
    TimestampDSSContentSettings,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers
from pyhanko.stamp.static import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

from govkit.certificates.keys import der

SEAL_FIELD = "KitSeal"
BYTES_RESERVED = 16384
MM = 72 / 25.4

log = logging.getLogger(__name__)


class SealingError(RuntimeError):
    """The document could not be sealed (TSA, OCSP or CRL unreachable, seal revoked…)."""


def as_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der(certificate))


@dataclass(frozen=True)
class SealBox:
    """Where the 公印 is printed, in millimetres from the top-left corner of an A4 page."""

    left: float
    top: float
    width: float
    height: float
    page_height: float = 297.0

    def pdf_rect(self) -> tuple[float, float, float, float]:
        """The same box in PDF points, origin bottom-left."""
        x1 = self.left * MM
        y1 = (self.page_height - self.top - self.height) * MM
        return (x1, y1, x1 + self.width * MM, y1 + self.height * MM)


class KeepAliveTimeStamper(TimeStamper):
    """RFC 3161 over HTTP with one keep-alive session per thread."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        super().__init__()
        self.url = url
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            response = self._session().post(
                self.url, req.dump(), headers=set_tsp_headers({}), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise TimestampRequestError("the timestamp authority is unreachable") from exc
        if response.headers.get("Content-Type") != "application/timestamp-reply":
            raise TimestampRequestError("the timestamp authority answered something else")
        return tsp.TimeStampResp.load(response.content)


class Sealer:
    """Seals PDFs for one agency: its key, its certificate chain, the kit TSA and roots."""

    def __init__(
        self,
        *,
        key: ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate],
        trust_roots: Sequence[x509.Certificate],
        tsa_url: str,
        box: SealBox,
        reason: str,
        location: str,
        revinfo_reuse_seconds: float = 300.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        private = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self._signer = signers.SimpleSigner(
            signing_cert=as_asn1(certificate),
            signing_key=private,
            cert_registry=SimpleCertificateStore.from_certs([as_asn1(c) for c in chain]),
        )
        self._roots = [as_asn1(r) for r in trust_roots]
        self._timestamper = KeepAliveTimeStamper(tsa_url)
        self._box = box
        rect = box.pdf_rect()
        # The 公印 is drawn on the page; the widget over it must not hide it, nor bring a font.
        self._stamp = StaticStampStyle(
            border_width=0,
            background=RawContent(b"", box=BoxConstraints(rect[2] - rect[0], rect[3] - rect[1])),
        )
        self._metadata = PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
            embed_validation_info=True,
            use_pades_lta=True,
            dss_settings=DSSContentSettings(
                include_vri=False,
                next_ts_settings=TimestampDSSContentSettings(
                    include_vri=False, update_before_ts=True
                ),
            ),
        )
        self._revinfo_reuse = revinfo_reuse_seconds
        self._clock = clock
        self._local = threading.local()

    def _validation_context(self) -> ValidationContext:
        """A context for this moment, whose fetchers (one per thread) reuse the OCSP
        responses and CRLs they fetched for a while.

        Revocation data stamped after the moment of the context is accepted
        (``retroactive_revinfo``): the trust service's clock may run ahead of this host's, and
        on a busy machine its answer may come more than a second after the context was made.
        With pyHanko's default either made the OCSP response "too recent" and the seal failed
        (a test agency whose clock runs 30 s behind shows it). The context is still new for
        every seal; only its fetchers' cache is kept."""
        created = getattr(self._local, "created", 0.0)
        if time.monotonic() - created > self._revinfo_reuse:
            self._local.fetchers = RequestsFetcherBackend().get_fetchers()
            self._local.created = time.monotonic()
        return ValidationContext(
            trust_roots=self._roots,
            allow_fetching=True,
            revocation_mode="hard-fail",
            retroactive_revinfo=True,
            moment=self._clock(),
            fetchers=self._local.fetchers,
        )

    def seal(self, pdf: bytes) -> bytes:
        """Return ``pdf`` sealed at PAdES B-LTA."""
        try:
            signer = PdfSigner(
                dataclasses.replace(self._metadata, validation_context=self._validation_context()),
                signer=self._signer,
                timestamper=self._timestamper,
                new_field_spec=SigFieldSpec(SEAL_FIELD, on_page=-1, box=self._box.pdf_rect()),
                stamp_style=self._stamp,
            )
            sealed = signer.sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf)),
                bytes_reserved=BYTES_RESERVED,
                output=io.BytesIO(),
            )
        except Exception as exc:
            # Drop the cached revocation data: the next attempt fetches it afresh.
            self._local.created = 0.0
            # The caller shows the citizen a plain "try again later"; the cause goes to the log.
            log.warning("sealing failed: %s: %s", type(exc).__name__, exc)
            raise SealingError(f"sealing failed: {exc}") from exc
        return sealed.getvalue()
