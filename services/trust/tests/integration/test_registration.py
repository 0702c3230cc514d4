"""The registration authority: issuing, withdrawing and revoking certificates over the API."""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from govkit.certificates import jose
from govkit.certificates.keys import (
    generate_key,
    key_id,
    load_pem_chain,
    signing_request,
    verify_chain,
)
from govkit.db import get_session
from govkit.testing.plugin import ServiceAppFactory
from trust import pki, repository

TOKEN = "r" * 40
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://trust.example"
#: A fictional holder's basic four, as the identity provider sends them for a signing certificate.
HOLDER_ATTRIBUTES = {
    "name": "森下 健太",
    "name_kana": "モリシタ ケンタ",
    "birthdate": "1990-05-12",
    "gender": "male",
    "address": "桜木市中央一丁目2番3号",
}


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("trust", trust_ra_token=TOKEN, public_url=BASE)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def issue(
    client: FlaskClient,
    profile: str = "seal",
    holder: str = "GOV/LG-139998",
    csr: str | None = None,
    **extra: Any,
) -> TestResponse:
    body = {"profile": profile, "holder": holder, **extra}
    body["csr"] = csr if csr is not None else signing_request(generate_key(), "Kit City Seal")
    return client.post("/api/v1/certificates", json=body, headers=AUTH)


