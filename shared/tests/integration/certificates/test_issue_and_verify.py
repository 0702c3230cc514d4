"""Issuing and verifying a sealed document against the kit's real trust service.

Proves, end to end: a seal provisioned from the trust service's registration API seals a
PAdES B-LTA document (seal field over the printed 公印, DSS, document timestamp) that
``verify_pdf`` finds VALID from the file and the trust list alone, and whose QR text
``verify_qr`` finds VALID; any change inside the signed bytes, or any later revision beyond
signature maintenance, is TAMPERED; the seal revision alone (no validation data) is not VALID;
after a seal rotation earlier documents stay VALID and the old key is shown withdrawn (and
refused for later documents); a PDF signed under another CA is UNTRUSTED ISSUER; non-documents
are NOT ISSUED with their reason; the issuer's status answer decides REVOKED / NOT ISSUED /
VALID (status unavailable); and with the trust service stopped a document still verifies from
the cached trust list.
"""

from __future__ import annotations

import hashlib
import html
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

import govkit
from govkit.certificates.issuer import (
    SEAL_BOX,
    DocumentIssuer,
    DocumentView,
    IssuedDocument,
    Row,
    SealIdentity,
    load_or_provision_seal,
)
from govkit.certificates.render import Renderer
from govkit.certificates.seal import SEAL_FIELD, KeepAliveTimeStamper, Sealer
from govkit.certificates.status import DocumentStatus
from govkit.certificates.trustlist import IssuerKey, TrustList, TrustListStore
from govkit.certificates.verify import (
    StatusAnswer,
    StatusUnavailable,
    Verdict,
    verify_pdf,
    verify_qr,
)
from govkit.testing.plugin import RunningTrust

HOLDER = "GOV/TEST"
STATUS_BASE = "https://issuer.kit.example"
VALID_UNTIL = "2999-12-31"


def render(view: DocumentView) -> str:
    """A minimal certificate page: title, number, date, the 公印 and the QR code."""
    e = html.escape
    return f"""<!doctype html><html lang="ja"><head><meta charset="utf-8">
<title>{e(view.title_ja)}</title><link rel="stylesheet" href="kit-asset:print.css"></head>
<body><h1>{e(view.title_ja)}</h1><p class="kit-cert__title-en">{e(view.title_en)}</p>
<p>{e(view.number)} · {e(view.issued_on_ja)} ({e(view.issued_on_iso)})</p>
<p>{e(view.statement_ja)} {e(view.statement_en)}</p>
<div class="kit-cert__seal">{view.seal_svg}</div>
<div class="kit-cert__verify"><div class="kit-cert__qr"><img src="{view.qr_image}" alt="QR"></div>
<p>{e(view.verify_url)} · {e(view.kid)}</p></div>
<div class="kit-cert__footer">{e(view.footer)}</div></body></html>"""


def provision(folder: Path, trust: RunningTrust, holder: str, *, rotate: bool = False):
    return load_or_provision_seal(
        folder,
        trust_url=trust.url,
        ra_token=trust.ra_token,
        holder=holder,
        name="試験庁 公印 (test)",
        rotate=rotate,
    )


def make_issuer(
    identity: SealIdentity, trust: RunningTrust, renderer: Renderer, member: str
) -> DocumentIssuer:
    return DocumentIssuer(
        identity=identity,
        member=member,
        issuer_name_ja="試験庁",
        issuer_name_en="Test Agency",
        signatory_ja="試験庁長官",
        signatory_en="Director-General, Test Agency",
        seal_text="試験庁印",
        tsa_url=f"{trust.url}/tsa",
        renderer=renderer,
    )


