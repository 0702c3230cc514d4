"""Verdicts for a document, from its PDF or from its QR text.

VALID · TAMPERED · REVOKED · EXPIRED · UNTRUSTED ISSUER · NOT AN ISSUED DOCUMENT

The PDF path checks the seal from the file alone (offline): the signer is judged at the time
its signature timestamp proves, with the certificates, OCSP responses and CRLs embedded in the
DSS, and the document timestamp must still cover everything after it; any change beyond
signature maintenance (DSS, timestamps) is tampering. The signer must be an issuer key on the
kit trust list, usable at the time of sealing (rotation keeps old documents valid). Then the
issuer is asked for the document's current status when a status source is given.

Reasons are short codes; pages translate them.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from govkit.certificates import jose, qr
from govkit.certificates.keys import common_name
from govkit.certificates.status import STATUS_RESPONSE_TYPE, DocumentStatus
from govkit.certificates.trustlist import IssuerKey, TrustList

log = logging.getLogger(__name__)

MAX_PDF_BYTES = 10 * 1024 * 1024


class Verdict(StrEnum):
    VALID = "valid"
    TAMPERED = "tampered"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNTRUSTED_ISSUER = "untrusted-issuer"
    NOT_ISSUED = "not-issued"


@dataclass(frozen=True)
class StatusAnswer:
    status: DocumentStatus
    changed_at: datetime | None = None
    reason: str | None = None
    superseded_by: str | None = None


class StatusUnavailable(RuntimeError):
    """The issuer could not be asked (offline, down, or its answer was not trustworthy)."""


class StatusSource(Protocol):
    def lookup(self, url: str, issuer: IssuerKey, trust: TrustList) -> StatusAnswer | None:
        """The document's status at ``url``; ``None`` when the issuer does not know it."""


@dataclass(frozen=True)
class Result:
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    source: str = "pdf"
    document_id: str | None = None
    document_type: str | None = None
    issuer_member: str | None = None
    issuer_name_ja: str | None = None
    issuer_name_en: str | None = None
    issued_on: date | None = None
    valid_until: date | None = None
    sealed_at: datetime | None = None
    status: DocumentStatus | None = None
    status_checked: bool = False
    status_changed_at: datetime | None = None
    status_reason: str | None = None
    superseded_by: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, StrEnum):
                return value.value
            return value

        return {
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "source": self.source,
            "document_id": self.document_id,
            "document_type": self.document_type,
            "issuer": {"member": self.issuer_member, "name_ja": self.issuer_name_ja,
                       "name_en": self.issuer_name_en},
            "issued_on": plain(self.issued_on),
            "valid_until": plain(self.valid_until),
            "sealed_at": plain(self.sealed_at),
            "status": {"checked": self.status_checked, "value": plain(self.status),
                       "changed_at": plain(self.status_changed_at),
                       "reason": self.status_reason, "superseded_by": self.superseded_by},
        }  # fmt: skip


# -- status over HTTP ---------------------------------------------------------------------------


