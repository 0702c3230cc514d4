"""The RFC 3161 responder: what it grants, what the token says, and what it refuses."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from trust import pki
from trust.tsa import POLICY, TimeStampAuthority, _Rejection

NOW = datetime(2026, 4, 1, 9, 30, 15, 123456, tzinfo=UTC)
DIGEST = hashlib.sha256(b"the sealed document").digest()


@dataclass(frozen=True)
class Tsa:
    root: x509.Certificate
    certificate: x509.Certificate
    authority: TimeStampAuthority


@pytest.fixture(scope="module")
def tsa() -> Tsa:
    root_key = pki.new_key()
    root = pki.self_signed_root(root_key, NOW - timedelta(days=1))
    key = pki.new_key()
    certificate = pki.end_entity(
        pki.Profile.TSA,
        pki.service_subject("Madoguchi Kit Test Time-Stamping Authority"),
        key.public_key(),
        root_key,
        root,
        x509.random_serial_number(),
        NOW - timedelta(days=1),
        NOW + timedelta(days=365),
        pki.Urls("https://trust.example"),
    )
    return Tsa(root, certificate, TimeStampAuthority(certificate, key))


def request(
    algorithm: str = "sha256", digest: bytes = DIGEST, **fields: Any
) -> bytes:  # a DER TimeStampReq
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": algorithm},
                "hashed_message": digest,
            },
            **fields,
        }
    ).dump()


def granted(tsa: Tsa, request_der: bytes) -> tsp.TimeStampResp:
    response = tsp.TimeStampResp.load(tsa.authority.respond(request_der, NOW))
    assert response["status"]["status"].native == "granted"
    return response


def signed_data(response: tsp.TimeStampResp) -> cms.SignedData:
    token = response["time_stamp_token"]
    assert token["content_type"].native == "signed_data"
    return token["content"]


def tst_info(response: tsp.TimeStampResp) -> tsp.TSTInfo:
    content = signed_data(response)["encap_content_info"]
    assert content["content_type"].native == "tst_info"
    return content["content"].parsed


def signed_attribute(signer: cms.SignerInfo, kind: str) -> Any:
    values = [a["values"] for a in signer["signed_attrs"] if a["type"].native == kind]
    assert len(values) == 1, kind
    assert len(values[0]) == 1, kind
    return values[0][0]


# -- granted ------------------------------------------------------------------------------------


def test_a_sha256_request_is_granted_and_the_token_echoes_imprint_and_nonce(tsa: Tsa) -> None:
    """The TSTInfo binds the requester's digest and nonce to the time, under the kit policy,
    named by the TSA's directory name."""
    nonce = 0x1234_5678_9ABC_DEF0
    info = tst_info(granted(tsa, request(nonce=nonce, cert_req=True)))
    assert info["version"].native == "v1"
    assert info["policy"].native == POLICY
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert info["message_imprint"]["hashed_message"].native == DIGEST
    assert info["nonce"].native == nonce
    assert info["gen_time"].native == NOW.replace(microsecond=0)
    assert info["accuracy"]["seconds"].native == 1
    assert (
        info["tsa"].chosen.native
        == asn1_x509.Name.load(tsa.certificate.subject.public_bytes()).native
    )
    assert info["serial_number"].native > 0


def test_without_a_nonce_the_token_has_none(tsa: Tsa) -> None:
    """The nonce is only echoed, never invented."""
    assert tst_info(granted(tsa, request()))["nonce"].native is None


def test_every_token_has_its_own_serial(tsa: Tsa) -> None:
    """Two tokens for the same digest at the same second are still told apart."""
    serials = {tst_info(granted(tsa, request()))["serial_number"].native for _ in range(5)}
    assert len(serials) == 5


@pytest.mark.parametrize(
    ("algorithm", "fields"),
    [
        ("sha256", {"req_policy": POLICY}),  # asking for the kit policy by name
        ("sha384", {}),
        ("sha512", {"cert_req": True, "nonce": 1}),
    ],
)
def test_the_stronger_hashes_and_the_kit_policy_are_granted(
    tsa: Tsa, algorithm: str, fields: dict[str, Any]
) -> None:
    """SHA-256/384/512 imprints are accepted, and so is a request naming the kit policy."""
    digest = hashlib.new(algorithm, b"document").digest()
    info = tst_info(granted(tsa, request(algorithm, digest, **fields)))
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == algorithm
    assert info["message_imprint"]["hashed_message"].native == digest


