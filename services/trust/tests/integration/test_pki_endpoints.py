"""The public PKI endpoints: certificates, OCSP, CRLs, the time-stamp responder, the trust list."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask
from flask.testing import FlaskClient

from govkit.certificates import jose
from govkit.certificates.keys import generate_key, key_id, load_pem_chain, signing_request
from govkit.testing.plugin import ServiceAppFactory
from trust import pki
from trust.services import TRUST_LIST_TYPE
from trust.tsa import POLICY, _Rejection

TOKEN = "r" * 40
AUTHORITIES = [a.value for a in pki.Authority]
OCSP_MINUTES = 30
CRL_HOURS = 6


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app(
        "trust",
        trust_ra_token=TOKEN,
        ocsp_validity_minutes=OCSP_MINUTES,
        crl_validity_hours=CRL_HOURS,
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def authority(client: FlaskClient, name: str) -> x509.Certificate:
    response = client.get(f"/pki/{name}.crt")
    assert response.status_code == 200
    return x509.load_der_x509_certificate(response.data)


def issue(client: FlaskClient, profile: str = "seal", holder: str = "GOV/LG-1") -> dict[str, Any]:
    response = client.post(
        "/api/v1/certificates",
        json={
            "profile": profile,
            "holder": holder,
            "csr": signing_request(generate_key(), f"{holder} {profile}"),
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 201
    return response.get_json()


def issued_certificate(client: FlaskClient, profile: str = "seal") -> x509.Certificate:
    [certificate] = load_pem_chain(issue(client, profile)["certificate"])
    return certificate


def verify_signature(
    public_key: Any, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None
) -> None:
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert isinstance(algorithm, hashes.SHA256)
    public_key.verify(signature, data, ec.ECDSA(algorithm))


# -- certificates -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", AUTHORITIES)
def test_every_authority_certificate_is_published_as_der_and_pem(
    client: FlaskClient, name: str
) -> None:
    """/pki/<authority>.crt (DER) and .pem are the same certificate, named after the authority,
    cacheable for an hour; the intermediates are signed by the root."""
    der = client.get(f"/pki/{name}.crt")
    assert der.status_code == 200
    assert der.mimetype == "application/pkix-cert"
    assert der.headers["Cache-Control"] == "public, max-age=3600"
    certificate = x509.load_der_x509_certificate(der.data)
    pem = client.get(f"/pki/{name}.pem")
    assert pem.status_code == 200
    assert pem.mimetype == "application/x-pem-file"
    assert x509.load_pem_x509_certificate(pem.data) == certificate
    assert (
        certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        == (pki.AUTHORITY_NAMES[pki.Authority(name)])
    )
    certificate.verify_directly_issued_by(authority(client, "root"))


@pytest.mark.parametrize(
    "path",
    ["/pki/nobody.crt", "/pki/ROOT.crt", "/pki/nobody.pem", "/crl/nobody.crl", "/ocsp/nobody"],
)
def test_an_unknown_authority_is_a_404_problem(client: FlaskClient, path: str) -> None:
    """Only the kit's four authorities exist."""
    response = client.post(path) if path.startswith("/ocsp") else client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Unknown authority"


def test_the_tsa_certificate_is_published(client: FlaskClient) -> None:
    """/pki/tsa.pem is the TSA's own certificate: issued by the root, critical timeStamping."""
    response = client.get("/pki/tsa.pem")
    assert response.status_code == 200
    assert response.mimetype == "application/x-pem-file"
    [certificate] = load_pem_chain(response.data)
    certificate.verify_directly_issued_by(authority(client, "root"))
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


# -- OCSP ---------------------------------------------------------------------------------------


