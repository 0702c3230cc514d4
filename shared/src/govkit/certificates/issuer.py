"""What an issuing service uses: its seal identity, and the pipeline that makes a document.

claims → signed QR (COSE/CWT) → HTML from the service's template → PDF/A-3b with claims.json →
PAdES B-LTA seal → bytes, SHA-256 and QR text for the service's issuance register.

The seal key is the agency's own: generated in its data folder, certified by the trust service's
registration authority, never sent anywhere. Rotating it (``rotate=True``) makes a new key; the
trust service withdraws the old one for new documents while documents it sealed stay valid.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from markupsafe import Markup
from PIL import Image

from govkit.certificates import qr, wareki
from govkit.certificates.keys import (
    generate_key,
    key_id,
    load_pem_chain,
    load_private_key,
    signing_request,
)
from govkit.certificates.ra import request_certificate, store_key_and_chain
from govkit.certificates.render import Renderer
from govkit.certificates.seal import SealBox, Sealer

#: Where every kit certificate prints its 公印 (see assets/print.css: .kit-cert__seal).
SEAL_BOX = SealBox(left=160, top=190, width=30, height=30)
TEST_NOTICE_JA = "キットの試験用の文書です。法的な効力はありません。"
TEST_NOTICE_EN = "Madoguchi kit test document: no legal effect."


@dataclass(frozen=True)
class SealIdentity:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuing CA …, root last

    @property
    def kid(self) -> str:
        return key_id(self.certificate)

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1]


def load_or_provision_seal(
    folder: Path,
    *,
    trust_url: str,
    ra_token: str,
    holder: str,
    name: str,
    rotate: bool = False,
) -> tuple[SealIdentity, bool]:
    """The agency's seal from ``folder``, obtaining one from the trust service if needed.

    Returns the identity and whether a new certificate was obtained.
    """
    key_path, chain_path = folder / "seal-key.pem", folder / "seal-chain.pem"
    if key_path.exists() and chain_path.exists() and not rotate:
        chain = load_pem_chain(chain_path.read_bytes())
        return SealIdentity(load_private_key(key_path), chain[0], tuple(chain[1:])), False
    key = generate_key()
    issued = request_certificate(
        None, trust_url, ra_token, profile="seal", holder=holder, csr=signing_request(key, name)
    )
    store_key_and_chain(key_path, chain_path, key, issued)
    return SealIdentity(key, issued.certificate, issued.chain), True


def seal_svg(text: str, colour: str = "#c1272d") -> Markup:
    """A square red 公印 with ``text`` read top to bottom, columns from the right."""
    chars = list(text)
    count = len(chars)
    columns = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    size, pad = 100.0, 12.0
    cell_w, cell_h = (size - 2 * pad) / columns, (size - 2 * pad) / rows
    font = min(cell_w, cell_h) * 0.88
    glyphs = []
    for index, char in enumerate(chars):
        column = columns - 1 - index // rows
        row = index % rows
        x = pad + cell_w * (column + 0.5)
        y = pad + cell_h * (row + 0.5) + font * 0.36
        glyphs.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{font:.1f}" text-anchor="middle" '
            f'font-family="IPAexMincho" fill="{colour}">{html.escape(char)}</text>'
        )
    return Markup(  # noqa: S704 - every interpolated value is a number or html.escape'd text
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:.0f} {size:.0f}" '
        f'role="img" aria-label="{html.escape(text)}">'
        f'<rect x="3" y="3" width="94" height="94" fill="none" stroke="{colour}" stroke-width="5"/>'
        f'<rect x="9" y="9" width="82" height="82" fill="none" stroke="{colour}" stroke-width="1"/>'
        + "".join(glyphs)
        + "</svg>"
    )


def qr_image(text: str) -> str:
    """The QR code (error correction Q, four-module quiet zone) as a ``data:`` URI of a PNG
    with one pixel a module; the print stylesheet scales it up unsmoothed.

    A bitmap, not SVG: WeasyPrint parses an SVG path of a few thousand segments on every
    render. zxing-cpp's encoder, not a pure-Python one: choosing the mask (eight patterns
    scored) took segno about 25 ms a code, zxing-cpp under 3 ms for the whole image.
    """
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    pixels = memoryview(code.to_image(scale=1, add_quiet_zones=True))
    height, width = pixels.shape
    png = io.BytesIO()
    Image.frombytes("L", (width, height), pixels.tobytes()).save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


@dataclass(frozen=True)
class Row:
    label_ja: str
    label_en: str
    value: str
    secondary: str | None = None


@dataclass(frozen=True)
class DocumentView:
    """Everything the print template shows, already worked out."""

    title_ja: str
    title_en: str
    number: str
    issuer_name_ja: str
    issuer_name_en: str
    issued_on_ja: str
    issued_on_iso: str
    statement_ja: str
    statement_en: str
    signatory_ja: str
    signatory_en: str
    seal_svg: Markup
    qr_image: str  # data: URI (qr_image())
    verify_url: str
    kid: str
    notice_ja: str = TEST_NOTICE_JA
    notice_en: str = TEST_NOTICE_EN
    footer: str = ""


@dataclass(frozen=True)
class IssuedDocument:
    document_id: str
    pdf: bytes
    sha256: str
    qr_text: str
    claims: dict[str, Any]
    kid: str


@dataclass
class DocumentIssuer:
    """One agency's document pipeline (build once per process; thread-safe)."""

    identity: SealIdentity
    member: str
    issuer_name_ja: str
    issuer_name_en: str
    signatory_ja: str
    signatory_en: str
    seal_text: str
    tsa_url: str
    renderer: Renderer
    location: str = "Madoguchi kit"
    _sealer: Sealer | None = field(default=None, init=False, repr=False)

    def sealer(self) -> Sealer:
        if self._sealer is None:
            self._sealer = Sealer(
                key=self.identity.key,
                certificate=self.identity.certificate,
                chain=self.identity.chain,
                trust_roots=[self.identity.root],
                tsa_url=self.tsa_url,
                box=SEAL_BOX,
                reason="Certified by the issuing agency / 発行機関による証明",
                location=self.location,
            )
        return self._sealer

    def issue(
        self,
        *,
        document_id: str,
        document_type: str,
        title_ja: str,
        title_en: str,
        issued_on: date,
        issued_at: datetime,
        claims: dict[str, Any],
        qr_claims: dict[str, Any],
        statement_ja: str,
        statement_en: str,
        verify_url: str,
        render: Callable[[DocumentView], str],
    ) -> IssuedDocument:
        full_claims = {
            "type": document_type,
            "document_id": document_id,
            "issuer": {"member": self.member, "name_ja": self.issuer_name_ja,
                       "name_en": self.issuer_name_en},
            "issued_on": issued_on.isoformat(),
            "issued_at": issued_at.isoformat(),
            "key_id": self.identity.kid,
            **claims,
        }  # fmt: skip
        qr_text = qr.encode(
            issuer=self.member,
            document_id=document_id,
            issued_at=issued_at,
            claims={"t": document_type, "d": issued_on.isoformat(), **qr_claims},
            key=self.identity.key,
            kid=self.identity.kid,
        )
        view = DocumentView(
            title_ja=title_ja,
            title_en=title_en,
            number=document_id,
            issuer_name_ja=self.issuer_name_ja,
            issuer_name_en=self.issuer_name_en,
            issued_on_ja=wareki.wareki(issued_on),
            issued_on_iso=issued_on.isoformat(),
            statement_ja=statement_ja,
            statement_en=statement_en,
            signatory_ja=self.signatory_ja,
            signatory_en=self.signatory_en,
            seal_svg=seal_svg(self.seal_text),
            qr_image=qr_image(qr_text),
            verify_url=verify_url,
            kid=self.identity.kid,
            footer=f"{TEST_NOTICE_JA} {TEST_NOTICE_EN}",
        )
        pdf = self.renderer.render(render(view), claims=full_claims, document_id=document_id)
        sealed = self.sealer().seal(pdf)
        return IssuedDocument(
            document_id=document_id,
            pdf=sealed,
            sha256=hashlib.sha256(sealed).hexdigest(),
            qr_text=qr_text,
            claims=full_claims,
            kid=self.identity.kid,
        )