def issue(issuer: DocumentIssuer, document_id: str) -> IssuedDocument:
    return issuer.issue(
        document_id=document_id,
        document_type="test-certificate",
        title_ja="試験証明書",
        title_en="Test certificate",
        issued_on=date(2025, 12, 1),
        issued_at=datetime.now(UTC),
        claims={
            "valid_until": VALID_UNTIL,
            "subject": {"name": "見本 花子"},
            "status": {"url": _status_url(document_id)},
        },
        qr_claims={"n": "MIHON Hanako", "v": VALID_UNTIL, "s": STATUS_BASE},
        statement_ja="記載の内容が記録と相違ないことを証明する。",
        statement_en="Certified to match the records.",
        verify_url=f"{STATUS_BASE}/verify",
        render=render,
    )


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def seal(trust_service: RunningTrust, tmp_path_factory: pytest.TempPathFactory) -> SealIdentity:
    identity, created = provision(tmp_path_factory.mktemp("seal"), trust_service, HOLDER)
    assert created
    return identity


@pytest.fixture(scope="module")
def issued(seal: SealIdentity, trust_service: RunningTrust, renderer: Renderer) -> IssuedDocument:
    return issue(make_issuer(seal, trust_service, renderer, HOLDER), "TEST-2025-000001")


@pytest.fixture(scope="module")
def trust(
    issued: IssuedDocument, trust_service: RunningTrust, tmp_path_factory: pytest.TempPathFactory
) -> TrustList:
    """The trust list as a verifier gets it, fetched after the document was issued."""
    return TrustListStore(tmp_path_factory.mktemp("trust"), trust_service.url).current()


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf))


def _seal_range(pdf: bytes) -> list[int]:
    return list(_reader(pdf).embedded_regular_signatures[0].byte_range)


# -- a document as issued -----------------------------------------------------------------------


def test_provisioning_again_reuses_the_seal_in_the_folder(
    trust_service: RunningTrust, tmp_path: Path
) -> None:
    folder = tmp_path / "seal"
    first, created = provision(folder, trust_service, "GOV/TEST-REUSE")
    again, created_again = provision(folder, trust_service, "GOV/TEST-REUSE")
    assert (created, created_again) == (True, False)
    assert again.kid == first.kid
    assert again.key.private_numbers() == first.key.private_numbers()
    assert (folder / "seal-key.pem").stat().st_mode & 0o077 == 0


def test_issued_pdf_verifies_valid(issued: IssuedDocument, trust: TrustList) -> None:
    result = verify_pdf(issued.pdf, trust=trust)
    assert result.verdict is Verdict.VALID
    assert result.reasons == ("status-not-checked",)
    assert result.source == "pdf"
    assert result.document_id == "TEST-2025-000001"
    assert result.document_type == "test-certificate"
    assert result.issuer_member == HOLDER
    assert (result.issuer_name_ja, result.issuer_name_en) == ("試験庁", "Test Agency")
    assert result.issued_on == date(2025, 12, 1)
    assert result.valid_until == date(2999, 12, 31)
    assert result.status_checked is False
    assert result.status is None
    assert result.sealed_at is not None
    assert result.claims == issued.claims
    assert result.as_dict()["verdict"] == "valid"


def test_issued_pdf_is_sealed_at_pades_b_lta_over_the_printed_seal(
    issued: IssuedDocument, seal: SealIdentity
) -> None:
    assert issued.sha256 == hashlib.sha256(issued.pdf).hexdigest()
    assert issued.kid == seal.kid
    reader = _reader(issued.pdf)
    assert [s.sig_object_type for s in reader.embedded_signatures] == ["/Sig", "/DocTimeStamp"]
    assert "/DSS" in reader.root
    field = reader.root["/AcroForm"]["/Fields"][0].get_object()
    assert str(field["/T"]) == SEAL_FIELD
    assert str(field["/V"]["/SubFilter"]) == "/ETSI.CAdES.detached"
    assert [float(v) for v in field["/Rect"]] == pytest.approx(SEAL_BOX.pdf_rect(), abs=1e-3)
    signer = reader.embedded_regular_signatures[0].signer_cert
    assert signer.dump() == seal.certificate.public_bytes(serialization.Encoding.DER)


