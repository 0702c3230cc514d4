"""A freshly issued specimen, judged by tools that are not ours.

* pyHanko's validator, through its API and its command line (``pyhanko sign validate --trust
  <kit root> --trust-replace``): VALID, with a trusted timestamp and only signature-maintenance
  changes after the seal;
* poppler: ``pdfsig`` (whose exit code is always 0, so its text is read) says the seal is valid
  and the final timestamp covers the whole document; ``pdffonts`` shows every font embedded;
  ``pdfdetach`` lists claims.json; ``pdftotext`` extracts the Japanese labels; ``pdftoppm``
  renders page 1 with the seal, the statement and the QR inside the page;
* ``kit verify`` works offline from a cached trust list and exits with a code per verdict.
"""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from cryptography import x509
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from features.drivers.documents import HeldDocument, backdated_specimen, read_qr
from features.drivers.kit import RunningKit
from govkit.certificates.issuer import SEAL_BOX
from govkit.certificates.keys import key_id, load_pem_chain
from govkit.certificates.seal import as_asn1
from govkit.certificates.trustlist import TrustList
from govkit.clock import now_jst
from govkit.service import load_definition

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def specimen(kit: RunningKit) -> HeldDocument:
    return backdated_specimen(kit, now_jst().date().isoformat())


@pytest.fixture(scope="module")
def files(
    specimen: HeldDocument, kit: RunningKit, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("specimen")
    (folder / "specimen.pdf").write_bytes(specimen.pdf)
    root = requests.get(kit.url("trust", "/pki/root.pem"), timeout=10).content
    (folder / "root.pem").write_bytes(root)
    return folder


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], check=False, capture_output=True, text=True, timeout=120
    )


def test_pyhanko_api_judges_it_valid_with_a_trusted_timestamp(files: Path) -> None:
    root = load_pem_chain((files / "root.pem").read_bytes())[0]
    reader = PdfFileReader(io.BytesIO((files / "specimen.pdf").read_bytes()))
    # On a thread of its own: pyHanko's synchronous API calls asyncio.run(), which refuses to
    # run where Playwright's synchronous API has left an event loop (a browser scenario
    # earlier in the same session).
    with ThreadPoolExecutor(max_workers=1) as thread:
        status = thread.submit(
            validate_pdf_signature,
            reader.embedded_regular_signatures[0],
            ValidationContext(trust_roots=[as_asn1(root)], allow_fetching=True),
        ).result()
    assert status.bottom_line
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
    assert str(status.modification_level) == "ModificationLevel.LTA_UPDATES"