def issued(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    response = issue(client, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def root_of(client: FlaskClient) -> x509.Certificate:
    return x509.load_der_x509_certificate(client.get("/pki/root.crt").data)


def status_of(client: FlaskClient, serial: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/certificates/{serial}")
    assert response.status_code == 200
    return response.get_json()


def trust_list(client: FlaskClient) -> dict[str, Any]:
    payload, _chain = jose.verify(
        client.get("/trust-list").get_data(as_text=True), [root_of(client)]
    )
    return payload


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- issuing ------------------------------------------------------------------------------------


def test_a_seal_is_issued_with_its_chain_up_to_the_root(client: FlaskClient) -> None:
    """A valid CSR gets 201, the certificate for *its* key and name, the chain (Seal CA, root)
    and a Location to look the certificate up; the chain verifies to the kit root."""
    key = generate_key()
    response = issue(client, csr=signing_request(key, "Kit City Seal"))
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/certificates/{body['serial']}"
    assert body["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    [certificate] = load_pem_chain(body["certificate"])
    chain = [c for pem in body["chain"] for c in load_pem_chain(pem)]
    root = root_of(client)
    assert [c.subject for c in chain] == [
        x509.load_pem_x509_certificate(client.get("/pki/seal.pem").data).subject,
        root.subject,
    ]
    assert chain[-1] == root
    assert verify_chain([certificate, *chain], [root], datetime.now(UTC)) == root

    assert certificate.public_key() == key.public_key()
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Kit City Seal"
    )
    assert [
        a.value
        for a in certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    ] == [pki.TEST_LABEL]
    assert body["serial"] == format(certificate.serial_number, "x")
    assert body["kid"] == key_id(certificate)
    assert (body["profile"], body["holder"]) == ("seal", "GOV/LG-139998")
    aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [d.access_location.value for d in aia] == [f"{BASE}/ocsp/seal", f"{BASE}/pki/seal.crt"]

    status = status_of(client, body["serial"])
    assert status["kid"] == body["kid"]
    assert status["not_before"] == iso(certificate.not_valid_before_utc)
    assert status["not_after"] == iso(certificate.not_valid_after_utc)
    assert (status["withdrawn_at"], status["revoked_at"]) == (None, None)


@pytest.mark.parametrize(
    ("profile", "authority", "eku"),
    [
        ("seal", pki.Authority.SEAL, pki.DOCUMENT_SIGNING),
        ("securityserver-tls", pki.Authority.SECURITY_SERVER, ExtendedKeyUsageOID.SERVER_AUTH),
        ("securityserver-signing", pki.Authority.SECURITY_SERVER, None),
        ("jpki-auth", pki.Authority.JPKI, ExtendedKeyUsageOID.CLIENT_AUTH),
        ("jpki-sign", pki.Authority.JPKI, None),
    ],
)
def test_every_requestable_profile_comes_from_its_authority(
    client: FlaskClient, profile: str, authority: pki.Authority, eku: x509.ObjectIdentifier | None
) -> None:
    """Each profile is signed by its own CA and verifies to the root through it."""
    extra = {"subject_attributes": HOLDER_ATTRIBUTES} if profile == "jpki-sign" else {}
    body = issued(client, profile=profile, holder="member-1", **extra)
    [certificate] = load_pem_chain(body["certificate"])
    issuer = x509.load_der_x509_certificate(client.get(f"/pki/{authority}.crt").data)
    certificate.verify_directly_issued_by(issuer)
    chain = [c for pem in body["chain"] for c in load_pem_chain(pem)]
    assert chain == [issuer, root_of(client)]
    verify_chain([certificate, *chain], [root_of(client)], datetime.now(UTC))
    if eku is None:
        with pytest.raises(x509.ExtensionNotFound):
            certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    else:
        assert eku in certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value


def test_a_tls_certificate_carries_the_host_names_asked_for(client: FlaskClient) -> None:
    """dns_names become the TLS certificate's subjectAltName."""
    body = issued(
        client,
        profile="securityserver-tls",
        holder="GOV/LG-1",
        dns_names=["ss.lg-1.example", "localhost"],
    )
    [certificate] = load_pem_chain(body["certificate"])
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["ss.lg-1.example", "localhost"]


def test_a_new_seal_withdraws_the_holders_previous_seal(client: FlaskClient) -> None:
    """A holder seals new documents with one key: its second seal withdraws the first (still
    valid for documents already sealed), which shows in the status API and the trust list.
    Other holders' seals and the holder's other certificates are untouched."""
    first = issued(client, holder="GOV/LG-1")
    other = issued(client, holder="GOV/LG-2")
    signing = issued(client, profile="securityserver-signing", holder="GOV/LG-1")
    assert status_of(client, first["serial"])["withdrawn_at"] is None
    second = issued(client, holder="GOV/LG-1")

    withdrawn = status_of(client, first["serial"])["withdrawn_at"]
    assert withdrawn is not None
    datetime.fromisoformat(withdrawn)
    for kept in (second, other, signing):
        assert status_of(client, kept["serial"])["withdrawn_at"] is None
    assert status_of(client, first["serial"])["revoked_at"] is None  # withdrawn, not revoked

    issuers = {i["serial"]: i for i in trust_list(client)["issuers"]}
    assert issuers[first["serial"]]["withdrawn_at"] == withdrawn
    assert issuers[second["serial"]]["withdrawn_at"] is None
    assert issuers[other["serial"]]["withdrawn_at"] is None
    assert signing["serial"] not in issuers  # the trust list carries seals only
    assert issuers[second["serial"]]["kid"] == second["kid"]


@pytest.fixture
def tokyo_time() -> Iterator[None]:
    """The process's local time zone set to Japan's (as on a developer's machine there)."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is not available")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Tokyo")
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()


@pytest.mark.usefixtures("tokyo_time")
def test_dates_are_utc_whatever_the_local_time_zone(client: FlaskClient) -> None:
    """Dates read back from the database are reported in UTC, not shifted by the host's zone."""
    body = issued(client)
    [certificate] = load_pem_chain(body["certificate"])
    status = status_of(client, body["serial"])
    assert status["not_before"] == iso(certificate.not_valid_before_utc)
    [entry] = [i for i in trust_list(client)["issuers"] if i["serial"] == body["serial"]]
    assert entry["valid_until"] == iso(certificate.not_valid_after_utc)


# -- JPKI: the basic four in signing certificates -----------------------------------------------


def other_names(certificate: x509.Certificate) -> dict[str, str]:
    """OID → text of the subjectAltName's otherNames (each a DER UTF8String)."""
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    values = {}
    for name in san.get_values_for_type(x509.OtherName):
        decoded = asn1_core.load(name.value)
        assert isinstance(decoded, asn1_core.UTF8String)
        values[name.type_id.dotted_string] = decoded.native
    return values


def test_a_jpki_signing_certificate_carries_the_holders_basic_four(client: FlaskClient) -> None:
    """The RA writes the basic four into the signing certificate under the JPKI arc (and the
    kana under the kit's own OID); the subject's common name is the one the card asked for (the
    holder's name) and the certificate verifies to the root through the JPKI Simulation CA."""
    csr = csr_pem(generate_key(), cn("森下 健太"))
    body = issued(
        client, profile="jpki-sign", holder="card-0001", csr=csr,
        subject_attributes={**HOLDER_ATTRIBUTES, "address": "  桜木市中央一丁目2番3号 "},
    )  # fmt: skip
    [certificate] = load_pem_chain(body["certificate"])
    assert other_names(certificate) == {
        "1.2.392.200149.8.5.5.1": "森下 健太",
        "1.2.392.200149.8.5.5.3": "male",
        "1.2.392.200149.8.5.5.4": "1990-05-12",
        "1.2.392.200149.8.5.5.5": "桜木市中央一丁目2番3号",  # surrounding spaces trimmed
        pki.KIT_NAME_KANA.dotted_string: "モリシタ ケンタ",
    }
    assert [a.value for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)] == [
        "森下 健太"
    ]
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment
    chain = [c for pem in body["chain"] for c in load_pem_chain(pem)]
    verify_chain([certificate, *chain], [root_of(client)], datetime.now(UTC))
    assert status_of(client, body["serial"])["holder"] == "card-0001"


def test_the_kana_reading_is_optional(client: FlaskClient) -> None:
    """Without name_kana (or with null) the certificate has the four JPKI entries only."""
    attributes = {k: v for k, v in HOLDER_ATTRIBUTES.items() if k != "name_kana"}
    for sent in (attributes, {**attributes, "name_kana": None}):
        body = issued(client, profile="jpki-sign", subject_attributes=sent)
        [certificate] = load_pem_chain(body["certificate"])
        assert sorted(other_names(certificate)) == [
            "1.2.392.200149.8.5.5.1",
            "1.2.392.200149.8.5.5.3",
            "1.2.392.200149.8.5.5.4",
            "1.2.392.200149.8.5.5.5",
        ]


def test_an_authentication_certificate_is_the_cards_alone(client: FlaskClient) -> None:
    """jpki-auth: the common name is the card's id and there is no personal data at all."""
    body = issued(client, profile="jpki-auth", holder="card-0001", csr=csr_pem(
        generate_key(), cn("card-0001")))  # fmt: skip
    [certificate] = load_pem_chain(body["certificate"])
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ("card-0001")
    with pytest.raises(x509.ExtensionNotFound):
        certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)


@pytest.mark.parametrize("profile", ["jpki-auth", "seal", "securityserver-tls"])
def test_personal_data_are_refused_for_other_profiles(client: FlaskClient, profile: str) -> None:
    """Only a signing certificate may carry the basic four: anywhere else it is a 422."""
    response = issue(client, profile=profile, subject_attributes=HOLDER_ATTRIBUTES)
    assert assert_problem(response, 422)["detail"] == (
        "subject_attributes are only for profile 'jpki-sign'"
    )


def test_a_signing_certificate_needs_the_basic_four(client: FlaskClient) -> None:
    """No subject_attributes (or null): refused, and nothing is issued."""
    for extra in ({}, {"subject_attributes": None}):
        problem = assert_problem(issue(client, profile="jpki-sign", **extra), 422)
        assert problem["detail"] == (
            "profile 'jpki-sign' needs subject_attributes: name, birthdate, gender, address"
        )


DROP = object()  # in a change below: leave this attribute out


def signing_certificates(app: Flask) -> list[str]:
    with app.app_context():
        return [
            r.serial
            for r in repository.list_certificates(session=get_session(), profile="jpki-sign")
        ]


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        pytest.param(["森下 健太"], "must be a JSON object", id="list"),
        pytest.param("森下 健太", "must be a JSON object", id="string"),
        pytest.param({"birthdate": DROP}, "missing subject_attributes: birthdate", id="missing"),
        pytest.param(
            {"gender": DROP, "address": None}, "missing subject_attributes: gender, address",
            id="missing-two",
        ),
        pytest.param({"sex": "male"}, "unknown subject_attributes: sex", id="unknown"),
        pytest.param({"name": 12}, "name must be a string", id="number"),
        pytest.param({"gender": ["male"]}, "gender must be a string", id="list-value"),
        pytest.param({"name": ""}, "name must be 1 to 100", id="empty"),
        pytest.param({"name": "   "}, "name must be 1 to 100", id="blank"),
        pytest.param({"name": "森" * 101}, "name must be 1 to 100", id="long-name"),
        pytest.param({"address": "町" * 201}, "address must be 1 to 200", id="long-address"),
        pytest.param({"gender": "x" * 21}, "gender must be 1 to 20", id="long-gender"),
        pytest.param({"name": "森下\n健太"}, "name contains characters that are not text",
                     id="newline"),
        pytest.param({"name": "森下\u202e健太"}, "not text", id="bidi-override"),
        pytest.param({"address": "桜木市\u2028中央"}, "address contains", id="line-separator"),
        pytest.param({"birthdate": "1990/05/12"}, "YYYY-MM-DD", id="slashes"),
        pytest.param({"birthdate": "12-05-1990"}, "YYYY-MM-DD", id="day-first"),
        pytest.param({"birthdate": "１９９０-05-12"}, "YYYY-MM-DD", id="full-width"),
        pytest.param({"birthdate": "1990-02-30"}, "not a calendar date", id="30-february"),
        pytest.param({"birthdate": "2999-01-01"}, "in the future", id="future"),
    ],
)  # fmt: skip
def test_bad_subject_attributes_are_a_422_that_never_echoes_them(
    app: Flask, client: FlaskClient, change: Any, detail: str
) -> None:
    """Every malformed attribute is refused with a reason naming the field, never a 500; the
    problem never repeats a value (they are personal data), and nothing is issued."""
    if isinstance(change, dict):
        sent: Any = {**HOLDER_ATTRIBUTES, **change}
        sent = {k: v for k, v in sent.items() if v is not DROP}
    else:
        sent = change
    problem = assert_problem(issue(client, profile="jpki-sign", subject_attributes=sent), 422)
    assert detail in problem["detail"]
    values = sent.values() if isinstance(sent, dict) else sent
    for value in values:
        if isinstance(value, str) and value.strip():
            assert value.strip() not in problem["detail"]
    assert signing_certificates(app) == []