def test_a_document_too_long_for_one_page_is_sealed_on_its_last_page(
    seal: SealIdentity, trust_service: RunningTrust, renderer: Renderer, tmp_path: Path
) -> None:
    """The shared print template: rows that do not fit above the statement push the statement,
    the 公印, the QR block and the seal's field to a second page, never under the rows."""
    templates = Environment(
        loader=FileSystemLoader(Path(govkit.__file__).parent / "templates"),
        autoescape=select_autoescape(),
    ).get_template("govkit/certificates/document.html")
    rows = [Row(f"項目{n}", f"Item {n}", f"値 {n}", f"Value {n}") for n in range(1, 31)]
    document = make_issuer(seal, trust_service, renderer, HOLDER).issue(
        document_id="TEST-2025-000099",
        document_type="test-certificate",
        title_ja="試験証明書",
        title_en="Test certificate",
        issued_on=date(2025, 12, 1),
        issued_at=datetime.now(UTC),
        claims={"valid_until": VALID_UNTIL, "status": {"url": _status_url("TEST-2025-000099")}},
        qr_claims={"v": VALID_UNTIL, "s": STATUS_BASE},
        statement_ja="記載の内容が記録と相違ないことを証明する。",
        statement_en="Certified to match the records.",
        verify_url=f"{STATUS_BASE}/verify",
        render=lambda view: templates.render(doc=view, rows=rows),
    )
    reader = _reader(document.pdf)
    pages = reader.root["/Pages"].raw_get("/Kids")
    assert len(pages) == reader.root["/Pages"]["/Count"] == 2
    widget = reader.root["/AcroForm"]["/Fields"][0].get_object()
    assert widget.raw_get("/P").idnum == pages.raw_get(1).idnum
    assert [float(v) for v in widget["/Rect"]] == pytest.approx(SEAL_BOX.pdf_rect(), abs=1e-3)
    store = TrustListStore(tmp_path / "trust", trust_service.url)
    assert verify_pdf(document.pdf, trust=store.current()).verdict is Verdict.VALID


def test_issued_qr_verifies_valid(issued: IssuedDocument, trust: TrustList) -> None:
    result = verify_qr(issued.qr_text, trust=trust)
    assert result.verdict is Verdict.VALID
    assert result.reasons == ("status-not-checked",)
    assert result.source == "qr"
    assert result.document_id == "TEST-2025-000001"
    assert result.document_type == "test-certificate"
    assert result.issuer_member == HOLDER
    assert result.issued_on == date(2025, 12, 1)
    assert result.valid_until == date(2999, 12, 31)
    assert result.claims["subject"] == "MIHON Hanako"


def test_expired_document(issued: IssuedDocument, trust: TrustList) -> None:
    on_the_last_day = verify_pdf(issued.pdf, trust=trust, today=date(2999, 12, 31))
    assert on_the_last_day.verdict is Verdict.VALID
    after = verify_pdf(issued.pdf, trust=trust, today=date(3000, 1, 1))
    assert after.verdict is Verdict.EXPIRED
    assert after.reasons == ("expired", "status-not-checked")
    assert verify_qr(issued.qr_text, trust=trust, today=date(3000, 1, 1)).verdict is (
        Verdict.EXPIRED
    )


# -- tampering ----------------------------------------------------------------------------------


def _first_stream_byte(pdf: bytes) -> int:
    """A byte of the first stream's data (the rendered document's own objects)."""
    return pdf.index(b"stream\n", pdf.index(b"obj")) + len(b"stream\n") + 20


def _location_byte(pdf: bytes) -> int:
    """The first letter of the seal's /Location text, in the signed signature dictionary."""
    return pdf.index(b"/Location (", _seal_range(pdf)[2]) + len(b"/Location (")


def _last_signed_byte(pdf: bytes) -> int:
    """The last byte the seal covers: its revision's end-of-file marker."""
    start, length = _seal_range(pdf)[2:]
    return start + length - 3


