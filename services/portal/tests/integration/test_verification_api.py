"""The verification API judges anything it is sent and never answers with a server error.

Proves: requests it cannot read (no body, JSON without QR text, a bad freshness rule, nothing to
check) get 400 problem+json saying what was wrong; a body over 10 MB gets 413 problem+json; no
trust list gets 503 problem+json; anything it can read gets 200 with a verdict, a title and the
explanation of every reason in Japanese and English — for garbage of every kind (empty, not a
PDF, damaged, unsigned, encrypted, truncated, altered or re-signed PDFs; QR texts that are
empty, foreign, truncated, altered by one character, forged, signed by an unknown key or far
too long), each with the exact verdict and reason it deserves.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable
from typing import Any

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cwt import COSE, COSEKey
from flask import Flask
from flask.testing import FlaskClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from govkit.certificates import qr
from govkit.certificates.verify import MAX_PDF_BYTES
from govkit.testing import check_page, from_security_server
from portal import services
from portal.documents import documents

Browser = Any  # conftest.Browser
PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"]
    return body


def _upload(client: FlaskClient, data: bytes, **form: str) -> Any:
    return client.post(
        "/api/v1/verify", data={"document": (io.BytesIO(data), "upload.pdf"), **form}
    )


# -- requests it cannot read -----------------------------------------------------------------------


def test_no_body(portal_app: Flask) -> None:
    body = _problem(portal_app.test_client().post("/api/v1/verify"), 400)
    assert body["title"] == "Nothing to check"
    assert body["instance"] == "/api/v1/verify"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"qr": ""},
        {"qr": None},
        {"qr": 42},
        {"qr": ["MDG1:ABC"]},
        {"QR": "MDG1:ABC"},
        [],
        ["MDG1:ABC"],
        "MDG1:ABC",
        None,
    ],
    ids=repr,
)
def test_json_without_qr_text(portal_app: Flask, body: Any) -> None:
    response = portal_app.test_client().post(
        "/api/v1/verify", data=json.dumps(body), content_type="application/json"
    )
    assert _problem(response, 400)["title"] == "QR text expected"


def test_json_that_does_not_parse(portal_app: Flask) -> None:
    response = portal_app.test_client().post(
        "/api/v1/verify", data=b'{"qr": "MDG1:', content_type="application/json"
    )
    assert _problem(response, 400)["title"] == "QR text expected"


@pytest.mark.parametrize(
    "rule",
    [
        {"freshness": "weekly"},
        {"freshness": 30},
        {"freshness": ["30-days"]},
        {"freshness": "custom"},
        {"freshness": "custom", "custom_days": "0"},
        {"freshness": "custom", "custom_days": 3651},
        {"freshness": "custom", "custom_days": "abc"},
        {"freshness": "custom", "custom_days": "²"},
        {"freshness": "custom", "custom_days": "9" * 5000},
        {"freshness": "custom", "custom_days": -5},
    ],
    ids=repr,
)
def test_a_bad_freshness_rule_in_json(portal_app: Flask, rule: dict[str, Any]) -> None:
    response = portal_app.test_client().post("/api/v1/verify", json={"qr": "MDG1:ABC", **rule})
    assert _problem(response, 400)["title"] == "Invalid freshness rule"


@pytest.mark.parametrize(
    "rule", [{"freshness": "weekly"}, {"freshness": "custom", "custom_days": "3651"}], ids=repr
)
def test_a_bad_freshness_rule_with_an_upload(portal_app: Flask, rule: dict[str, str]) -> None:
    response = _upload(portal_app.test_client(), b"%PDF-1.7\n", **rule)
    assert _problem(response, 400)["title"] == "Invalid freshness rule"


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"qr": "  "},
        {"document": (b"%PDF-", ""), "qr": ""},
        {"document": (b"%PDF-", "a.pdf"), "qr": "MDG1:ABC"},
    ],
    ids=["nothing", "blank-qr", "no-file-name", "file-and-qr"],
)
def test_nothing_or_too_much_to_check(portal_app: Flask, form: dict[str, Any]) -> None:
    if "document" in form:
        content, name = form["document"]
        form = {**form, "document": (io.BytesIO(content), name)}
    response = portal_app.test_client().post(
        "/api/v1/verify", data=form, content_type="multipart/form-data"
    )
    assert _problem(response, 400)["title"] == "Nothing to check"


def test_a_body_over_10_mb(portal_app: Flask) -> None:
    big = FileStorage(io.BytesIO(b"%PDF-1.7\n" + b"0" * MAX_PDF_BYTES), "big.pdf", "document")
    # Encoded in memory: the test client would spool it to a temporary file it never closes.
    boundary, body = encode_multipart({"document": big})
    response = portal_app.test_client().post(
        "/api/v1/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    _problem(response, 413)


def test_without_the_trust_list(portal_app: Flask) -> None:
    client = portal_app.test_client()
    for response in (
        client.post("/api/v1/verify", json={"qr": "MDG1:ABC"}),
        _upload(client, b"%PDF-1.7\n"),
    ):
        assert _problem(response, 503)["title"] == "Trust list unavailable"


# -- anything it can read gets a verdict -----------------------------------------------------------


def _check_words(body: dict[str, Any]) -> None:
    """A title and an explanation per reason, in both languages, none of them a bare code."""
    assert set(body["title"]) == {"ja", "en"}
    assert body["title"]["ja"]
    assert body["title"]["en"]
    assert body["title"]["ja"] != body["title"]["en"]
    assert len(body["explanations"]) == len(body["reasons"])
    for code, explanation in zip(body["reasons"], body["explanations"], strict=True):
        assert set(explanation) == {"ja", "en"}
        assert code not in (explanation["ja"], explanation["en"])
        assert explanation["ja"] != explanation["en"]


def test_a_non_pdf_upload(issuing_app: Flask) -> None:
    response = _upload(issuing_app.test_client(), b"Hello, this is a text file.\n")
    assert response.status_code == 200
    body = response.get_json()
    assert body["verdict"] == "not-issued"
    assert body["reasons"] == ["not-pdf"]
    assert body["source"] == "pdf"
    assert body["title"] == {
        "ja": "窓口から発行された文書ではありません",
        "en": "This is not a document issued through Madoguchi",
    }
    assert body["explanations"] == [
        {"ja": "ファイルがPDFではありません。", "en": "The file is not a PDF."}
    ]
    assert body["freshness"] is None
    assert body["document_id"] is None
    _check_words(body)


def _unsigned_pdf() -> bytes:
    out = io.BytesIO()
    PdfFileWriter().write(out)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfFileWriter()
    writer.encrypt("owner-password", "user-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_an_incremental_update(pdf: bytes) -> bytes:
    """The sealed PDF with a later revision that changes its language: not signature upkeep."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _one_byte_changed(pdf: bytes) -> bytes:
    changed = bytearray(pdf)
    changed[len(pdf) // 2] ^= 0xFF
    return bytes(changed)


def _one_character_changed(text: str) -> str:
    """A character of the QR text's middle set to "0": still Base45, no longer the data."""
    at = next(i for i in range(len(text) // 2, len(text)) if text[i] != "0")
    return text[:at] + "0" + text[at + 1 :]


def _cut(text: str, extra: int) -> str:
    """The QR text cut about half way, at ``extra`` characters past a whole Base45 group."""
    body = text[len(qr.PREFIX) :]
    return qr.PREFIX + body[: len(body) // 2 // 3 * 3 + extra]


def _reencoded(cose: bytes) -> str:
    return qr.PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def _with_changed_claims(text: str) -> str:
    """The QR's signed message with a name changed inside and the old signature kept."""
    cose = zlib.decompress(base45.b45decode(text[len(qr.PREFIX) :]))
    assert b"MIHON Hanako" in cose
    return _reencoded(cose.replace(b"MIHON Hanako", b"MIHON Hanaka"))


def _sign(payload: Any, key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    """A kit-style QR text around any payload (qr.encode only makes well-formed ones)."""
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    signed = COSE.new().encode_and_sign(
        cbor2.dumps(payload),
        COSEKey.from_pem(pem, alg="ES256", kid=kid),
        protected={1: -7, 4: kid.encode("ascii")},  # ES256, kid
    )
    return _reencoded(signed)


def test_garbage_gets_the_verdict_it_deserves_and_never_a_server_error(
    issuing_app: Flask, browser: Callable[..., Browser], qr_texts: dict[str, str]
) -> None:
    visitor = browser(issuing_app)
    document_id = visitor.issue_specimen()
    pdf = visitor.client.get(f"/certificates/specimen/{document_id}.pdf").data
    text = qr_texts[document_id]
    with issuing_app.app_context():
        seal = documents().identity()
    stranger = ec.generate_private_key(ec.SECP256R1())

    uploads: list[tuple[str, bytes, str, str]] = [
        ("empty file", b"", "not-issued", "empty"),
        ("blank file", b" \r\n\t ", "not-issued", "empty"),
        ("text file", b"hello", "not-issued", "not-pdf"),
        ("PNG image", b"\x89PNG\r\n\x1a\n" + bytes(64), "not-issued", "not-pdf"),
        ("zip archive", b"PK\x03\x04" + bytes(64), "not-issued", "not-pdf"),
        ("PDF header only", b"%PDF-1.7\n", "not-issued", "damaged"),
        ("unsigned PDF", _unsigned_pdf(), "not-issued", "no-signature"),
        ("encrypted PDF", _encrypted_pdf(), "not-issued", "encrypted"),
        ("first half of the specimen", pdf[: len(pdf) // 2], "not-issued", "damaged"),
        ("specimen without its end", pdf[:-200], "not-issued", "damaged"),
        ("specimen with one byte changed", _one_byte_changed(pdf), "tampered", "signature-broken"),
        (
            "specimen with a later revision",
            _with_an_incremental_update(pdf),
            "tampered",
            "modified-after-signing",
        ),
    ]
    qr_inputs: list[tuple[str, str, str, str]] = [
        ("a word", "hello", "not-issued", "qr-prefix"),
        ("a web address", "https://example.com/MDG1:ABC", "not-issued", "qr-prefix"),
        ("lower-case prefix", "mdg1:" + text[len(qr.PREFIX) :], "not-issued", "qr-prefix"),
        ("the prefix alone", "MDG1:", "not-issued", "qr-damaged"),
        ("not Base45", "MDG1:@@@", "not-issued", "qr-base45"),
        ("not Base45 either", "MDG1:日本語", "not-issued", "qr-base45"),
        ("cut on a group", _cut(text, 0), "not-issued", "qr-damaged"),
        ("cut inside a group", _cut(text, 1), "not-issued", "qr-base45"),
        ("one character changed", _one_character_changed(text), "not-issued", "qr-damaged"),
        ("not a signed message", _reencoded(b"hello"), "not-issued", "qr-not-cose"),
        ("claims changed", _with_changed_claims(text), "tampered", "qr-signature"),
        (
            "signed by an unknown key",
            _sign({1: "GOV/DA", 6: 1_770_000_000, 7: b"SPC-X", -70001: {}}, stranger, "f" * 16),
            "untrusted-issuer",
            "qr-unknown-key",
        ),
        (
            "the seal's signature around no document",
            _sign({"nothing": "here"}, seal.key, seal.kid),
            "not-issued",
            "qr-payload",
        ),
        ("just too long", "MDG1:" + "A" * (qr.MAX_TEXT - 4), "not-issued", "qr-too-long"),
        ("far too long", "MDG1:" + "0" * 200_000, "not-issued", "qr-too-long"),
    ]
    assert len(uploads) + len(qr_inputs) >= 10

    wrong: list[str] = []
    answers: list[tuple[str, Any, str, str, str]] = [
        (name, _upload(visitor.client, data), "pdf", verdict, reason)
        for name, data, verdict, reason in uploads
    ] + [
        (name, visitor.client.post("/api/v1/verify", json={"qr": qr_text}), "qr", verdict, reason)
        for name, qr_text, verdict, reason in qr_inputs
    ]
    for name, response, source, verdict, reason in answers:
        if response.status_code != 200:
            wrong.append(f"{name}: HTTP {response.status_code}")
            continue
        body = response.get_json()
        if (body["verdict"], body["reasons"], body["source"]) != (verdict, [reason], source):
            wrong.append(
                f"{name}: {body['verdict']} {body['reasons']}, expected {verdict} {reason}"
            )
        _check_words(body)
    assert not wrong, "\n".join(wrong)

    # The real ones, for contrast (whitespace around the QR text, as pasted, is fine).
    for response in (
        _upload(visitor.client, pdf),
        visitor.client.post("/api/v1/verify", json={"qr": f"\n  {text} \n"}),
    ):
        body = response.get_json()
        assert (body["verdict"], body["reasons"], body["document_id"]) == (
            "valid",
            [],
            document_id,
        )


def _crafted(text: str) -> list[str]:
    """COSE_Sign1 structures of the wrong shape around the protected header of a real QR: too
    short, a missing payload, headers and payload of the wrong types."""
    cose = cbor2.loads(zlib.decompress(base45.b45decode(text[len(qr.PREFIX) :])))
    protected = cose.value[0]
    shapes = ([protected], [protected, {}, None, b"s"], [protected, "x", 1, 2])
    return [_reencoded(cbor2.dumps(cbor2.CBORTag(18, shape))) for shape in shapes]


def test_crafted_qr_texts_are_not_issued_documents_wherever_they_are_checked(
    issuing_app: Flask, browser: Callable[..., Browser], qr_texts: dict[str, str]
) -> None:
    visitor = browser(issuing_app, "en")
    crafted = _crafted(qr_texts[visitor.issue_specimen()])
    agency = from_security_server(**{"X-Road-Client": "JP-KIT/GOV/JPS/pension"})
    for text in crafted:
        for response in (
            visitor.client.post("/api/v1/verify", json={"qr": text}),
            visitor.client.post("/exchange/verification", json={"qr": text}, headers=agency),
        ):
            assert response.status_code == 200, response.get_data(as_text=True)
            body = response.get_json()
            assert (body["verdict"], body["source"]) == ("not-issued", "qr")
            assert body["reasons"][0].startswith("qr-")
            _check_words(body)
        page = visitor.client.post("/verify", data={"csrf_token": visitor.csrf_token(), "qr": text})
        assert page.status_code == 303, page.get_data(as_text=True)
        result = check_page(visitor.client.get("/verify/result"), lang="en")
        assert result.select_one("[data-verdict]")["data-verdict"] == "not-issued"


@pytest.mark.parametrize("error", [ValueError, TypeError, KeyError, IndexError])
def test_whatever_a_qr_decoder_raises_is_a_verdict_not_a_server_error(
    issuing_app: Flask, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    """However govkit's QR check is hardened, the portal never lets a decoder's surprise out."""

    def surprised(*_args: Any, **_kwargs: Any) -> Any:
        raise error("unexpected")

    monkeypatch.setattr(services, "verify_qr", surprised)
    response = issuing_app.test_client().post("/api/v1/verify", json={"qr": "MDG1:ABC"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["verdict"], body["reasons"], body["source"]) == (
        "not-issued",
        ["qr-not-cose"],
        "qr",
    )


def test_an_empty_qr_field_with_a_form_post_is_nothing_to_check(issuing_app: Flask) -> None:
    response = issuing_app.test_client().post(
        "/api/v1/verify", data={"qr": ""}, content_type="multipart/form-data"
    )
    assert _problem(response, 400)["title"] == "Nothing to check"


def test_qr_text_can_be_sent_as_a_form_field(
    issuing_app: Flask, browser: Callable[..., Browser], qr_texts: dict[str, str]
) -> None:
    visitor = browser(issuing_app)
    document_id = visitor.issue_specimen()
    response = visitor.client.post(
        "/api/v1/verify", data={"qr": qr_texts[document_id], "freshness": "3-months"}
    )
    body = response.get_json()
    assert body["verdict"] == "valid"
    assert body["source"] == "qr"
    assert body["freshness"]["rule"] == "3-months"
    assert body["freshness"]["fresh"] is True
