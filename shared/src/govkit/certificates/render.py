"""HTML → PDF/A-3b with the claims attached, by WeasyPrint.

* One ``FontConfiguration`` per process (memory stays flat across thousands of renders).
* A URL fetcher that serves only packaged assets (``kit-asset:print.css``); any other URL — web,
  ``file:``, ``data:`` aside — stops the render, so a certificate never silently loses a part or
  reaches out of the machine.
* ``claims.json`` attached as an associated file with ``AFRelationship /Data``: the machine-
  readable copy of what the page says, covered by the seal.
* The IPAex fonts are installed system-wide (``make`` does it) and embedded as subsets.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from weasyprint import HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

ASSET_SCHEME = "kit-asset:"
ASSETS = Path(__file__).parent / "assets"


class RenderError(RuntimeError):
    """The document could not be rendered (a missing asset, a bad template…)."""


class PackagedAssets(URLFetcher):
    """Serve ``kit-asset:<name>`` from the packaged assets folder and nothing else."""

    def __init__(self, folder: Path = ASSETS) -> None:
        # ``data:`` is the one protocol the base fetcher may open (``fetch`` sends it nothing else).
        super().__init__(allowed_protocols=("data",))
        self.folder = folder.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(ASSET_SCHEME):
            raise FatalURLFetchingError(f"certificates may only use packaged assets, not {url}")
        path = (self.folder / url[len(ASSET_SCHEME) :].lstrip("/")).resolve()
        if self.folder not in path.parents or not path.is_file():
            raise FatalURLFetchingError(f"no packaged asset {url}")
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": _type(path)}
        )


def _type(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )


class Renderer:
    """Renders certificate HTML to PDF/A-3b; one per process, safe to share between threads."""

    def __init__(self, assets: Path = ASSETS) -> None:
        self._fetcher = PackagedAssets(assets)
        self._fonts = FontConfiguration()
        # Pango's font map is shared by the process; WeasyPrint is not documented as thread-safe.
        self._lock = threading.Lock()

    def render(self, html: str, *, claims: dict[str, Any], document_id: str) -> bytes:
        claims_json = json.dumps(claims, ensure_ascii=False, indent=2, sort_keys=True)
        attachment = Attachment(
            string=claims_json,
            name="claims.json",
            description="Machine-readable claims of this document / この文書の記載事項（機械可読）",
            relationship="Data",
            url_fetcher=self._fetcher,
        )
        identifier = hashlib.sha256(document_id.encode("utf-8")).hexdigest()[:32].encode("ascii")
        try:
            with self._lock:
                return HTML(
                    string=html, base_url=ASSET_SCHEME, url_fetcher=self._fetcher
                ).write_pdf(
                    pdf_variant="pdf/a-3b",
                    attachments=[attachment],
                    font_config=self._fonts,
                    pdf_identifier=identifier,
                )
        except FatalURLFetchingError as exc:
            raise RenderError(str(exc)) from exc
