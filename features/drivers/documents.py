"""Documents as people hold them: the downloaded PDF, and the QR text read off its page.

The QR text is read the way a phone would: page 1 rendered to an image (poppler's pdftoppm) and
decoded (zxing-cpp). So a scenario that "pastes the QR text" also proves the printed QR reads.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import requests
import zxingcpp
from PIL import Image

from features.drivers.kit import RunningKit


@dataclass
class HeldDocument:
    pdf: bytes
    document_id: str
    _qr: str | None = field(default=None, repr=False)

    def qr_text(self) -> str:
        if self._qr is None:
            self._qr = read_qr(self.pdf)
        return self._qr

    def with_byte_changed(self) -> HeldDocument:
        """The same file with one byte flipped in the middle of the first stream of the
        sealed revision long enough to hold one (page content, a font, an image): the file
        still parses, only what it shows has changed."""
        data = bytearray(self.pdf)
        signed_end = data.rindex(b"%%EOF", 0, data.index(b"/ByteRange"))
        for start in re.finditer(rb"(?<!end)stream\r?\n", data[:signed_end]):
            end = data.index(b"endstream", start.end())
            if end - start.end() >= 200:
                data[(start.end() + end) // 2] ^= 0x01
                return HeldDocument(bytes(data), self.document_id)
        raise AssertionError("no stream of 200 bytes or more in the sealed revision")


def read_qr(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "200",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
            capture_output=True,
        )
        image = Image.open(next(Path(folder).glob("page*.png")))
        results = [r for r in zxingcpp.read_barcodes(image) if r.text.startswith("MDG1:")]
    if not results:
        raise AssertionError("no Madoguchi QR code could be read from page 1")
    return results[0].text


def backdated_specimen(kit: RunningKit, issued_on: str) -> HeldDocument:
    """A specimen issued as if on ``issued_on`` (the portal's test-only endpoint)."""
    portal = kit.url("portal")
    response = requests.post(
        f"{portal}/__testing/specimens", json={"issued_on": issued_on}, timeout=30
    )
    response.raise_for_status()
    body = response.json()
    pdf = requests.get(portal + body["pdf_url"], timeout=30).content
    return HeldDocument(pdf, body["document_id"])
