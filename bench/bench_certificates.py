"""Issuing and checking signed certificates: the kit's pipeline beside library defaults.

One run, one machine, the same one-page bilingual document, the same running trust service
(RFC 3161 TSA, OCSP, CRLs under gunicorn with threads):

* kit: govkit.certificates — one shared FontConfiguration, packaged-assets fetcher, cached
  signer key, ``bytes_reserved``, a keep-alive TSA session, revocation data reused while fresh,
  seal → DSS → document timestamp;
* peer: WeasyPrint's and pyHanko's defaults — ``write_pdf()`` with no shared font
  configuration, ``PdfSigner`` with no ``bytes_reserved`` (a dry-run signature to size the
  placeholder), a new ``RequestsHTTPTimeStamper`` and ``ValidationContext`` per document, and
  pyHanko's own B-LTA flow (``embed_validation_info`` + ``use_pades_lta``);
* verification of kit documents in-process (the portal's and ``kit verify``'s code path), in a
  process set up like a kit worker (start-up objects frozen for the garbage collector);
* peak memory of one worker issuing 500 documents (sampled every 100).

Run with ``make bench-certificates`` (about five minutes on two cores).
"""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from govkit.certificates.issuer import (
    SEAL_BOX,
    DocumentIssuer,
    DocumentView,
    Row,
    load_or_provision_seal,
    qr_image,
    seal_svg,
)
from govkit.certificates.render import Renderer
from govkit.certificates.seal import SEAL_FIELD, as_asn1
from govkit.certificates.trustlist import TrustListStore
from govkit.certificates.verify import verify_pdf
from govkit.stack import Manifest, Stack

REPOSITORY = Path(__file__).resolve().parents[1]
TEMPLATES = REPOSITORY / "shared" / "src" / "govkit" / "templates"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))
PEER_ROUNDS = int(os.environ.get("BENCH_PEER_ROUNDS", "100"))
RSS_ISSUES = int(os.environ.get("BENCH_RSS_ISSUES", "500"))

ROWS = [
    Row("氏名", "Name", "見本 花子", "ミホン ハナコ / MIHON Hanako"),
    Row("生年月日", "Date of birth", "平成2年4月1日（1990-04-01）"),
    Row("住所", "Address", "桜木市中央一丁目1番1号（見本）", "1-1-1 Chuo, Sakuragi City"),
    Row("有効期限", "Valid until", "令和9年2月19日（2027-02-19）"),
    Row("備考", "Note", "架空の人物の見本です。", "A fictional person, for trying the kit."),
]


def template() -> Callable[[DocumentView], str]:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    page = env.get_template("govkit/certificates/document.html")
    return lambda view: page.render(doc=view, rows=ROWS)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def make_issuer(seal_dir: Path, trust_url: str, token: str) -> DocumentIssuer:
    identity, _ = load_or_provision_seal(
        seal_dir, trust_url=trust_url, ra_token=token, holder="GOV/BENCH", name="Bench seal"
    )
    return DocumentIssuer(
        identity=identity,
        member="GOV/BENCH",
        issuer_name_ja="ベンチマーク",
        issuer_name_en="Bench",
        signatory_ja="ベンチマーク",
        signatory_en="Bench",
        seal_text="見本之印",
        tsa_url=f"{trust_url}/tsa",
        renderer=Renderer(),
    )


def issue(issuer: DocumentIssuer, render: Callable[[DocumentView], str], n: int) -> bytes:
    today = datetime.now(UTC).date()
    return issuer.issue(
        document_id=f"BENCH-{n:06d}", document_type="specimen", title_ja="見本証明書",
        title_en="Specimen certificate", issued_on=today, issued_at=datetime.now(UTC),
        claims={"valid_until": date(2027, 2, 19).isoformat(), "status": {"url": "", "index": n}},
        qr_claims={"n": "MIHON Hanako", "s": "http://localhost:8000", "l": n},
        statement_ja="この文書は見本である。", statement_en="This is a specimen.",
        verify_url="http://localhost:8000/verify", render=render,
    ).pdf  # fmt: skip


