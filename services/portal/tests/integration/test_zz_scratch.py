import io, zlib, base45
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.pdf_utils import generic

def test_explore(issuing_app, browser, qr_texts):
    v = browser(issuing_app, "en")
    doc = v.issue_specimen()
    pdf = v.client.get(f"/certificates/specimen/{doc}.pdf").data
    qr = qr_texts[doc]
    print("QR", len(qr), qr[:40])
    # unsigned pdf
    w = PdfFileWriter(); b = io.BytesIO(); w.write(b); unsigned = b.getvalue()
    w = PdfFileWriter(); w.encrypt("owner", "user"); b = io.BytesIO(); w.write(b); enc = b.getvalue()
    iw = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    iw.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("changed")})) if hasattr(iw, "set_info") else None
    iw.root["/Lang"] = generic.TextStringObject("fr"); iw.update_root()
    b = io.BytesIO(); iw.write(b); incr = b.getvalue()
    i = pdf.index(b"/Lang") if b"/Lang" in pdf else 20
    flipped = bytearray(pdf); flipped[i+7] ^= 0x01
    mid = bytearray(pdf); mid[len(pdf)//2] ^= 0xFF
    cases = {
        "empty": b"", "ws": b" \n\t", "hello": b"hello", "png": b"\x89PNG\r\n\x1a\n" + b"0"*50,
        "pdfhead": b"%PDF-1.7\n", "unsigned": unsigned, "enc": enc, "trunc": pdf[: len(pdf)//2],
        "trunc_end": pdf[:-200], "flip_lang": bytes(flipped), "mid": bytes(mid), "append": pdf + b"\njunk\n",
        "incr": incr, "leadingws": b"  \n" + pdf,
    }
    for name, data in cases.items():
        r = v.client.post("/api/v1/verify", data={"document": (io.BytesIO(data), "x.pdf")})
        j = r.get_json()
        print("PDF", name, r.status_code, j.get("verdict"), j.get("reasons"))
    comp = zlib.decompress(base45.b45decode(qr[5:]))
    body = qr[5:]
    qcases = {"hello": "hello", "prefix": "MDG1:", "at": "MDG1:@@@", "long": "MDG1:" + "A"*5000,
        "trunc0": qr[: 5 + ((len(qr)-5)//2)//3*3], "trunc1": qr[: 5 + ((len(qr)-5)//2)//3*3 + 1],
        "trunc2": qr[: 5 + ((len(qr)-5)//2)//3*3 + 2],
        "ws": "\n " + qr + " \n", "lower": "mdg1:" + body, "notcose": "MDG1:" + base45.b45encode(zlib.compress(b"hello")).decode(),
    }
    for k in range(5, len(qr), 37):
        alt = "0" if qr[k] != "0" else "1"
        qcases[f"chg{k}"] = qr[:k] + alt + qr[k+1:]
    for name, text in qcases.items():
        r = v.client.post("/api/v1/verify", json={"qr": text})
        j = r.get_json()
        print("QR", name, r.status_code, j.get("verdict"), j.get("reasons"))