class HttpStatusSource:
    """Asks issuers for a document's status (a signed response), only at allowed origins."""

    def __init__(
        self,
        allowed_origins: Iterable[str] | None,
        timeout: float = 3.0,
        newer_list: Callable[[], TrustList | None] | None = None,
    ) -> None:
        """``allowed_origins`` ``None`` allows any http(s) origin (the address is sealed).

        ``newer_list`` gives a freshly fetched trust list when an answer is signed under the
        kit root by a key the caller's list does not name: issuers sign status answers with
        their current seal, which may be newer than the list (a rotation a moment ago).
        """
        self.allowed = None if allowed_origins is None else {_origin(o) for o in allowed_origins}
        self.timeout = timeout
        self.newer_list = newer_list
        self.session = requests.Session()

    def lookup(self, url: str, issuer: IssuerKey, trust: TrustList) -> StatusAnswer | None:
        if not url.startswith(("http://", "https://")) or (
            self.allowed is not None and _origin(url) not in self.allowed
        ):
            raise StatusUnavailable(f"status address outside the kit: {url}")
        try:
            response = self.session.get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise StatusUnavailable("the issuer could not be reached") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise StatusUnavailable(f"the issuer answered {response.status_code}")
        try:
            payload, chain = jose.verify(response.text, [trust.root], typ=STATUS_RESPONSE_TYPE)
        except jose.SignatureError as exc:
            raise StatusUnavailable(f"the status answer is not trustworthy: {exc}") from exc
        signer = trust.issuer_for(chain[0])
        if signer is None and self.newer_list is not None:
            newer = self.newer_list()
            signer = newer.issuer_for(chain[0]) if newer is not None else None
        if signer is None or signer.holder != issuer.holder:
            raise StatusUnavailable("the status answer is not signed by the document's issuer")
        try:
            return StatusAnswer(
                status=DocumentStatus(payload["status"]),
                changed_at=_when(payload.get("changed_at")),
                reason=payload.get("reason"),
                superseded_by=payload.get("superseded_by"),
            )
        except (KeyError, ValueError) as exc:
            raise StatusUnavailable("the status answer is malformed") from exc


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _when(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


# -- PDF ----------------------------------------------------------------------------------------


def _signature_time(signature: EmbeddedPdfSignature) -> datetime | None:
    attributes = signature.signer_info["unsigned_attrs"]
    if isinstance(attributes, core.Void):
        return None
    # Never ``.native`` here: it would decode the whole embedded token (tens of ms).
    for attribute in attributes:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            info = token["content"]["encap_content_info"]["content"].parsed
            moment = info["gen_time"].native
            return moment if isinstance(moment, datetime) else None
    return None


def _embedded_claims(reader: PdfFileReader) -> dict[str, Any] | None:
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return None
    for index in range(0, len(names) - 1, 2):
        if str(names[index]) != "claims.json":
            continue
        try:
            stream = names[index + 1].get_object()["/EF"]["/F"].get_object()
            data = stream.data if isinstance(stream, generic.StreamObject) else None
            claims = json.loads(data) if data else None
        except (KeyError, TypeError, ValueError):
            return None
        return claims if isinstance(claims, dict) else None
    return None


@dataclass(frozen=True)
class _Evidence:
    """What a validation may use: the kit's roots and certificates, and the PDF's DSS."""

    roots: list[asn1_x509.Certificate]
    certificates: list[asn1_x509.Certificate]
    ocsps: list[Any]
    crls: list[Any]

    @classmethod
    def gather(cls, reader: PdfFileReader, trust: TrustList) -> _Evidence:
        roots = [_asn1(trust.root)]
        certificates = [_asn1(c) for c in [*trust.intermediates(), *trust.timestamping]]
        if "/DSS" not in reader.root:
            return cls(roots, certificates, [], [])
        # Parse the DSS once; each validation below gets its own context from these lists.
        empty = DocumentSecurityStore.read_dss(reader).as_validation_context(
            {"trust_roots": roots, "allow_fetching": False}
        )
        return cls(
            roots,
            certificates + list(empty.certificate_registry),
            list(empty.ocsps),
            list(empty.crls),
        )

    def context(self, moment: datetime) -> ValidationContext:
        """Judge at ``moment`` from this evidence only: no fetching; revocation data must be
        present, and may have been issued after ``moment`` (it is, in B-LT files)."""
        return ValidationContext(
            trust_roots=self.roots,
            other_certs=self.certificates,
            ocsps=self.ocsps,
            crls=self.crls,
            allow_fetching=False,
            revocation_mode="hard-fail",
            retroactive_revinfo=True,
            moment=moment,
        )


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    from govkit.certificates.keys import der

    return asn1_x509.Certificate.load(der(certificate))


def _judge_seal(status: PdfSignatureStatus) -> tuple[Verdict, str] | None:
    if not status.intact or not status.valid:
        return Verdict.TAMPERED, "signature-broken"
    if str(status.coverage) not in ("SignatureCoverageLevel.ENTIRE_REVISION",
                                    "SignatureCoverageLevel.ENTIRE_FILE"):  # fmt: skip
        return Verdict.TAMPERED, "signature-broken"
    level = str(status.modification_level)
    if level not in ("ModificationLevel.NONE", "ModificationLevel.LTA_UPDATES") or (
        status.docmdp_ok is False
    ):
        return Verdict.TAMPERED, "modified-after-signing"
    if status.revoked:
        return Verdict.UNTRUSTED_ISSUER, "key-revoked"
    if not status.trusted:
        return Verdict.UNTRUSTED_ISSUER, "untrusted-chain"
    if status.timestamp_validity is None or not status.timestamp_validity.trusted:
        return Verdict.UNTRUSTED_ISSUER, "untrusted-timestamp"
    return None


def verify_pdf(
    data: bytes,
    *,
    trust: TrustList,
    status_source: StatusSource | None = None,
    today: date | None = None,
) -> Result:
    """Judge a PDF from its bytes (the trust list is the only outside input)."""
    if not data.strip():
        return Result(Verdict.NOT_ISSUED, ("empty",))
    if len(data) > MAX_PDF_BYTES:
        return Result(Verdict.NOT_ISSUED, ("too-large",))
    if not data.startswith(b"%PDF-"):
        return Result(Verdict.NOT_ISSUED, ("not-pdf",))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return Result(Verdict.NOT_ISSUED, ("encrypted",))
        embedded = reader.embedded_signatures
        signatures = [s for s in embedded if s.sig_object_type == "/Sig"]
    except Exception:
        log.info("unreadable PDF upload", exc_info=True)
        return Result(Verdict.NOT_ISSUED, ("damaged",))
    if not signatures:
        return Result(Verdict.NOT_ISSUED, ("no-signature",))
    try:
        return _verify_signed_pdf(reader, embedded, signatures[0], trust, status_source, today)
    except Exception:
        log.warning("could not validate a signed PDF", exc_info=True)
        return Result(Verdict.TAMPERED, ("signature-broken",))


def _verify_signed_pdf(
    reader: PdfFileReader,
    embedded: list[EmbeddedPdfSignature],
    signature: EmbeddedPdfSignature,
    trust: TrustList,
    status_source: StatusSource | None,
    today: date | None,
) -> Result:
    evidence = _Evidence.gather(reader, trust)
    sealed_at = _signature_time(signature) or datetime.now(UTC)
    at_sealing = evidence.context(sealed_at)
    status = validate_pdf_signature(signature, at_sealing, ts_validation_context=at_sealing)
    judged = _judge_seal(status)
    if judged is not None:
        return Result(judged[0], (judged[1],), sealed_at=sealed_at)
    stamps = [s for s in embedded if s.sig_object_type == "/DocTimeStamp"]
    for stamp in stamps:
        info = stamp.signed_data["encap_content_info"]["content"].parsed
        stamp_status = validate_pdf_timestamp(
            stamp, validation_context=evidence.context(info["gen_time"].native)
        )
        if not stamp_status.intact or not stamp_status.valid:
            return Result(Verdict.TAMPERED, ("timestamp-broken",), sealed_at=sealed_at)
    # The last signature must cover every byte: nothing may follow it, not even junk.
    last = stamps[-1] if stamps else signature
    if last.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Result(Verdict.TAMPERED, ("modified-after-signing",), sealed_at=sealed_at)

    signer_certificate = x509.load_der_x509_certificate(signature.signer_cert.dump())
    issuer = trust.issuer_for(signer_certificate)
    if issuer is None:
        return Result(Verdict.UNTRUSTED_ISSUER, ("unknown-issuer-key",), sealed_at=sealed_at)
    problem = issuer.problem_at(sealed_at)
    if problem is not None:
        return Result(Verdict.UNTRUSTED_ISSUER, (problem,), sealed_at=sealed_at)
    claims = _embedded_claims(reader)
    if claims is None:
        return Result(Verdict.NOT_ISSUED, ("no-claims",), sealed_at=sealed_at)
    if (claims.get("issuer") or {}).get("member") != issuer.holder:
        return Result(Verdict.UNTRUSTED_ISSUER, ("issuer-mismatch",), sealed_at=sealed_at)
    status_url = (claims.get("status") or {}).get("url")
    return _conclude(
        source="pdf",
        claims=claims,
        issuer=issuer,
        sealed_at=sealed_at,
        status_url=status_url if isinstance(status_url, str) else None,
        trust=trust,
        status_source=status_source,
        today=today,
    )


def _conclude(
    *,
    source: str,
    claims: dict[str, Any],
    issuer: IssuerKey,
    sealed_at: datetime,
    status_url: str | None,
    trust: TrustList,
    status_source: StatusSource | None,
    today: date | None,
) -> Result:
    issuer_claims = claims.get("issuer") or {}
    base = {
        "source": source,
        "document_id": str(claims.get("document_id") or "") or None,
        "document_type": claims.get("type"),
        "issuer_member": issuer.holder,
        "issuer_name_ja": issuer_claims.get("name_ja"),
        "issuer_name_en": issuer_claims.get("name_en"),
        "issued_on": _day(claims.get("issued_on")),
        "valid_until": _day(claims.get("valid_until")),
        "sealed_at": sealed_at,
        "claims": claims,
    }
    reasons: list[str] = []
    answer: StatusAnswer | None = None
    checked = False
    if status_source is not None and status_url:
        try:
            answer = status_source.lookup(status_url, issuer, trust)
            checked = True
        except StatusUnavailable as exc:
            log.info("document status not checked: %s", exc)
            reasons.append("status-unavailable")
        if checked and answer is None:
            return Result(Verdict.NOT_ISSUED, ("unknown-document",), **base, status_checked=True)
    else:
        reasons.append("status-not-checked")
    status_fields = {
        "status": answer.status if answer else None,
        "status_checked": checked,
        "status_changed_at": answer.changed_at if answer else None,
        "status_reason": answer.reason if answer else None,
        "superseded_by": answer.superseded_by if answer else None,
    }
    if answer is not None and answer.status is not DocumentStatus.ISSUED:
        reasons.insert(0, answer.status.value)
        return Result(Verdict.REVOKED, tuple(reasons), **base, **status_fields)
    valid_until = base["valid_until"]
    if valid_until is not None and (today or datetime.now(UTC).date()) > valid_until:
        return Result(Verdict.EXPIRED, ("expired", *reasons), **base, **status_fields)
    return Result(Verdict.VALID, tuple(reasons), **base, **status_fields)


# -- QR -----------------------------------------------------------------------------------------


def verify_qr(
    text: str,
    *,
    trust: TrustList,
    status_source: StatusSource | None = None,
    today: date | None = None,
) -> Result:
    """Judge a QR text (offline except for the optional status question)."""
    try:
        payload = qr.verify(text, trust.qr_keys())
    except qr.QRSignatureError as exc:
        unknown = "unknown key" in str(exc)
        return Result(
            Verdict.UNTRUSTED_ISSUER if unknown else Verdict.TAMPERED,
            ("qr-unknown-key" if unknown else "qr-signature",),
            source="qr",
        )
    except qr.QRFormatError as exc:
        return Result(Verdict.NOT_ISSUED, (exc.code,), source="qr")
    issuer = trust.issuer_by_kid(payload.kid)
    assert issuer is not None  # qr_keys() came from the same list
    problem = issuer.problem_at(payload.issued_at)
    if problem is not None:
        return Result(
            Verdict.UNTRUSTED_ISSUER, (problem,), source="qr", sealed_at=payload.issued_at
        )
    if payload.issuer != issuer.holder:
        return Result(Verdict.UNTRUSTED_ISSUER, ("issuer-mismatch",), source="qr")
    compact = payload.claims
    claims = {
        "type": compact.get("t"),
        "document_id": payload.document_id,
        "issuer": {"member": payload.issuer,
                   "name_ja": compact.get("ij") or common_name(issuer.certificate.subject),
                   "name_en": compact.get("ie") or common_name(issuer.certificate.subject)},
        "issued_on": compact.get("d"),
        "valid_until": compact.get("v"),
        "subject": compact.get("n"),
    }  # fmt: skip
    base_url = compact.get("s")
    status_url = (
        f"{base_url.rstrip('/')}/api/v1/documents/{payload.document_id}/status"
        if isinstance(base_url, str) and base_url.startswith(("http://", "https://"))
        else None
    )
    return _conclude(
        source="qr",
        claims=claims,
        issuer=issuer,
        sealed_at=payload.issued_at,
        status_url=status_url,
        trust=trust,
        status_source=status_source,
        today=today,
    )