def test_the_cms_signature_verifies_against_the_tsa_certificate(tsa: Tsa) -> None:
    """The SignerInfo is an ECDSA-SHA256 signature by the TSA's key over the DER of the signed
    attributes, and those attributes bind the TSTInfo (message digest), its type and the TSA
    certificate (ESS signing-certificate-v2)."""
    response = granted(tsa, request(nonce=42, cert_req=True))
    data = signed_data(response)
    assert data["version"].native == "v3"
    assert [a["algorithm"].native for a in data["digest_algorithms"]] == ["sha256"]
    [signer] = list(data["signer_infos"])
    assert signer["digest_algorithm"]["algorithm"].native == "sha256"
    assert signer["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    sid = signer["sid"].chosen
    assert sid["serial_number"].native == tsa.certificate.serial_number
    assert sid["issuer"].dump() == tsa.certificate.issuer.public_bytes()

    # RFC 5652 5.4: the signature covers the signed attributes re-encoded as a SET OF.
    signed_attrs = signer["signed_attrs"].untag().dump()
    assert signed_attrs[0] == 0x31
    public_key = tsa.certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(signer["signature"].native, signed_attrs, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):  # the check above is a real one
        public_key.verify(
            signer["signature"].native, signed_attrs + b"x", ec.ECDSA(hashes.SHA256())
        )

    tst_info_der = data["encap_content_info"]["content"].contents
    assert signed_attribute(signer, "message_digest").native == (
        hashlib.sha256(tst_info_der).digest()
    )
    assert signed_attribute(signer, "content_type").native == "tst_info"
    assert signed_attribute(signer, "signing_time").native == NOW.replace(microsecond=0)
    [ess] = signed_attribute(signer, "signing_certificate_v2")["certs"]
    assert ess["hash_algorithm"]["algorithm"].native == "sha256"
    assert (
        ess["cert_hash"].native
        == hashlib.sha256(tsa.certificate.public_bytes(Encoding.DER)).digest()
    )


@pytest.mark.parametrize(("cert_req", "embedded"), [(True, True), (False, False), (None, False)])
def test_the_tsa_certificate_is_embedded_only_when_asked_for(
    tsa: Tsa, cert_req: bool | None, embedded: bool
) -> None:
    """RFC 3161 2.4.1: with certReq true the TSA certificate must be in the token; when certReq
    is false or absent the certificates field must not be present."""
    fields = {} if cert_req is None else {"cert_req": cert_req}
    certificates = signed_data(granted(tsa, request(**fields)))["certificates"]
    if embedded:
        assert [c.chosen.dump() for c in certificates] == [
            tsa.certificate.public_bytes(Encoding.DER)
        ]
    else:
        assert not certificates.native


# -- refused ------------------------------------------------------------------------------------


def _malformed_policy() -> bytes:
    """A request whose reqPolicy OID is encoded as constructed: undecodable as an OID."""
    good = request(req_policy=POLICY)
    oid = core.ObjectIdentifier(POLICY).dump()
    assert good.count(oid) == 1
    return good.replace(oid, b"\x26" + oid[1:])


@pytest.mark.parametrize(
    ("request_der", "failure"),
    [
        pytest.param(b"", "bad_data_format", id="empty"),
        pytest.param(b"garbage, not DER", "bad_data_format", id="garbage"),
        pytest.param(b"\x30\x00", "bad_data_format", id="empty-sequence"),
        pytest.param(b"\x30\x03\x02\x01", "bad_data_format", id="truncated"),
        pytest.param(_malformed_policy(), "bad_data_format", id="undecodable-policy"),
        pytest.param(request("md5", hashlib.md5(b"d").digest()), "bad_alg", id="md5"),  # noqa: S324
        pytest.param(request("sha1", hashlib.sha1(b"d").digest()), "bad_alg", id="sha1"),  # noqa: S324
        pytest.param(request("1.2.3.4", DIGEST), "bad_alg", id="unknown-hash"),
        pytest.param(request("sha256", DIGEST[:20]), "bad_data_format", id="sha256-too-short"),
        pytest.param(request("sha512", DIGEST), "bad_data_format", id="sha512-too-short"),
        pytest.param(request("sha256", DIGEST + b"\0"), "bad_data_format", id="too-long"),
        pytest.param(request(req_policy="1.2.3.4.5"), "unaccepted_policy", id="other-policy"),
    ],
)
def test_unsupported_requests_are_rejected_with_the_right_failure(
    tsa: Tsa, request_der: bytes, failure: str
) -> None:
    """Anything the TSA cannot or will not stamp is a `rejection` with one PKIFailureInfo bit,
    and no token, never an exception."""
    response = _Rejection.load(tsa.authority.respond(request_der, NOW))
    status = response["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {failure}
    assert response.contents == status.dump()  # the status alone: no token follows it


# -- a real client ------------------------------------------------------------------------------


def test_pyhanko_accepts_the_token(tsa: Tsa) -> None:
    """pyHanko's own RFC 3161 client gets a token (checking its nonce) and its validator finds
    the token intact, valid and trusted under the kit root with the timeStamping EKU; a wrong
    imprint is caught."""
    from pyhanko.sign.timestamps import TimeStamper
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    class LocalStamper(TimeStamper):
        async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            return tsp.TimeStampResp.load(tsa.authority.respond(req.dump()))

    async def check() -> tuple[cms.ContentInfo, TimestampSignatureStatus, TimestampSignatureStatus]:
        token = await LocalStamper().async_timestamp(DIGEST, "sha256")
        context = ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(tsa.root.public_bytes(Encoding.DER))],
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        good = await validate_tst_signed_data(token["content"], context, lambda _: DIGEST)
        wrong = await validate_tst_signed_data(token["content"], context, lambda _: bytes(32))
        return token, TimestampSignatureStatus(**good), TimestampSignatureStatus(**wrong)

    token, good, wrong = asyncio.run(check())
    assert (good.intact, good.valid, good.trusted) == (True, True, True)
    assert good.signing_cert.dump() == tsa.certificate.public_bytes(Encoding.DER)
    info = token["content"]["encap_content_info"]["content"].parsed
    assert good.timestamp == info["gen_time"].native
    assert not wrong.intact
