"""The signed QR payload: what ``encode`` writes reads back through ``verify`` with the issuer's
key; the text is QR alphanumeric Base45 that fits a version ≤ 15 code at error correction Q;
every kind of malformed text is refused with its own code; and a wrong key, an unknown key or a
changed byte in the signed COSE message is refused as a signature failure."""

from __future__ import annotations

import base64
import io
import zlib
from collections.abc import Callable
from datetime import UTC, datetime

import base45
import cbor2
import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cwt import COSE, COSEKey
from PIL import Image

from govkit.certificates import qr
from govkit.certificates.issuer import qr_image

KID = "0123456789abcdef"
ISSUED_AT = datetime(2025, 12, 1, 9, 30, 15, tzinfo=UTC)
#: What a kit service puts in a QR (see portal.services): name, validity, status base URL…
CLAIMS = {
    "t": "residence-certificate",
    "d": "2025-12-01",
    "n": "YAMADA Hanako",
    "v": "2026-03-01",
    "s": "https://portal.kit.example",
    "l": 12345,
    "ij": "デジタル庁（窓口キット）",
    "ie": "Digital Agency (Madoguchi kit)",
}
BASE45_ALPHABET = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def text(key: ec.EllipticCurvePrivateKey) -> str:
    return qr.encode(
        issuer="GOV/DA",
        document_id="DA-2025-000123",
        issued_at=ISSUED_AT,
        claims=CLAIMS,
        key=key,
        kid=KID,
    )


def _wrap(data: bytes) -> str:
    """``data`` as the QR layers around a COSE message: zlib, Base45, prefix."""
    return qr.PREFIX + base45.b45encode(zlib.compress(data)).decode("ascii")


def test_round_trip(text: str, key: ec.EllipticCurvePrivateKey) -> None:
    payload = qr.verify(text, {KID: key.public_key()})
    assert payload.kid == KID
    assert payload.issuer == "GOV/DA"
    assert payload.document_id == "DA-2025-000123"
    assert payload.issued_at == ISSUED_AT
    assert payload.claims == CLAIMS
    assert payload.cose == qr.parse(text)[1]


def test_issued_at_keeps_whole_seconds_only(key: ec.EllipticCurvePrivateKey) -> None:
    moment = datetime(2025, 12, 1, 9, 30, 15, 987654, tzinfo=UTC)
    text = qr.encode(
        issuer="GOV/DA", document_id="X", issued_at=moment, claims={}, key=key, kid=KID
    )
    assert qr.verify(text, {KID: key.public_key()}).issued_at == moment.replace(microsecond=0)


def test_text_is_prefixed_uppercase_base45(text: str) -> None:
    assert text.startswith("MDG1:")
    body = text[len(qr.PREFIX) :]
    assert body
    assert set(body) <= BASE45_ALPHABET


SIZES = {
    "type and date only": {"t": "residence-certificate", "d": "2025-12-01"},
    "subject, validity, status": {k: v for k, v in CLAIMS.items() if k not in ("ij", "ie")},
    "plus the issuer's English name": {k: v for k, v in CLAIMS.items() if k != "ij"},
}


@pytest.mark.parametrize("claims", SIZES.values(), ids=SIZES.keys())
def test_the_printed_code_is_version_15_or_lower_at_error_correction_q_and_reads_back(
    key: ec.EllipticCurvePrivateKey, claims: dict[str, object]
) -> None:
    text = qr.encode(
        issuer="GOV/DA",
        document_id="DA-2025-000123",
        issued_at=ISSUED_AT,
        claims=claims,
        key=key,
        kid=KID,
    )
    uri = qr_image(text)
    assert uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.width == image.height
    modules = image.width - 2 * 4  # one pixel a module, a four-module quiet zone
    assert (modules - 17) % 4 == 0
    assert (modules - 17) // 4 <= 15  # version
    # A scanner sees modules several pixels wide: scale up as the print stylesheet does.
    # Only QR codes are looked for: with every format on, a random signature can make part of
    # the symbol read as a second, smaller code of another kind.
    (found,) = zxingcpp.read_barcodes(
        image.resize((image.width * 4,) * 2, Image.NEAREST),
        formats=zxingcpp.BarcodeFormat.QRCode,
    )
    assert found.text == text
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    assert found.ec_level == "Q"