def test_a_nul_character_is_refused_before_the_registration_authority(
    app: Flask, client: FlaskClient
) -> None:
    """U+0000 is refused for every kit request (govkit.web): 400, without the value."""
    sent = {**HOLDER_ATTRIBUTES, "name": "森下\u0000健太"}
    problem = assert_problem(issue(client, profile="jpki-sign", subject_attributes=sent), 400)
    assert "NUL character" in problem["detail"]
    assert "森下" not in problem["detail"]
    assert signing_certificates(app) == []


def test_a_lone_surrogate_is_a_400_not_a_500(client: FlaskClient) -> None:
    """JSON can carry a lone UTF-16 surrogate, which no UTF-8 certificate (and no PostgreSQL
    text) can hold: refused for every kit request (govkit.web)."""
    body = {
        "profile": "jpki-sign",
        "holder": "card-1",
        "csr": signing_request(generate_key(), "card"),
        "subject_attributes": {**HOLDER_ATTRIBUTES},
    }
    raw = json.dumps(body).replace('"male"', '"ma\\ud800le"')
    assert "\\ud800" in raw
    response = client.post(
        "/api/v1/certificates", data=raw, content_type="application/json", headers=AUTH
    )
    assert "lone surrogate" in assert_problem(response, 400)["detail"]