def test_pyhanko_command_line_says_valid(files: Path) -> None:
    result = _run(
        BIN / "pyhanko", "sign", "validate", "--trust", files / "root.pem", "--trust-replace",
        "--pretty-print", files / "specimen.pdf",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout
    assert "The signature is judged VALID" in text
    assert "The timestamp token is cryptographically sound" in text
    assert "This timestamp is backed by a time stamping authority" in text
    assert "All modifications relate to signature maintenance" in text


def test_pdfsig_says_the_seal_is_valid_and_the_whole_document_is_signed(files: Path) -> None:
    result = _run("pdfsig", files / "specimen.pdf")
    signatures = result.stdout.split("Signature #")[1:]
    assert len(signatures) == 2, result.stdout
    seal, final_timestamp = signatures
    assert "Signature Validation: Signature is Valid." in seal
    assert "Signature Type: ETSI.CAdES.detached" in seal
    assert "Total document signed" in final_timestamp


def test_every_font_is_embedded(files: Path) -> None:
    lines = _run("pdffonts", files / "specimen.pdf").stdout.splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        columns = line.split()
        embedded = columns[-5]
        assert embedded == "yes", line
    assert any("IPAex" in line for line in lines)


def test_claims_json_is_attached(files: Path) -> None:
    listing = _run("pdfdetach", "-list", files / "specimen.pdf").stdout
    assert "claims.json" in listing


def test_the_japanese_labels_can_be_extracted(files: Path) -> None:
    text = _run("pdftotext", "-layout", files / "specimen.pdf", "-").stdout
    for label in (
        "見本証明書",
        "氏名",
        "生年月日",
        "住所",
        "発行日",
        "令和",
        "Specimen certificate",
    ):
        assert label in text, label


def test_page_one_shows_seal_statement_and_qr_inside_the_page(
    files: Path, specimen: HeldDocument
) -> None:
    result = _run("pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", files / "specimen.pdf",
                  files / "page")  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = Image.open(next(files.glob("page*.png"))).convert("RGB")
    width, height = image.size
    scale = width / 210  # pixels per millimetre

    def box(left: float, top: float, w: float, h: float) -> Image.Image:
        return image.crop((int(left * scale), int(top * scale), int((left + w) * scale),
                           int((top + h) * scale)))  # fmt: skip

    seal = box(SEAL_BOX.left, SEAL_BOX.top, SEAL_BOX.width, SEAL_BOX.height)
    red = sum(1 for r, g, b in seal.get_flattened_data() if r > 150 and g < 90 and b < 90)
    assert red > 0.05 * seal.width * seal.height, "the 公印 is not where the seal field is"
    # Nothing is drawn off the page: the outermost strip of each edge is blank.
    for strip in (box(0, 0, 210, 2), box(0, 295, 210, 2), box(0, 0, 2, 297), box(208, 0, 2, 297)):
        assert min(min(pixel) for pixel in strip.get_flattened_data()) > 200
    # The statement is on the page and the QR reads back to the document.
    assert read_qr(specimen.pdf).startswith("MDG1:")
    assert height > width


def test_kit_verify_works_offline_with_a_cached_trust_list(
    files: Path, specimen: HeldDocument, kit: RunningKit, tmp_path: Path
) -> None:
    cache = tmp_path / "trust"
    first = _run(BIN / "kit", "verify", files / "specimen.pdf", "--trust-dir", cache,
                 "--trust-url", kit.url("trust"))  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("VALID")
    # Offline: no trust service, only what was cached.
    offline = _run(BIN / "kit", "verify", files / "specimen.pdf", "--trust-dir", cache, "--offline")
    assert offline.returncode == 0, offline.stdout + offline.stderr
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(specimen.with_byte_changed().pdf)
    assert _run(BIN / "kit", "verify", changed, "--trust-dir", cache, "--offline").returncode == 10
    text = tmp_path / "notes.txt"
    text.write_text("not a certificate")
    assert _run(BIN / "kit", "verify", text, "--trust-dir", cache, "--offline").returncode == 14
    qr = _run(BIN / "kit", "verify", "--qr", specimen.qr_text(), "--trust-dir", cache, "--offline")
    assert qr.returncode == 0, qr.stdout
    empty_cache = _run(
        BIN / "kit", "verify", changed, "--trust-dir", tmp_path / "none", "--offline"
    )
    assert empty_cache.returncode == 3


def _with_page_content_changed(pdf: bytes) -> bytes:
    """An incremental update that draws on page 1 (what a forger would append)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"q 1 0 0 RG 72 72 200 200 re S Q")
    contents = page["/Contents"]
    existing = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    page["/Contents"] = generic.ArrayObject([*existing, writer.add_object(stream)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("change", ["one byte flipped", "page content appended"])
def test_pyhanko_says_invalid_and_the_portal_says_tampered(
    files: Path, specimen: HeldDocument, kit: RunningKit, change: str, tmp_path: Path
) -> None:
    if change == "one byte flipped":
        altered = specimen.with_byte_changed().pdf
    else:
        altered = _with_page_content_changed(specimen.pdf)
    target = tmp_path / "altered.pdf"
    target.write_bytes(altered)
    result = _run(BIN / "pyhanko", "sign", "validate", "--trust", files / "root.pem",
                  "--trust-replace", "--pretty-print", target)  # fmt: skip
    assert result.returncode != 0
    assert "INVALID" in result.stdout + result.stderr
    answer = requests.post(
        kit.url("portal", "/api/v1/verify"),
        files={"document": ("altered.pdf", altered, "application/pdf")},
        timeout=30,
    ).json()
    assert answer["verdict"] == "tampered"


def test_rotating_the_portal_seal_keeps_earlier_documents_valid(
    kit: RunningKit, specimen: HeldDocument
) -> None:
    spec = next(s for s in kit.stack.manifest.services if s.instance == "portal")
    definition = load_definition("portal")
    settings = definition.settings(kit.stack.environment_for(spec))
    assert definition.rotate_seal is not None
    message = definition.rotate_seal(settings)
    assert "new seal" in message
    newer = backdated_specimen(kit, now_jst().date().isoformat())

    def verdict(document: HeldDocument) -> dict:
        return requests.post(
            kit.url("portal", "/api/v1/verify"),
            files={"document": ("d.pdf", document.pdf, "application/pdf")},
            timeout=30,
        ).json()

    old_answer, new_answer = verdict(specimen), verdict(newer)
    assert old_answer["verdict"] == "valid", old_answer["reasons"]
    assert new_answer["verdict"] == "valid", new_answer["reasons"]
    # The portal now signs status answers with the new seal: older documents' status is still read.
    assert old_answer["status"]["checked"], old_answer["reasons"]
    assert new_answer["status"]["checked"], new_answer["reasons"]
    old_kid = specimen_kid(specimen)
    new_kid = specimen_kid(newer)
    assert old_kid != new_kid
    trust_list = requests.get(kit.url("trust", "/trust-list"), timeout=10).text
    root = load_pem_chain(requests.get(kit.url("trust", "/pki/root.pem"), timeout=10).content)[0]
    keys = {k.kid: k for k in TrustList.parse(trust_list, root).issuers}
    assert keys[old_kid].withdrawn_at is not None
    assert keys[new_kid].withdrawn_at is None


def specimen_kid(document: HeldDocument) -> str:
    reader = PdfFileReader(io.BytesIO(document.pdf))
    certificate = reader.embedded_regular_signatures[0].signer_cert
    return key_id(x509.load_der_x509_certificate(certificate.dump()))