def test_parse_names_the_key(text: str) -> None:
    kid, cose = qr.parse(text)
    assert kid == KID
    assert isinstance(cbor2.loads(cose), cbor2.CBORTag)
    assert cbor2.loads(cose).tag == 18  # COSE_Sign1


def _no_kid() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signed = COSE.new().encode_and_sign(
        b"payload", COSEKey.from_pem(pem, alg="ES256"), protected={1: -7}
    )
    return _wrap(signed)


MALFORMED: list[tuple[str, Callable[[str], str], str]] = [
    ("empty", lambda t: "", "qr-prefix"),
    ("no prefix", lambda t: t[len(qr.PREFIX) :], "qr-prefix"),
    ("other prefix", lambda t: "HC1:" + t[len(qr.PREFIX) :], "qr-prefix"),
    ("lowercase prefix", lambda t: t.replace("MDG1:", "mdg1:", 1), "qr-prefix"),
    ("not base45 characters", lambda t: qr.PREFIX + "hello!", "qr-base45"),
    ("lowercased body", lambda t: qr.PREFIX + t[len(qr.PREFIX) :].lower(), "qr-base45"),
    ("dangling character", lambda t: t + "0" * ((1 - len(t) + len(qr.PREFIX)) % 3), "qr-base45"),
    ("base45 of bytes that are not zlib", lambda t: _wrap_raw(b"not zlib at all"), "qr-damaged"),
    ("truncated", lambda t: t[: len(qr.PREFIX) + 3 * ((len(t) - 5) // 6)], "qr-damaged"),
    ("zlib of text", lambda t: _wrap(b"hello, world"), "qr-not-cose"),
    ("zlib of a CBOR integer", lambda t: _wrap(cbor2.dumps(7)), "qr-not-cose"),
    ("zlib of a CBOR map", lambda t: _wrap(cbor2.dumps({1: 2})), "qr-not-cose"),
    ("zlib of an empty CBOR array", lambda t: _wrap(cbor2.dumps([])), "qr-not-cose"),
    ("COSE without a kid", lambda t: _no_kid(), "qr-not-cose"),
    ("too long", lambda t: qr.PREFIX + "0" * qr.MAX_TEXT, "qr-too-long"),
    ("valid text made too long", lambda t: t + "00" * qr.MAX_TEXT, "qr-too-long"),
]


def _wrap_raw(data: bytes) -> str:
    return qr.PREFIX + base45.b45encode(data).decode("ascii")


@pytest.mark.parametrize(
    ("make", "code"), [(m, c) for _, m, c in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_text_is_refused_with_its_code(
    text: str, key: ec.EllipticCurvePrivateKey, make: Callable[[str], str], code: str
) -> None:
    bad = make(text)
    with pytest.raises(qr.QRFormatError) as parsed:
        qr.parse(bad)
    assert parsed.value.code == code
    with pytest.raises(qr.QRFormatError) as verified:
        qr.verify(bad, {KID: key.public_key()})
    assert verified.value.code == code


def _with_known_kid(text: str, *rest: object) -> str:
    """A COSE_Sign1 whose protected header (and so its kid) is the real one's, followed by
    ``rest`` instead of the unprotected header, payload and signature."""
    _kid, cose = qr.parse(text)
    protected = cbor2.loads(cose).value[0]
    return _wrap(cbor2.dumps(cbor2.CBORTag(18, [protected, *rest])))


@pytest.mark.parametrize(
    "rest",
    [(), ({}, None, b"s"), ("x", 1, 2), ({}, b"payload"), ({}, b"p", b"s", b"extra")],
    ids=["only-the-header", "no-payload", "wrong-types", "no-signature", "five-parts"],
)
def test_a_known_kid_over_a_broken_structure_is_not_cose(
    text: str, key: ec.EllipticCurvePrivateKey, rest: tuple[object, ...]
) -> None:
    """Past the kid the cwt library says "Invalid COSE format" with a ValueError: still the
    text's fault, never an exception out of verify."""
    with pytest.raises((qr.QRFormatError, qr.QRSignatureError)):
        qr.verify(_with_known_kid(text, *rest), {KID: key.public_key()})


def test_length_limit_boundary() -> None:
    """Exactly MAX_TEXT characters is still parsed (and fails later); one more is too long."""
    at_limit = qr.PREFIX + "0" * (qr.MAX_TEXT - len(qr.PREFIX))
    with pytest.raises(qr.QRFormatError) as error:
        qr.parse(at_limit)
    assert error.value.code != "qr-too-long"
    with pytest.raises(qr.QRFormatError) as error:
        qr.parse(at_limit + "0")
    assert error.value.code == "qr-too-long"


def test_surrounding_whitespace_is_ignored(text: str, key: ec.EllipticCurvePrivateKey) -> None:
    assert qr.verify(f"  {text}\n", {KID: key.public_key()}).document_id == "DA-2025-000123"


def test_another_key_with_the_same_kid_is_a_signature_error(text: str) -> None:
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(qr.QRSignatureError, match="does not match"):
        qr.verify(text, {KID: other})


def test_unknown_kid_is_a_signature_error_that_says_unknown(
    text: str, key: ec.EllipticCurvePrivateKey
) -> None:
    with pytest.raises(qr.QRSignatureError, match="unknown"):
        qr.verify(text, {"fedcba9876543210": key.public_key()})
    with pytest.raises(qr.QRSignatureError, match="unknown"):
        qr.verify(text, {})


def _rebuild(text: str, change: Callable[[list], None]) -> str:
    """Decode the COSE_Sign1 of ``text``, let ``change`` edit its four parts, re-wrap it."""
    _kid, cose = qr.parse(text)
    message = cbor2.loads(cose)
    parts = list(message.value)
    change(parts)
    return _wrap(cbor2.dumps(cbor2.CBORTag(message.tag, parts)))


def _flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def _swap_claims(parts: list) -> None:
    payload = cbor2.loads(parts[2])
    payload[qr.DOCUMENT_CLAIM]["n"] = "SATO Taro"
    parts[2] = cbor2.dumps(payload)


CHANGES: list[tuple[str, Callable[[list], None]]] = [
    ("a payload byte", lambda p: p.__setitem__(2, _flip(p[2], len(p[2]) // 2))),
    ("the last payload byte", lambda p: p.__setitem__(2, _flip(p[2], -1))),
    ("a claim rewritten", _swap_claims),
    ("a signature byte", lambda p: p.__setitem__(3, _flip(p[3], 5))),
]


@pytest.mark.parametrize("change", [c for _, c in CHANGES], ids=[n for n, _ in CHANGES])
def test_a_changed_cose_message_fails_the_signature(
    text: str, key: ec.EllipticCurvePrivateKey, change: Callable[[list], None]
) -> None:
    changed = _rebuild(text, change)
    assert qr.parse(changed)[0] == KID  # still well formed: only the signature can tell
    with pytest.raises(qr.QRSignatureError):
        qr.verify(changed, {KID: key.public_key()})


def test_rebuilding_without_a_change_still_verifies(
    text: str, key: ec.EllipticCurvePrivateKey
) -> None:
    """The control for the test above: the re-wrapping itself breaks nothing."""
    same = _rebuild(text, lambda parts: None)
    assert qr.verify(same, {KID: key.public_key()}).claims == CLAIMS


def test_signed_payload_that_is_not_a_kit_document(key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signed = COSE.new().encode_and_sign(
        cbor2.dumps({1: "GOV/DA"}),  # no iat, cti or document claims
        COSEKey.from_pem(pem, alg="ES256", kid=KID),
        protected={1: -7, 4: KID.encode("ascii")},
    )
    with pytest.raises(qr.QRFormatError) as error:
        qr.verify(_wrap(signed), {KID: key.public_key()})
    assert error.value.code == "qr-payload"