def ocsp_request(
    certificate: x509.Certificate, issuer: x509.Certificate, nonce: bytes | None = None
) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def ask(client: FlaskClient, name: str, request_der: bytes) -> ocsp.OCSPResponse:
    response = client.post(
        f"/ocsp/{name}", data=request_der, content_type="application/ocsp-request"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/ocsp-response"
    assert response.headers["Cache-Control"] == "no-cache"
    return ocsp.load_der_ocsp_response(response.data)


def test_ocsp_by_post_says_good_signed_by_the_ca(client: FlaskClient) -> None:
    """A fresh seal is GOOD; the Seal CA signs the answer itself, names itself by key hash,
    and the answer may be relied on for the configured minutes."""
    seal_ca = authority(client, "seal")
    certificate = issued_certificate(client)
    answer = ask(client, "seal", ocsp_request(certificate, seal_ca))
    assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == certificate.serial_number
    assert answer.responder_key_hash == (
        seal_ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )
    assert answer.next_update_utc is not None
    assert answer.next_update_utc - answer.this_update_utc == timedelta(minutes=OCSP_MINUTES)
    verify_signature(
        seal_ca.public_key(),
        answer.signature,
        answer.tbs_response_bytes,
        answer.signature_hash_algorithm,
    )
    with pytest.raises(InvalidSignature):  # the signature check above is a real one
        verify_signature(
            authority(client, "jpki").public_key(),
            answer.signature,
            answer.tbs_response_bytes,
            answer.signature_hash_algorithm,
        )


@pytest.mark.parametrize("encode", [lambda b64: b64, quote], ids=["raw", "percent-encoded"])
def test_ocsp_by_get_reads_the_base64_request_from_the_path(
    client: FlaskClient, encode: Any
) -> None:
    """RFC 6960 A.1: GET {url}/{url-encoding of base64 of the DER request} works as POST does."""
    seal_ca = authority(client, "seal")
    certificate = issued_certificate(client)
    nonce = b"\xfb\xff" * 8  # base64 with '+' and '/' in it
    encoded = base64.b64encode(ocsp_request(certificate, seal_ca, nonce)).decode("ascii")
    assert "/" in encoded
    assert "+" in encoded
    response = client.get(f"/ocsp/seal/{encode(encoded)}")
    assert response.status_code == 200
    answer = ocsp.load_der_ocsp_response(response.data)
    assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == certificate.serial_number


def test_the_ocsp_nonce_is_echoed(client: FlaskClient) -> None:
    """A request's nonce comes back in the signed response (replay protection)."""
    seal_ca = authority(client, "seal")
    nonce = bytes(range(16))
    answer = ask(client, "seal", ocsp_request(issued_certificate(client), seal_ca, nonce))
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    without = ask(client, "seal", ocsp_request(issued_certificate(client), seal_ca))
    with pytest.raises(x509.ExtensionNotFound):
        without.extensions.get_extension_for_class(x509.OCSPNonce)


def _key_hash(issuer: x509.Certificate, algorithm: str = "sha256") -> bytes:
    point = issuer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return hashlib.new(algorithm, point).digest()


def _by_hash(issuer: x509.Certificate, serial: int) -> ocsp.OCSPRequest:
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            issuer_name_hash=hashlib.sha256(issuer.subject.public_bytes()).digest(),
            issuer_key_hash=_key_hash(issuer),
            serial_number=serial,
            algorithm=hashes.SHA256(),
        )
        .build()
    )


def test_ocsp_for_a_serial_the_ca_never_issued_says_unknown(client: FlaskClient) -> None:
    """A serial the Seal CA did not issue is UNKNOWN (not GOOD): here the serial of a
    certificate of the Security Server CA, asked of the Seal CA as if it were the issuer."""
    seal_ca = authority(client, "seal")
    elsewhere = issued_certificate(client, "securityserver-tls")
    for serial_request in (
        _by_hash(seal_ca, elsewhere.serial_number),
        _by_hash(seal_ca, 0x1234567),
    ):
        answer = ask(client, "seal", serial_request.public_bytes(serialization.Encoding.DER))
        assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
        assert answer.certificate_status is ocsp.OCSPCertStatus.UNKNOWN
        assert answer.serial_number == serial_request.serial_number
        verify_signature(
            seal_ca.public_key(),
            answer.signature,
            answer.tbs_response_bytes,
            answer.signature_hash_algorithm,
        )