def peer_issue(
    issuer: DocumentIssuer, render: Callable[[DocumentView], str], trust_url: str
) -> bytes:
    """The same document with WeasyPrint's and pyHanko's defaults."""
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from weasyprint import HTML, Attachment

    # The same HTML as the kit renders (same seal and QR), so only the pipeline differs.
    today = datetime.now(UTC).date()
    view = DocumentView(
        title_ja="見本証明書",
        title_en="Specimen certificate",
        number="PEER-1",
        issuer_name_ja="ベンチマーク",
        issuer_name_en="Bench",
        issued_on_ja="令和8年",
        issued_on_iso=today.isoformat(),
        statement_ja="この文書は見本である。",
        statement_en="This is a specimen.",
        signatory_ja="ベンチマーク",
        signatory_en="Bench",
        seal_svg=seal_svg("見本之印"),
        qr_image=qr_image("MDG1:PEER"),
        verify_url="http://localhost:8000/verify",
        kid=issuer.identity.kid,
    )
    # WeasyPrint's default fetcher reads the stylesheet from the file system.
    stylesheet = (REPOSITORY / "shared/src/govkit/certificates/assets/print.css").as_uri()
    html = render(view).replace("kit-asset:print.css", stylesheet)
    pdf = HTML(string=html).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[
            Attachment(string=json.dumps({"id": "PEER-1"}), name="claims.json", relationship="Data")
        ],
    )
    key = asn1_keys.PrivateKeyInfo.load(
        issuer.identity.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=as_asn1(issuer.identity.certificate),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(
            [as_asn1(c) for c in issuer.identity.chain]
        ),
    )
    meta = PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=True,
        use_pades_lta=True,
        validation_context=ValidationContext(
            trust_roots=[as_asn1(issuer.identity.root)], allow_fetching=True
        ),
    )
    pdf_signer = PdfSigner(
        meta,
        signer=signer,
        timestamper=RequestsHTTPTimeStamper(f"{trust_url}/tsa"),
        new_field_spec=SigFieldSpec(SEAL_FIELD, on_page=0, box=SEAL_BOX.pdf_rect()),
    )
    return pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()


def timed(action: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc (kB → MB)."""
    line = next(
        x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(field)
    )
    return round(int(line.split()[1]) / 1024, 1)


def rss_worker(seal_dir: str, trust_url: str, token: str, count: int) -> None:
    """Child process: issue ``count`` documents, print RSS every 100 and the peak (VmHWM).

    VmHWM belongs to this process's own memory image; getrusage's ru_maxrss would carry the
    parent's peak over the fork.
    """
    issuer = make_issuer(Path(seal_dir), trust_url, token)
    render = template()
    for n in range(1, count + 1):
        issue(issuer, render, n)
        if n % 100 == 0 or n == 1:
            print(json.dumps({"issued": n, "rss_mb": _status_mb("VmRSS")}), flush=True)
    print(json.dumps({"peak_mb": _status_mb("VmHWM")}), flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--rss-worker":
        rss_worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    manifest = Manifest.load(REPOSITORY / "kit.toml").select(["trust"])
    with tempfile.TemporaryDirectory() as folder:
        stack = Stack(manifest, Path(folder) / "var", free_ports=True, workers=2, threads=8)
        with stack:
            trust_url = stack.url("trust")
            token = stack.environment_for(manifest.services[0])["KIT_TRUST_RA_TOKEN"]
            issuer = make_issuer(Path(folder) / "seal", trust_url, token)
            render = template()
            issue(issuer, render, 0)  # warm-up: fonts, imports, first OCSP/CRL fetch
            counter = iter(range(1, 10**6))
            kit = timed(lambda: issue(issuer, render, next(counter)), ROUNDS)
            peer_issue(issuer, render, trust_url)  # warm-up
            peer = timed(lambda: peer_issue(issuer, render, trust_url), PEER_ROUNDS)

            store = TrustListStore(Path(folder) / "trust", trust_url)
            trust = store.current()
            documents = [issue(issuer, render, 900000 + i) for i in range(20)]
            verify_pdf(documents[0], trust=trust)
            # As a kit worker is set up (govkit.gunicorn_config.pre_fork): long-lived objects
            # frozen out of the garbage collector's reach.
            gc.collect()
            gc.freeze()
            checks = iter(range(10**6))
            verify = timed(lambda: verify_pdf(documents[next(checks) % 20], trust=trust), ROUNDS)
            assert verify_pdf(documents[0], trust=trust).verdict.value == "valid"

            worker = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--rss-worker",
                    str(Path(folder) / "seal"),
                    trust_url,
                    token,
                    str(RSS_ISSUES),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            samples = [
                json.loads(line) for line in worker.stdout.splitlines() if line.startswith("{")
            ]

    print(
        f"Signed certificates on {os.cpu_count()} CPUs (one A4 page, PAdES B-LTA, kit TSA/OCSP/CRL)"
    )
    print(f"  {'':52}{'p50':>9}{'p95':>9}{'n':>6}")
    for label, values in (
        ("issue — kit pipeline (render + seal + DSS + doc TS)", kit),
        ("issue — WeasyPrint/pyHanko defaults (same document)", peer),
        ("verify — kit, in-process, from the file alone", verify),
    ):
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"  {label:52}{p50:7.0f}ms{p95:7.0f}ms{len(values):6d}")
    print(f"  speed-up of issuing (p50): {percentile(peer, 0.5) / percentile(kit, 0.5):.1f}x")
    print("  memory of one worker issuing documents:")
    for sample in samples:
        if "issued" in sample:
            print(f"    after {sample['issued']:4d}: RSS {sample['rss_mb']:6.1f} MB")
        else:
            print(f"    peak RSS: {sample['peak_mb']:.1f} MB")
    print("  targets: issue p50 ≤ 250 ms, p95 ≤ 400 ms; verify p95 ≤ 100 ms; RSS flat, < 300 MB")


if __name__ == "__main__":
    main()