# -- refusals -----------------------------------------------------------------------------------


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status
    return problem


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer " + "x" * 40}, id="wrong-token"),
        pytest.param({"Authorization": f"Bearer {TOKEN[:-1]}"}, id="token-prefix"),
        pytest.param({"Authorization": "Bearer "}, id="empty-token"),
        pytest.param({"Authorization": TOKEN}, id="no-scheme"),
        pytest.param(
            {"Authorization": "Basic " + base64.b64encode(f"ra:{TOKEN}".encode()).decode()},
            id="basic",
        ),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/certificates", "/api/v1/certificates/abc/revocation"])
def test_requests_without_the_ra_token_are_refused(
    client: FlaskClient, headers: dict[str, str], path: str
) -> None:
    """No valid bearer token: 401 problem+json with a WWW-Authenticate challenge."""
    response = client.post(
        path,
        json={"profile": "seal", "holder": "GOV/LG-1", "csr": signing_request(generate_key(), "x")},
        headers=headers,
    )
    problem = assert_problem(response, 401)
    assert problem["title"] == "Registration token required"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="madoguchi-ra"'


def test_nothing_is_issued_without_the_token(client: FlaskClient) -> None:
    """A refused request leaves no certificate behind."""
    before = trust_list(client)["issuers"]
    client.post(
        "/api/v1/certificates",
        json={"profile": "seal", "holder": "GOV/LG-1", "csr": signing_request(generate_key(), "x")},
    )
    assert trust_list(client)["issuers"] == before == []


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        pytest.param("profile=seal", "application/x-www-form-urlencoded", id="form"),
        pytest.param("not json", "text/plain", id="text"),
        pytest.param("{not json", "application/json", id="invalid-json"),
        pytest.param('["seal", "GOV/LG-1"]', "application/json", id="array"),
        pytest.param('"seal"', "application/json", id="string"),
        pytest.param("", "application/json", id="empty"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(
    client: FlaskClient, data: str, content_type: str
) -> None:
    """The RA speaks JSON objects only."""
    response = client.post(
        "/api/v1/certificates", data=data, content_type=content_type, headers=AUTH
    )
    assert assert_problem(response, 400)["title"] == "JSON object expected"


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, "profile, holder, csr"),
        ({"holder": "GOV/LG-1", "csr": "x"}, "profile"),
        ({"profile": "seal", "csr": "x"}, "holder"),
        ({"profile": "seal", "holder": "GOV/LG-1"}, "csr"),
        ({"profile": "", "holder": "GOV/LG-1", "csr": "x"}, "profile"),
        ({"profile": "seal", "holder": 12345, "csr": "x"}, "holder"),
        ({"profile": ["seal"], "holder": "GOV/LG-1", "csr": None}, "profile, csr"),
    ],
)
def test_missing_or_non_string_fields_are_a_400(
    client: FlaskClient, body: dict[str, Any], missing: str
) -> None:
    """The three fields are required strings; the problem names the missing ones."""
    response = client.post("/api/v1/certificates", json=body, headers=AUTH)
    problem = assert_problem(response, 400)
    assert problem["detail"] == f"required string fields: {missing}"