def test_ocsp_about_another_cas_certificate_is_unauthorized(client: FlaskClient) -> None:
    """The Seal CA's responder answers only for the Seal CA: a request naming the Security
    Server CA as issuer is refused with `unauthorized` (RFC 6960 2.3), unsigned."""
    certificate = issued_certificate(client, "securityserver-tls")
    request = ocsp_request(certificate, authority(client, "securityserver"))
    answer = ask(client, "seal", request)
    assert answer.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    right = ask(client, "securityserver", request)
    assert right.certificate_status is ocsp.OCSPCertStatus.GOOD


def test_ocsp_with_the_right_key_but_another_name_is_unauthorized(client: FlaskClient) -> None:
    """Both issuer hashes must match the CA: a forged name hash is refused as well."""
    seal_ca = authority(client, "seal")
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            issuer_name_hash=hashlib.sha256(b"someone else").digest(),
            issuer_key_hash=_key_hash(seal_ca),
            serial_number=issued_certificate(client).serial_number,
            algorithm=hashes.SHA256(),
        )
        .build()
    )
    answer = ask(client, "seal", request.public_bytes(serialization.Encoding.DER))
    assert answer.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED


@pytest.mark.parametrize("name", ["seal", "securityserver", "jpki"])
def test_the_root_answers_good_for_its_intermediate_cas(client: FlaskClient, name: str) -> None:
    """The intermediates name the root's responder in their AIA: it knows them (GOOD), so a
    relying party checking revocation of the whole chain is not left with UNKNOWN."""
    root = authority(client, "root")
    answer = ask(client, "root", ocsp_request(authority(client, name), root))
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    verify_signature(
        root.public_key(),
        answer.signature,
        answer.tbs_response_bytes,
        answer.signature_hash_algorithm,
    )


def test_the_root_answers_good_for_the_tsa(client: FlaskClient) -> None:
    """The TSA certificate, issued by the root, is GOOD at the root's responder."""
    [tsa] = load_pem_chain(client.get("/pki/tsa.pem").data)
    answer = ask(client, "root", ocsp_request(tsa, authority(client, "root")))
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD


def _asn1_request(requests: list[dict[str, Any]], extensions: list[Any] | None = None) -> bytes:
    tbs: dict[str, Any] = {"request_list": [{"req_cert": r} for r in requests]}
    if extensions is not None:
        tbs["request_extensions"] = extensions
    return asn1_ocsp.OCSPRequest({"tbs_request": tbs}).dump()


def _cert_id(issuer: x509.Certificate, serial: int, algorithm: str = "sha1") -> dict[str, Any]:
    return {
        "hash_algorithm": {"algorithm": algorithm},
        "issuer_name_hash": hashlib.new(algorithm, issuer.subject.public_bytes()).digest(),
        "issuer_key_hash": _key_hash(issuer, algorithm),
        "serial_number": serial,
    }


MALFORMED: list[Any] = [
    pytest.param(lambda ca: b"", id="empty"),
    pytest.param(lambda ca: b"garbage, not DER", id="garbage"),
    pytest.param(lambda ca: b"\x30\x03\x02\x01\x05", id="not-an-ocsp-request"),
    pytest.param(lambda ca: _asn1_request([_cert_id(ca, 5, "md5")]), id="md5-cert-id"),
    pytest.param(lambda ca: _asn1_request([]), id="no-certificate"),
    pytest.param(lambda ca: _asn1_request([_cert_id(ca, 5), _cert_id(ca, 6)]), id="two-certs"),
    pytest.param(lambda ca: _asn1_request([_cert_id(ca, -5)]), id="negative-serial"),
    pytest.param(
        lambda ca: _asn1_request(
            [_cert_id(ca, 5)],
            [{"extn_id": "nonce", "extn_value": b"12345678"}] * 2,
        ),
        id="repeated-nonce",
    ),
]