FLIPS: dict[str, Callable[[bytes], int]] = {
    "page content": _first_stream_byte,
    "signature location": _location_byte,
    "seal revision end": _last_signed_byte,
}


@pytest.mark.parametrize("where", FLIPS.values(), ids=FLIPS.keys())
def test_one_changed_byte_inside_the_signed_range_is_tampering(
    issued: IssuedDocument, trust: TrustList, where: Callable[[bytes], int]
) -> None:
    pdf = issued.pdf
    index = where(pdf)
    a, b, c, d = _seal_range(pdf)
    assert a <= index < a + b or c <= index < c + d
    changed = bytearray(pdf)
    changed[index] ^= 0x01
    result = verify_pdf(bytes(changed), trust=trust)
    assert result.verdict is Verdict.TAMPERED
    assert result.reasons == ("signature-broken",)


def _add_content(writer: IncrementalPdfFileWriter) -> None:
    stream = writer.add_object(generic.StreamObject(stream_data=b"1 0 0 rg 50 50 200 80 re f"))
    writer.add_stream_to_page(0, stream)


def _add_annotation(writer: IncrementalPdfFileWriter) -> None:
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    annotation = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (50, 700, 300, 740)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("Valid until 3000"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
                generic.NameObject("/P"): page_ref,
            }
        )
    )
    annots = page.raw_get("/Annots")
    if isinstance(annots, generic.IndirectObject):
        annots.get_object().append(annotation)
        writer.mark_update(annots)
    else:
        annots.append(annotation)
        writer.mark_update(page_ref)


def _change_media_box(writer: IncrementalPdfFileWriter) -> None:
    page_ref, _resources = writer.find_page_for_modification(0)
    page_ref.get_object()[generic.NameObject("/MediaBox")] = generic.ArrayObject(
        [generic.FloatObject(v) for v in (0, 0, 400, 400)]
    )
    writer.mark_update(page_ref)


UPDATES: dict[str, Callable[[IncrementalPdfFileWriter], None]] = {
    "new content stream on the page": _add_content,
    "new annotation in /Annots": _add_annotation,
    "page cropped": _change_media_box,
}


@pytest.mark.parametrize("update", UPDATES.values(), ids=UPDATES.keys())
def test_a_later_revision_that_changes_the_page_is_tampering(
    issued: IssuedDocument, trust: TrustList, update: Callable[[IncrementalPdfFileWriter], None]
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(issued.pdf))
    update(writer)
    output = io.BytesIO()
    writer.write(output)
    changed = output.getvalue()
    assert changed.startswith(issued.pdf)  # an incremental update: the sealed bytes unchanged
    result = verify_pdf(changed, trust=trust)
    assert result.verdict is Verdict.TAMPERED
    assert result.reasons == ("modified-after-signing",)


def test_a_further_document_timestamp_is_signature_maintenance(
    issued: IssuedDocument, trust: TrustList, trust_service: RunningTrust
) -> None:
    """The control for the test above: an update that only adds a timestamp keeps it VALID."""
    stamper = PdfTimeStamper(KeepAliveTimeStamper(f"{trust_service.url}/tsa"))
    stamped = stamper.timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(issued.pdf)), "sha256", output=io.BytesIO()
    ).getvalue()
    assert len(_reader(stamped).embedded_signatures) == 3
    result = verify_pdf(stamped, trust=trust)
    assert result.verdict is Verdict.VALID
    assert result.reasons == ("status-not-checked",)


def test_the_seal_revision_alone_is_not_valid(issued: IssuedDocument, trust: TrustList) -> None:
    """Cut at the end of the seal's revision: no DSS and no document timestamp remain."""
    _a, _b, start, length = _seal_range(issued.pdf)
    first = issued.pdf[: start + length]
    assert first.rstrip().endswith(b"%%EOF")
    reader = _reader(first)
    assert [s.sig_object_type for s in reader.embedded_signatures] == ["/Sig"]
    assert "/DSS" not in reader.root
    result = verify_pdf(first, trust=trust)
    assert result.verdict is not Verdict.VALID
    assert (result.verdict, result.reasons) == (Verdict.UNTRUSTED_ISSUER, ("untrusted-chain",))


