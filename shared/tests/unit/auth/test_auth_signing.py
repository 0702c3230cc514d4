"""govkit.auth.signing: a My Number card's signature as the provider's signing step-up returns
it, and the relying party's re-check of it (fresh from the ID token or stored as JSON)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from govkit.auth import CardSignature, verify_card_signature
from govkit.auth.signing import MalformedSignature, b64url, from_b64url

NOW = datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC)
DIGEST = hashlib.sha256('{"principal":"H1-1","proxy":"森下 彩花"}'.encode()).digest()
OTHER_DIGEST = hashlib.sha256(b"something else").digest()
JPKI_NAME = x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")


def utf8(text: str) -> bytes:
    raw = text.encode()
    return bytes([0x0C, len(raw)]) + raw


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def card_certificate(
    *,
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    non_repudiation: bool = True,
    ca: bool = False,
    valid_from: datetime = NOW - timedelta(days=30),
) -> bytes:
    """A signing certificate like the card's (the basic four in subjectAltName), DER."""
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name("MORISHITA Kenta"))
        .issuer_name(name("JPKI Simulation CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_from + timedelta(days=365))
        .add_extension(usage, critical=True)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.OtherName(JPKI_NAME, utf8("森下 健太"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.DER)


def ca_certificate(ca_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(name("JPKI Simulation CA"))
        .issuer_name(name("JPKI Simulation CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=3650))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def ca_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def card_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def claim(
    key: ec.EllipticCurvePrivateKey,
    certificate_der: bytes,
    *,
    digest: bytes = DIGEST,
    signed: bytes | None = None,
) -> dict[str, Any]:
    """The provider's ``jpki_signature`` claim: the card signs the digest bytes (ECDSA-SHA256
    over them, as the provider's card simulator does)."""
    signature = key.sign(signed if signed is not None else digest, ec.ECDSA(hashes.SHA256()))
    return {
        "alg": "ES256",
        "digest": b64url(digest),
        "purpose": "委任状への署名",
        "signature": b64url(signature),
        "x5c": [base64.b64encode(certificate_der).decode()],
        "signed_at": NOW.isoformat(),
    }


@pytest.fixture(scope="module")
def good(card_key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey) -> dict:
    return claim(card_key, card_certificate(key=card_key, ca_key=ca_key))


def test_a_card_signature_over_the_digest_verifies(good: dict) -> None:
    assert verify_card_signature(good, DIGEST)


def test_the_stored_json_is_the_providers_shape_and_still_verifies(good: dict) -> None:
    signature = CardSignature.from_json(good, signer_sub="sub-1", signer_exchange_id="x-1")
    assert signature.digest == DIGEST
    assert signature.signed_at == NOW
    assert signature.purpose == "委任状への署名"
    assert (signature.signer_sub, signature.signer_exchange_id) == ("sub-1", "x-1")
    assert signature.as_json() == good
    assert set(signature.as_json()) == {"alg", "digest", "signature", "x5c", "signed_at", "purpose"}
    assert signature.verify(DIGEST)
    assert verify_card_signature(signature.as_json(), DIGEST)
    assert signature.certificate().subject == name("MORISHITA Kenta")


def test_a_signature_over_another_digest_is_refused(
    good: dict, card_key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    assert not verify_card_signature(good, OTHER_DIGEST)
    # The claim names the digest asked for, but the card signed another one.
    swapped = claim(card_key, card_certificate(key=card_key, ca_key=ca_key), signed=OTHER_DIGEST)
    assert not verify_card_signature(swapped, DIGEST)
    # …or names the other digest (which it did sign).
    other = claim(card_key, card_certificate(key=card_key, ca_key=ca_key), digest=OTHER_DIGEST)
    assert verify_card_signature(other, OTHER_DIGEST)
    assert not verify_card_signature(other, DIGEST)


def test_the_card_signs_the_digest_as_a_message_not_prehashed(
    card_key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    prehashed = card_key.sign(DIGEST, ec.ECDSA(Prehashed(hashes.SHA256())))
    data = claim(card_key, card_certificate(key=card_key, ca_key=ca_key))
    assert not verify_card_signature({**data, "signature": b64url(prehashed)}, DIGEST)


def test_a_tampered_signature_or_certificate_is_refused(
    good: dict, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    raw = bytearray(from_b64url(good["signature"], limit=160))
    raw[-1] ^= 0x01
    assert not verify_card_signature({**good, "signature": b64url(bytes(raw))}, DIGEST)
    someone_else = ec.generate_private_key(ec.SECP256R1())
    other_certificate = card_certificate(key=someone_else, ca_key=ca_key)
    x5c = [base64.b64encode(other_certificate).decode()]
    assert not verify_card_signature({**good, "x5c": x5c}, DIGEST)


@pytest.mark.parametrize(
    "change",
    [
        {"alg": "RS256"},
        {"alg": None},
        {"x5c": []},
        {"x5c": "not a list"},
        {"x5c": ["***"]},
        {"x5c": [base64.b64encode(b"not a certificate").decode()]},
        {"signature": "has spaces and +/"},
        {"signature": ""},
        {"signature": None},
        {"digest": b64url(DIGEST[:16])},
        {"digest": b64url(DIGEST) + "="},
        {"signed_at": "2026-11-25T01:02:03"},  # no time zone
        {"signed_at": "yesterday"},
        {"signed_at": 1764000000},
        {"purpose": None},
        {"purpose": "x" * 201},
    ],
)
def test_malformed_data_is_refused_not_an_error(good: dict, change: dict) -> None:
    data = {**good, **change}
    assert not verify_card_signature(data, DIGEST)
    if change.get("x5c") != [base64.b64encode(b"not a certificate").decode()]:
        with pytest.raises(MalformedSignature):
            CardSignature.from_json(data, signer_sub="s")


@pytest.mark.parametrize("data", [None, "text", [], {}, {"alg": "ES256"}])
def test_anything_else_is_refused(data: Any) -> None:
    assert not verify_card_signature(data, DIGEST)


def test_a_digest_that_is_not_sha256_is_refused(good: dict) -> None:
    assert not verify_card_signature(good, DIGEST[:31])
    assert not verify_card_signature(good, "not bytes")  # type: ignore[arg-type]


def test_only_a_signing_certificate_counts(
    card_key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    authentication = card_certificate(key=card_key, ca_key=ca_key, non_repudiation=False)
    assert not verify_card_signature(claim(card_key, authentication), DIGEST)
    authority = card_certificate(key=card_key, ca_key=ca_key, ca=True)
    assert not verify_card_signature(claim(card_key, authority), DIGEST)


def test_a_p384_key_is_not_a_card_key(ca_key: ec.EllipticCurvePrivateKey) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    assert not verify_card_signature(claim(key, card_certificate(key=key, ca_key=ca_key)), DIGEST)


def test_the_certificate_must_be_valid_when_it_signed(
    card_key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    later = card_certificate(key=card_key, ca_key=ca_key, valid_from=NOW + timedelta(days=1))
    assert not verify_card_signature(claim(card_key, later), DIGEST)
    expired = card_certificate(key=card_key, ca_key=ca_key, valid_from=NOW - timedelta(days=400))
    assert not verify_card_signature(claim(card_key, expired), DIGEST)


def test_the_chain_is_checked_when_an_issuer_is_given(
    good: dict, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    assert verify_card_signature(good, DIGEST, issuer=ca_certificate(ca_key))
    impostor = ca_certificate(ec.generate_private_key(ec.SECP256R1()))
    assert not verify_card_signature(good, DIGEST, issuer=impostor)


def test_verify_compares_the_digest_it_carries(good: dict) -> None:
    signature = CardSignature.from_json(good, signer_sub="s")
    assert not signature.verify(OTHER_DIGEST)
    assert not replace(signature, digest=OTHER_DIGEST).verify(OTHER_DIGEST)


def test_base64url_is_strict() -> None:
    assert from_b64url(b64url(b"\xff\xfe"), limit=8) == b"\xff\xfe"
    for text in ("a", "ab+c", "ab/c", "ab c", "x" * 100):
        with pytest.raises(MalformedSignature):
            from_b64url(text, limit=8)


def test_a_signing_flow_keeps_its_digest_and_older_flows_still_read() -> None:
    from govkit.auth.flow import PendingFlow, newest, remember

    flow = PendingFlow.start(
        next_url="/x", acr="aal3", max_age=None, prompt=None, now=100.0, sign_digest="d" * 43
    )
    assert PendingFlow.from_dict(flow.as_dict()) == flow
    before_signing = {k: v for k, v in flow.as_dict().items() if k != "sign_digest"}
    older = PendingFlow.from_dict(before_signing)  # a cookie from before this field
    assert older is not None
    assert older.sign_digest is None
    assert PendingFlow.from_dict({"state": "s"}) is None
    flows: dict = {}
    for started in (1.0, 2.0, 3.0):
        flows = remember(
            flows, PendingFlow.start(next_url="/", acr=None, max_age=None, prompt=None, now=started)
        )
    assert sorted(f["started_at"] for f in newest(flows, 2).values()) == [2.0, 3.0]
    assert newest(flows, 0) == {}
    assert len(remember(flows, flow, keep=2)) == 2