@pytest.mark.parametrize("make_request", MALFORMED)
def test_malformed_ocsp_requests_get_malformed_request_not_a_500(
    client: FlaskClient, make_request: Any
) -> None:
    """Whatever arrives, the responder answers an (unsigned) malformedRequest status."""
    request_der = make_request(authority(client, "seal"))
    answer = ask(client, "seal", request_der)
    assert answer.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    by_get = client.get(f"/ocsp/seal/{quote(base64.b64encode(request_der).decode()) or 'AA=='}")
    assert by_get.status_code == 200
    assert ocsp.load_der_ocsp_response(by_get.data).response_status is (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


@pytest.mark.parametrize("path", ["!!!", "AAA", "%ff%fe", "a/b/c"])
def test_ocsp_by_get_with_a_path_that_is_not_base64_is_malformed(
    client: FlaskClient, path: str
) -> None:
    """A GET path that does not decode to an OCSP request is a malformedRequest too."""
    response = client.get(f"/ocsp/seal/{path}")
    assert response.status_code == 200
    assert ocsp.load_der_ocsp_response(response.data).response_status is (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


# -- CRLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", AUTHORITIES)
def test_every_authority_publishes_a_signed_crl(client: FlaskClient, name: str) -> None:
    """Each CA's CRL is signed by that CA, names it as issuer, carries a CRL number and the
    CA's key identifier, and its nextUpdate is the configured number of hours later."""
    ca = authority(client, name)
    response = client.get(f"/crl/{name}.crl")
    assert response.status_code == 200
    assert response.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.data)
    assert crl.issuer == ca.subject
    assert crl.is_signature_valid(ca.public_key())
    other = "jpki" if name != "jpki" else "seal"
    assert not crl.is_signature_valid(authority(client, other).public_key())
    assert crl.next_update_utc is not None
    assert crl.next_update_utc - crl.last_update_utc == timedelta(hours=CRL_HOURS)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > 0
    assert crl.extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier
    ).value.key_identifier == (
        ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )
    assert len(crl) == 0  # nothing revoked yet