@pytest.mark.parametrize("dns_names", ["ss.example", [1, 2], {"a": "b"}, [None]])
def test_dns_names_of_the_wrong_shape_are_a_400(client: FlaskClient, dns_names: Any) -> None:
    """dns_names, when given, is a list of strings."""
    response = issue(client, profile="securityserver-tls", dns_names=dns_names)
    assert assert_problem(response, 400)["title"] == "Invalid dns_names"


@pytest.mark.parametrize(
    "dns_names",
    [["bücher.example"], [""], ["a b.example"], ["*.example"], ["ss.example\n"], ["-a.example"]],
)
def test_dns_names_that_are_not_host_names_are_a_422(client: FlaskClient, dns_names: Any) -> None:
    """Host names must be ASCII LDH labels: anything else is refused, never a 500."""
    response = issue(client, profile="securityserver-tls", dns_names=dns_names)
    assert "dns_names" in assert_problem(response, 422)["detail"]


@pytest.mark.parametrize(
    ("profile", "detail"),
    [
        ("tsa", "profile 'tsa' cannot be requested"),
        ("trust-list", "profile 'trust-list' cannot be requested"),
        ("root", "unknown profile 'root'"),
        ("SEAL", "unknown profile 'SEAL'"),
        ("nonsense", "unknown profile 'nonsense'"),
    ],
)
def test_unknown_and_reserved_profiles_are_a_422(
    client: FlaskClient, profile: str, detail: str
) -> None:
    """Only the agency and service profiles can be requested; the trust service's own are not."""
    problem = assert_problem(issue(client, profile=profile), 422)
    assert problem["title"] == "Request rejected"
    assert problem["detail"] == detail


@pytest.mark.parametrize(
    "holder",
    ["x", "-GOV", "/GOV", "GOV LG", "GOV\n", "政府", "a" * 129, "GOV;DROP", "GOV\\LG"],
)
def test_bad_holders_are_a_422(client: FlaskClient, holder: str) -> None:
    """Holders are 2-128 characters of letters, digits, '-', '_', '.', '/', starting with a
    letter or digit (a trailing newline included)."""
    assert "holder" in assert_problem(issue(client, holder=holder), 422)["detail"]


@pytest.mark.parametrize("holder", ["GO", "GOV/LG-139998", "card.0001_a", "a" * 128])
def test_good_holders_are_accepted(client: FlaskClient, holder: str) -> None:
    """The edges of the holder rule are accepted."""
    assert issued(client, holder=holder)["holder"] == holder


