"""HTML → PDF/A-3b: the URL fetcher serves packaged assets (and ``data:`` URLs) and stops the
render for anything else — the web, ``file:``, a path out of the assets folder, a missing asset;
a rendered page is a PDF pyHanko reads, identified as PDF/A-3b in its XMP metadata, with the
claims attached as ``claims.json`` (AFRelationship Data) and an identifier derived from the
document id."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from weasyprint.urls import FatalURLFetchingError

from govkit.certificates.render import ASSETS, PackagedAssets, Renderer, RenderError

CLAIMS = {
    "type": "specimen",
    "document_id": "SPC-20251201-000001",
    "subject": {"name": "見本 花子", "name_roman": "MIHON Hanako"},
    "valid_until": "2026-03-01",
    "fictional": True,
}
PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>見本証明書</title>
<link rel="stylesheet" href="kit-asset:print.css"></head>
<body><h1>見本証明書</h1><p>Specimen certificate</p>{extra}</body></html>"""


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def pdf(renderer: Renderer) -> bytes:
    return renderer.render(PAGE.format(extra=""), claims=CLAIMS, document_id=CLAIMS["document_id"])


@pytest.fixture(scope="module")
def reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf))


# -- the fetcher --------------------------------------------------------------------------------


def test_fetcher_serves_packaged_assets() -> None:
    response = PackagedAssets().fetch("kit-asset:print.css")
    assert response.read() == (ASSETS / "print.css").read_bytes()
    assert response.content_type == "text/css"


def test_fetcher_serves_data_urls() -> None:
    response = PackagedAssets().fetch("data:text/css,p%7Bcolor:red%7D")
    assert response.read() == b"p{color:red}"


REFUSED = [
    "http://example.invalid/x.png",
    "https://cdn.example.com/font.woff2",
    "ftp://example.invalid/x",
    "file:///etc/passwd",
    f"file://{ASSETS / 'print.css'}",  # even a packaged file, by its path
    "kit-asset:../keys.py",
    "kit-asset:../../certificates/keys.py",
    "kit-asset:%2e%2e/keys.py",
    "kit-asset:/etc/passwd",
    "kit-asset:missing.css",
    "kit-asset:",
    "print.css",
    "//example.invalid/x.css",
]


@pytest.mark.parametrize("url", REFUSED)
def test_fetcher_refuses_everything_else_fatally(url: str) -> None:
    with pytest.raises(FatalURLFetchingError):
        PackagedAssets().fetch(url)


def test_fetcher_serves_only_from_its_own_folder(tmp_path) -> None:
    (tmp_path / "a.css").write_text("p{}")
    (tmp_path / "sub").mkdir()
    fetcher = PackagedAssets(tmp_path / "sub")
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch("kit-asset:../a.css")
    assert PackagedAssets(tmp_path).fetch("kit-asset:a.css").read() == b"p{}"


# -- rendering ----------------------------------------------------------------------------------


def test_render_makes_a_pdf_pyhanko_reads(pdf: bytes, reader: PdfFileReader) -> None:
    assert pdf.startswith(b"%PDF-")
    assert not reader.encrypted
    assert len(reader.root["/Pages"]["/Kids"]) == 1
    assert reader.embedded_signatures == []


def test_render_is_identified_as_pdf_a_3b(reader: PdfFileReader) -> None:
    xmp = reader.root["/Metadata"].get_object().data.decode("utf-8")
    assert re.search(r'pdfaid:part(="3"|>3<)', xmp)
    assert re.search(r'pdfaid:conformance(="B"|>B<)', xmp)
    intents = reader.root["/OutputIntents"]
    assert any(str(intent["/S"]) == "/GTS_PDFA1" for intent in intents)


def _attachments(reader: PdfFileReader) -> dict[str, generic.DictionaryObject]:
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    return {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}


def test_claims_are_attached_as_data(reader: PdfFileReader) -> None:
    files = _attachments(reader)
    assert set(files) == {"claims.json"}
    spec = files["claims.json"]
    assert str(spec["/AFRelationship"]) == "/Data"
    stream = spec["/EF"]["/F"].get_object()
    assert json.loads(stream.data) == CLAIMS
    associated = [ref.get_object() for ref in reader.root["/AF"]]
    assert spec in associated


def test_document_identifier_comes_from_the_document_id(reader: PdfFileReader) -> None:
    first = reader.trailer["/ID"][0]
    expected = hashlib.sha256(CLAIMS["document_id"].encode()).hexdigest()[:32]
    assert first.original_bytes == expected.encode("ascii")


def test_a_data_url_image_is_drawn_without_errors(
    renderer: Renderer, caplog: pytest.LogCaptureFixture
) -> None:
    image = (
        '<img alt="" src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 '
        'width=%2210%22 height=%2210%22%3E%3Crect width=%2210%22 height=%2210%22/%3E%3C/svg%3E">'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = renderer.render(PAGE.format(extra=image), claims={}, document_id="D")
    assert pdf.startswith(b"%PDF-")
    assert [r.getMessage() for r in caplog.records if r.name == "weasyprint"] == []


BROKEN = {
    "web image": '<img alt="" src="http://example.invalid/x.png">',
    "web stylesheet": '<link rel="stylesheet" href="https://cdn.example.invalid/x.css">',
    "file image": '<img alt="" src="file:///etc/hostname">',
    "asset out of the folder": '<img alt="" src="kit-asset:../keys.py">',
    "missing asset": '<img alt="" src="missing.png">',
    "css background from the web": '<div style="background: url(http://example.invalid/b.png)">'
    "x</div>",
}


@pytest.mark.parametrize("extra", BROKEN.values(), ids=BROKEN.keys())
def test_a_page_reaching_outside_the_assets_fails_to_render(renderer: Renderer, extra: str) -> None:
    with pytest.raises(RenderError):
        renderer.render(PAGE.format(extra=extra), claims={}, document_id="D")