# -- other documents ----------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _foreign_signer() -> signers.SimpleSigner:
    """A signer whose certificate comes from a CA the kit has never heard of."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Elsewhere Root CA"))
        .issuer_name(_name("Elsewhere Root CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("試験庁 公印 (test)"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=_asn1(leaf),
        signing_key=asn1_keys.PrivateKeyInfo.load(private),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(ca)]),
    )


def test_a_pdf_sealed_under_another_ca_is_an_untrusted_issuer(
    issued: IssuedDocument, trust: TrustList, renderer: Renderer
) -> None:
    """Same page, same claims (issuer GOV/TEST), but sealed by a look-alike from elsewhere."""
    unsealed = renderer.render("<p>試験証明書</p>", claims=issued.claims, document_id="FORGED")
    forged = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsealed)),
        signers.PdfSignatureMetadata(field_name=SEAL_FIELD, md_algorithm="sha256"),
        signer=_foreign_signer(),
    ).getvalue()
    result = verify_pdf(forged, trust=trust)
    assert result.verdict is Verdict.UNTRUSTED_ISSUER
    assert result.reasons == ("untrusted-chain",)


def _encrypted_pdf() -> bytes:
    writer = PdfFileWriter()
    page = PageObject(
        contents=writer.add_object(generic.StreamObject(stream_data=b"0 0 m 10 10 l S")),
        media_box=generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
    )
    writer.insert_page(page)
    writer.encrypt("owner secret", "user secret")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _unsealed(renderer: Renderer) -> bytes:
    page = '<!doctype html><html lang="ja"><head><title>x</title></head><body>見本</body></html>'
    return renderer.render(page, claims={"issuer": {"member": HOLDER}}, document_id="UNSEALED")


def test_an_agency_whose_clock_runs_behind_the_trust_service_still_seals(
    seal: SealIdentity, trust_service: RunningTrust, renderer: Renderer, trust: TrustList
) -> None:
    """Hosts' clocks differ: the trust service's OCSP responses, stamped by its own clock,
    are newer than the sealing host's "now" and must still be taken (pyHanko's default
    refuses revocation data more than a second newer than its validation time)."""
    sealer = Sealer(
        key=seal.key,
        certificate=seal.certificate,
        chain=seal.chain,
        trust_roots=[seal.root],
        tsa_url=f"{trust_service.url}/tsa",
        box=SEAL_BOX,
        reason="test",
        location="test",
        clock=lambda: datetime.now(UTC) - timedelta(seconds=30),
    )
    sealed = sealer.seal(_unsealed(renderer))
    result = verify_pdf(sealed, trust=trust)
    assert result.verdict is Verdict.VALID, result.reasons


@dataclass(frozen=True)
class NotIssued:
    make: Callable[[Renderer], bytes]
    reason: str


NOT_ISSUED: dict[str, NotIssued] = {
    "empty": NotIssued(lambda r: b"", "empty"),
    "only whitespace": NotIssued(lambda r: b" \r\n\t ", "empty"),
    "a text file": NotIssued(lambda r: "見本 花子\nnot a PDF\n".encode(), "not-pdf"),
    "a PNG": NotIssued(lambda r: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not-pdf"),
    "a PDF header then rubbish": NotIssued(lambda r: b"%PDF-1.7\n" + b"rubbish " * 50, "damaged"),
    "too large": NotIssued(lambda r: b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "too-large"),
    "an encrypted PDF": NotIssued(lambda r: _encrypted_pdf(), "encrypted"),
    "a PDF with no signature": NotIssued(_unsealed, "no-signature"),
}


@pytest.mark.parametrize("case", NOT_ISSUED.values(), ids=NOT_ISSUED.keys())
def test_things_that_are_not_issued_documents(
    case: NotIssued, trust: TrustList, renderer: Renderer
) -> None:
    result = verify_pdf(case.make(renderer), trust=trust)
    assert result.verdict is Verdict.NOT_ISSUED
    assert result.reasons == (case.reason,)
    assert result.document_id is None


# -- document status ----------------------------------------------------------------------------


class FakeStatusSource:
    """Answers every status question the same way, and remembers what it was asked."""

    def __init__(self, answer: StatusAnswer | Exception | None) -> None:
        self.answer = answer
        self.asked: list[tuple[str, IssuerKey]] = []

    def lookup(self, url: str, issuer: IssuerKey, trust: TrustList) -> StatusAnswer | None:
        self.asked.append((url, issuer))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


CHANGED = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StatusCase:
    answer: StatusAnswer | Exception | None
    verdict: Verdict
    reasons: tuple[str, ...]
    status: DocumentStatus | None
    checked: bool


STATUS_CASES: dict[str, StatusCase] = {
    "issued": StatusCase(
        StatusAnswer(DocumentStatus.ISSUED), Verdict.VALID, (), DocumentStatus.ISSUED, True
    ),
    "revoked": StatusCase(
        StatusAnswer(DocumentStatus.REVOKED, CHANGED, "issued in error"),
        Verdict.REVOKED, ("revoked",), DocumentStatus.REVOKED, True,
    ),
    "superseded": StatusCase(
        StatusAnswer(DocumentStatus.SUPERSEDED, CHANGED, None, "TEST-2026-000002"),
        Verdict.REVOKED, ("superseded",), DocumentStatus.SUPERSEDED, True,
    ),
    "suspended": StatusCase(
        StatusAnswer(DocumentStatus.SUSPENDED, CHANGED),
        Verdict.REVOKED, ("suspended",), DocumentStatus.SUSPENDED, True,
    ),
    "unknown to the issuer": StatusCase(
        None, Verdict.NOT_ISSUED, ("unknown-document",), None, True
    ),
    "issuer unreachable": StatusCase(
        StatusUnavailable("the issuer could not be reached"),
        Verdict.VALID, ("status-unavailable",), None, False,
    ),
}  # fmt: skip


def _status_url(document_id: str) -> str:
    return f"{STATUS_BASE}/api/v1/documents/{document_id}/status"


@pytest.mark.parametrize("source", ["pdf", "qr"])
@pytest.mark.parametrize("case", STATUS_CASES.values(), ids=STATUS_CASES.keys())
def test_the_issuers_status_answer_decides(
    issued: IssuedDocument, trust: TrustList, case: StatusCase, source: str
) -> None:
    status_source = FakeStatusSource(case.answer)
    if source == "pdf":
        result = verify_pdf(issued.pdf, trust=trust, status_source=status_source)
    else:
        result = verify_qr(issued.qr_text, trust=trust, status_source=status_source)
    assert (result.verdict, result.reasons) == (case.verdict, case.reasons)
    assert result.status == case.status
    assert result.status_checked is case.checked
    assert result.document_id == "TEST-2025-000001"
    [(url, issuer)] = status_source.asked
    assert url == _status_url("TEST-2025-000001")
    assert issuer.kid == issued.kid
    if isinstance(case.answer, StatusAnswer):
        assert result.status_changed_at == case.answer.changed_at
        assert result.status_reason == case.answer.reason
        assert result.superseded_by == case.answer.superseded_by


# -- rotation -----------------------------------------------------------------------------------


def _wait_past(moment: datetime) -> None:
    """Sleep until the clock has passed ``moment``'s whole second.

    Signature timestamps and QR issue times are whole seconds: a document sealed in the very
    second of a withdrawal reads as sealed before it.
    """
    while datetime.now(UTC) < moment.replace(microsecond=0) + timedelta(seconds=1):
        time.sleep(0.05)


def test_rotation_keeps_earlier_documents_valid_and_withdraws_the_old_key(
    trust_service: RunningTrust, renderer: Renderer, tmp_path: Path
) -> None:
    holder = "GOV/TEST-ROTATION"  # its own holder: rotating withdraws every earlier seal of it
    old_seal, _ = provision(tmp_path / "seal", trust_service, holder)
    old_issuer = make_issuer(old_seal, trust_service, renderer, holder)
    first = issue(old_issuer, "ROT-1")
    new_seal, created = provision(tmp_path / "seal", trust_service, holder, rotate=True)
    assert created
    assert new_seal.kid != old_seal.kid
    second = issue(make_issuer(new_seal, trust_service, renderer, holder), "ROT-2")

    store = TrustListStore(tmp_path / "trust", trust_service.url)
    trust = store.refresh()
    old_key, new_key = trust.issuer_by_kid(old_seal.kid), trust.issuer_by_kid(new_seal.kid)
    assert old_key is not None
    assert new_key is not None
    assert old_key.withdrawn_at is not None
    assert new_key.withdrawn_at is None

    first_result = verify_pdf(first.pdf, trust=trust)
    assert (first_result.verdict, first_result.reasons) == (
        Verdict.VALID,
        ("status-not-checked",),
    )
    assert first_result.sealed_at is not None
    assert first_result.sealed_at < old_key.withdrawn_at
    assert verify_qr(first.qr_text, trust=trust).verdict is Verdict.VALID
    assert verify_pdf(second.pdf, trust=trust).verdict is Verdict.VALID
    assert verify_qr(second.qr_text, trust=trust).verdict is Verdict.VALID

    # An issuer still holding the old key after the rotation: its new documents are refused.
    _wait_past(old_key.withdrawn_at)
    late = issue(old_issuer, "ROT-3")
    late_result = verify_pdf(late.pdf, trust=trust)
    assert (late_result.verdict, late_result.reasons) == (
        Verdict.UNTRUSTED_ISSUER,
        ("key-withdrawn",),
    )
    late_qr = verify_qr(late.qr_text, trust=trust)
    assert (late_qr.verdict, late_qr.reasons) == (Verdict.UNTRUSTED_ISSUER, ("key-withdrawn",))

    # the seal folder now holds the new key
    reloaded, created_again = provision(tmp_path / "seal", trust_service, holder)
    assert (reloaded.kid, created_again) == (new_seal.kid, False)


# -- offline ------------------------------------------------------------------------------------


@pytest.fixture
def offline_case(
    private_trust_service: RunningTrust, renderer: Renderer, tmp_path: Path
) -> tuple[IssuedDocument, Path]:
    seal_identity, _ = provision(tmp_path / "seal", private_trust_service, "GOV/OFFLINE")
    document = issue(
        make_issuer(seal_identity, private_trust_service, renderer, "GOV/OFFLINE"), "OFF-1"
    )
    folder = tmp_path / "trust"
    TrustListStore(folder, private_trust_service.url).current()  # pins the root, caches the list
    private_trust_service.stack.stop()
    return document, folder


def test_verifies_from_the_cached_trust_list_with_the_trust_service_stopped(
    offline_case: tuple[IssuedDocument, Path], private_trust_service: RunningTrust
) -> None:
    document, folder = offline_case
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{private_trust_service.url}/trust-list", timeout=2)
    trust = TrustListStore(folder, None).current()
    result = verify_pdf(document.pdf, trust=trust)
    assert result.verdict is Verdict.VALID
    assert result.reasons == ("status-not-checked",)
    assert result.issuer_member == "GOV/OFFLINE"
    assert verify_qr(document.qr_text, trust=trust).verdict is Verdict.VALID
    # and a store that still names the stopped service falls back to the same cache
    fallback = TrustListStore(folder, private_trust_service.url).current()
    assert verify_pdf(document.pdf, trust=fallback).verdict is Verdict.VALID