def csr_pem(key: Any, name: x509.Name) -> str:
    request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii")


def cn(value: str) -> x509.Name:
    """A name with this common name, even one X.509 forbids (as a careless client might send)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value, _validate=False)])


def tampered_csr() -> str:
    """A well-formed CSR whose signature does not match its key."""
    request = x509.load_pem_x509_csr(signing_request(generate_key(), "Kit City Seal").encode())
    other = x509.load_pem_x509_csr(signing_request(generate_key(), "Kit City Seal").encode())
    data = bytearray(request.public_bytes(serialization.Encoding.DER))
    key_der = request.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_key = other.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    start = bytes(data).index(key_der)
    data[start : start + len(key_der)] = other_key  # same length: P-256 SPKI
    swapped = x509.load_der_x509_csr(bytes(data))
    return swapped.public_bytes(serialization.Encoding.PEM).decode("ascii")


CSR_REFUSALS = [
    pytest.param(lambda: "not a certificate request", "PEM", id="not-pem"),
    pytest.param(
        lambda: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        "PEM",
        id="pem-of-garbage",
    ),
    pytest.param(lambda: "証明書署名要求", "PEM", id="not-ascii"),
    pytest.param(
        lambda: csr_pem(rsa.generate_private_key(65537, 2048), cn("Kit City Seal")),
        "P-256",
        id="rsa",
    ),
    pytest.param(
        lambda: csr_pem(ec.generate_private_key(ec.SECP384R1()), cn("Kit City Seal")),
        "P-256",
        id="p384",
    ),
    pytest.param(lambda: csr_pem(generate_key(), cn("")), "common name", id="empty-cn"),
    pytest.param(lambda: csr_pem(generate_key(), cn("   ")), "common name", id="blank-cn"),
    pytest.param(lambda: csr_pem(generate_key(), cn("x" * 65)), "common name", id="long-cn"),
    pytest.param(
        lambda: csr_pem(
            generate_key(), x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kit")])
        ),
        "common name",
        id="no-cn",
    ),
    pytest.param(tampered_csr, "signature", id="bad-signature"),
]


@pytest.mark.parametrize(("make_csr", "detail"), CSR_REFUSALS)
def test_unusable_csrs_are_a_422(client: FlaskClient, make_csr: Any, detail: str) -> None:
    """A CSR that is not PEM, not P-256, not self-consistent or without a usable common name
    is refused with a reason, never a 500."""
    problem = assert_problem(issue(client, csr=make_csr()), 422)
    assert detail in problem["detail"]


@pytest.mark.parametrize(
    ("common_name", "accepted"),
    [
        ("千代田区公印" * 3 + "千代田", True),  # 21 characters, 63 bytes
        ("千代田区公印" * 3 + "千代田区", False),  # 22 characters, 66 bytes
        ("x" * 64, True),
    ],
)
def test_the_common_name_limit_counts_utf8_bytes(
    client: FlaskClient, common_name: str, accepted: bool
) -> None:
    """X.509 limits a common name to 64 bytes: a long Japanese name is refused (not a 500), and
    one that fits is kept exactly."""
    response = issue(client, csr=csr_pem(generate_key(), cn(common_name)))
    if accepted:
        assert response.status_code == 201
        [certificate] = load_pem_chain(response.get_json()["certificate"])
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert [n.value for n in names] == [common_name]
    else:
        assert "common name" in assert_problem(response, 422)["detail"]


def test_a_certificate_is_not_a_csr(client: FlaskClient) -> None:
    """Sending a certificate (PEM, but not a request) is refused, not mistaken for one."""
    root_pem = client.get("/pki/root.pem").get_data(as_text=True)
    assert "PEM" in assert_problem(issue(client, csr=root_pem), 422)["detail"]


# -- revocation ---------------------------------------------------------------------------------


def ocsp_status(client: FlaskClient, certificate: x509.Certificate, authority: str) -> Any:
    issuer = x509.load_der_x509_certificate(client.get(f"/pki/{authority}.crt").data)
    request = (
        ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
    )
    response = client.post(
        f"/ocsp/{authority}",
        data=request.public_bytes(serialization.Encoding.DER),
        content_type="application/ocsp-request",
    )
    answer = ocsp.load_der_ocsp_response(response.data)
    assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    return answer


def revoke(client: FlaskClient, serial: str, **body: Any) -> TestResponse:
    return client.post(f"/api/v1/certificates/{serial}/revocation", json=body, headers=AUTH)


def test_a_revoked_seal_shows_in_ocsp_the_crl_the_status_and_the_trust_list(
    client: FlaskClient,
) -> None:
    """Revoking for key compromise: OCSP says REVOKED with that reason and date, the Seal CA's
    CRL lists the serial, and the status API and trust list say so."""
    body = issued(client)
    [certificate] = load_pem_chain(body["certificate"])
    assert ocsp_status(client, certificate, "seal").certificate_status is ocsp.OCSPCertStatus.GOOD

    response = revoke(client, body["serial"], reason="key_compromise")
    assert response.status_code == 200
    revoked = response.get_json()
    assert revoked["serial"] == body["serial"]
    assert revoked["revocation_reason"] == "key_compromise"
    revoked_at = datetime.fromisoformat(revoked["revoked_at"])

    answer = ocsp_status(client, certificate, "seal")
    assert answer.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason is x509.ReasonFlags.key_compromise
    assert answer.revocation_time_utc == revoked_at.replace(microsecond=0)

    crl = x509.load_der_x509_crl(client.get("/crl/seal.crl").data)
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
        x509.ReasonFlags.key_compromise
    )
    assert entry.revocation_date_utc == revoked_at.replace(microsecond=0)
    other_crl = x509.load_der_x509_crl(client.get("/crl/jpki.crl").data)
    assert other_crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is None

    status = status_of(client, body["serial"])
    assert (status["revoked_at"], status["revocation_reason"]) == (
        revoked["revoked_at"],
        "key_compromise",
    )
    [entry_in_list] = [i for i in trust_list(client)["issuers"] if i["serial"] == body["serial"]]
    assert entry_in_list["revoked_at"] == revoked["revoked_at"]
    assert entry_in_list["revocation_reason"] == "key_compromise"


def test_revoking_twice_keeps_the_first_date_and_reason(client: FlaskClient) -> None:
    """Revocation is final: a second request changes nothing."""
    serial = issued(client)["serial"]
    first = revoke(client, serial, reason="superseded").get_json()
    second = revoke(client, serial, reason="key_compromise")
    assert second.status_code == 200
    assert second.get_json() == first
    assert status_of(client, serial)["revocation_reason"] == "superseded"


def test_revocation_without_a_reason_is_unspecified_and_serials_are_case_blind(
    client: FlaskClient,
) -> None:
    """The reason defaults to unspecified; the serial may be given in upper case."""
    serial = issued(client)["serial"]
    response = revoke(client, serial.upper())
    assert response.status_code == 200
    assert response.get_json()["revocation_reason"] == "unspecified"
    assert status_of(client, serial.upper())["revocation_reason"] == "unspecified"


@pytest.mark.parametrize("serial", ["abc123", "0", "not-a-serial", "f" * 100])
def test_revoking_an_unknown_serial_is_a_404(client: FlaskClient, serial: str) -> None:
    """Only certificates the kit issued can be revoked."""
    assert assert_problem(revoke(client, serial, reason="key_compromise"), 404)["title"] == (
        "Unknown certificate"
    )


@pytest.mark.parametrize("reason", ["compromised", "KEY_COMPROMISE", "", ["key_compromise"], 1])
def test_a_bad_reason_is_a_422_and_revokes_nothing(client: FlaskClient, reason: Any) -> None:
    """Reasons come from the RFC 5280 list the kit supports; anything else changes nothing."""
    serial = issued(client)["serial"]
    assert (
        "reason must be one of"
        in assert_problem(revoke(client, serial, reason=reason), 422)["detail"]
    )
    assert status_of(client, serial)["revoked_at"] is None


def test_revocation_needs_a_json_object(client: FlaskClient) -> None:
    """A revocation body that is not a JSON object is a 400, and revokes nothing."""
    serial = issued(client)["serial"]
    response = client.post(
        f"/api/v1/certificates/{serial}/revocation", data="reason=key_compromise", headers=AUTH
    )
    assert_problem(response, 400)
    assert status_of(client, serial)["revoked_at"] is None


def test_the_status_of_an_unknown_serial_is_a_404(client: FlaskClient) -> None:
    """The public status API answers problem+json for serials it never issued."""
    assert_problem(client.get("/api/v1/certificates/abc"), 404)