def test_a_crl_lists_only_its_own_cas_revocations(client: FlaskClient) -> None:
    """Revoking a Security Server certificate puts it on that CA's CRL and no other."""
    certificate = issued_certificate(client, "securityserver-signing")
    serial = format(certificate.serial_number, "x")
    response = client.post(
        f"/api/v1/certificates/{serial}/revocation",
        json={"reason": "cessation_of_operation"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200
    for name in AUTHORITIES:
        crl = x509.load_der_x509_crl(client.get(f"/crl/{name}.crl").data)
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        assert (entry is not None) is (name == "securityserver"), name
    crl = x509.load_der_x509_crl(client.get("/crl/securityserver.crl").data)
    [entry] = list(crl)
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
        x509.ReasonFlags.cessation_of_operation
    )


# -- time stamps --------------------------------------------------------------------------------


def test_the_tsa_grants_a_token_signed_by_the_published_tsa_certificate(
    client: FlaskClient,
) -> None:
    """POST /tsa with an RFC 3161 query gets a granted token over the digest, by the TSA whose
    certificate /pki/tsa.pem publishes."""
    digest = hashlib.sha256(b"a document").digest()
    query = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": 99,
            "cert_req": True,
        }
    ).dump()
    response = client.post("/tsa", data=query, content_type="application/timestamp-query")
    assert response.status_code == 200
    assert response.mimetype == "application/timestamp-reply"
    reply = tsp.TimeStampResp.load(response.data)
    assert reply["status"]["status"].native == "granted"
    signed = reply["time_stamp_token"]["content"]
    info = signed["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native == 99
    assert info["policy"].native == POLICY
    [embedded] = list(signed["certificates"])
    [published] = load_pem_chain(client.get("/pki/tsa.pem").data)
    assert embedded.chosen.dump() == published.public_bytes(serialization.Encoding.DER)
    [signer] = list(signed["signer_infos"])
    verify_signature(
        published.public_key(),
        signer["signature"].native,
        signer["signed_attrs"].untag().dump(),
        hashes.SHA256(),
    )


def test_the_tsa_rejects_garbage_with_a_status_not_an_error(client: FlaskClient) -> None:
    """A query that is not a TimeStampReq is answered 200 with a rejection (RFC 3161 2.4.2)."""
    response = client.post("/tsa", data=b"nonsense", content_type="application/timestamp-query")
    assert response.status_code == 200
    status = _Rejection.load(response.data)["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {"bad_data_format"}


@pytest.mark.parametrize("content_type", [None, "application/octet-stream", "application/json"])
def test_the_tsa_wants_a_timestamp_query(client: FlaskClient, content_type: str | None) -> None:
    """Anything but application/timestamp-query is a 415 problem."""
    response = client.post("/tsa", data=b"\x30\x00", content_type=content_type)
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Unsupported media type"


# -- the trust list -----------------------------------------------------------------------------


def test_the_trust_list_verifies_against_the_root_and_lists_the_whole_pki(
    client: FlaskClient,
) -> None:
    """The signed trust list verifies with the root alone, and lists every authority, the TSA
    and every seal issued, with the kit key id of each seal certificate."""
    seals = [issue(client, holder=h) for h in ("GOV/LG-1", "GOV/LG-2")]
    issue(client, profile="jpki-auth", holder="card-1")  # not a seal: not listed
    root = authority(client, "root")
    response = client.get("/trust-list")
    assert response.status_code == 200
    assert response.mimetype == "application/jwt"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    payload, _chain = jose.verify(response.get_data(as_text=True), [root], typ=TRUST_LIST_TYPE)

    assert payload["type"] == "madoguchi-trust-list"
    assert payload["notice"] == pki.TEST_LABEL
    issued_at = datetime.fromisoformat(payload["issued_at"])
    assert datetime.fromisoformat(payload["next_update"]) - issued_at == timedelta(hours=24)
    listed = {a["name"]: base64.b64decode(a["certificate"]) for a in payload["authorities"]}
    assert set(listed) == set(AUTHORITIES)
    for name, der in listed.items():
        assert der == client.get(f"/pki/{name}.crt").data
    [tsa] = payload["timestamping"]
    [tsa_certificate] = load_pem_chain(client.get("/pki/tsa.pem").data)
    assert base64.b64decode(tsa["certificate"]) == tsa_certificate.public_bytes(
        serialization.Encoding.DER
    )
    issuers = {i["serial"]: i for i in payload["issuers"]}
    assert set(issuers) == {s["serial"] for s in seals}
    for seal in seals:
        entry = issuers[seal["serial"]]
        [certificate] = load_pem_chain(seal["certificate"])
        assert base64.b64decode(entry["certificate"]) == certificate.public_bytes(
            serialization.Encoding.DER
        )
        assert entry["kid"] == key_id(certificate) == seal["kid"]
        assert entry["holder"] == seal["holder"]


def test_the_trust_list_is_signed_by_the_signer_the_root_issued(client: FlaskClient) -> None:
    """The x5c chain is [trust-list signer, root]: the signer is issued directly by the root,
    for document signing; another root does not verify the list."""
    root = authority(client, "root")
    token = client.get("/trust-list").get_data(as_text=True)
    _payload, chain = jose.verify(token, [root], typ=TRUST_LIST_TYPE)
    signer, top = chain
    assert top == root
    signer.verify_directly_issued_by(root)
    assert signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Madoguchi Kit Test Trust List Signer"
    )
    assert list(signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        pki.DOCUMENT_SIGNING
    ]
    assert signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False

    stranger_key = pki.new_key()
    stranger = pki.self_signed_root(stranger_key, datetime.now(UTC))
    with pytest.raises(jose.SignatureError):
        jose.verify(token, [stranger])
    with pytest.raises(jose.SignatureError):
        jose.verify(token, [root], typ="JWT")
