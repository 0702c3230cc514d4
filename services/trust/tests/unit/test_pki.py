"""The kit's certificate profiles, built by the pure functions of trust.pki (no Flask, no DB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from trust import pki

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
URLS = pki.Urls("https://trust.example")
INTERMEDIATES = [pki.Authority.SEAL, pki.Authority.SECURITY_SERVER, pki.Authority.JPKI]
PERSON = pki.PersonalData(
    name="森下 健太",
    birthdate=date(1990, 5, 12),
    gender="male",
    address="桜木市中央一丁目2番3号",
    name_kana="モリシタ ケンタ",
)


@dataclass(frozen=True)
class Hierarchy:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    keys: dict[pki.Authority, ec.EllipticCurvePrivateKey]
    cas: dict[pki.Authority, x509.Certificate]

    def issue(
        self,
        profile: pki.Profile,
        dns_names: tuple[str, ...] = (),
        personal_data: pki.PersonalData | None = None,
    ) -> x509.Certificate:
        """An end-entity certificate of ``profile`` from the authority that issues it (a JPKI
        signing certificate for :data:`PERSON` unless other ``personal_data`` are given)."""
        if profile is pki.Profile.JPKI_SIGN and personal_data is None:
            personal_data = PERSON
        authority = pki.PROFILE_AUTHORITY[profile]
        issuer_key = self.root_key if authority is pki.Authority.ROOT else self.keys[authority]
        issuer = self.root if authority is pki.Authority.ROOT else self.cas[authority]
        return pki.end_entity(
            profile,
            pki.service_subject(f"Holder of {profile}"),
            pki.new_key().public_key(),
            issuer_key,
            issuer,
            0x1234,
            NOW,
            NOW + timedelta(days=30),
            URLS,
            dns_names=dns_names,
            personal_data=personal_data,
        )


@pytest.fixture(scope="module")
def pki_tree() -> Hierarchy:
    root_key = pki.new_key()
    root = pki.self_signed_root(root_key, NOW)
    keys = {a: pki.new_key() for a in INTERMEDIATES}
    cas = {
        a: pki.intermediate(a, keys[a].public_key(), root_key, root, NOW, URLS)
        for a in INTERMEDIATES
    }
    return Hierarchy(root_key, root, keys, cas)


def extension(certificate: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:
    return certificate.extensions.get_extension_for_class(kind)


def test_urls_are_built_from_the_base() -> None:
    """Relying parties find each authority's certificate, CRL and OCSP under the public URL."""
    assert URLS.ca_issuers(pki.Authority.SEAL) == "https://trust.example/pki/seal.crt"
    assert URLS.crl(pki.Authority.JPKI) == "https://trust.example/crl/jpki.crl"
    assert URLS.ocsp(pki.Authority.ROOT) == "https://trust.example/ocsp/root"


def test_the_root_is_a_self_signed_ca_with_path_length_one(pki_tree: Hierarchy) -> None:
    """The root signs itself, may sign one level of CAs below it, and only signs certificates."""
    root = pki_tree.root
    assert root.subject == root.issuer
    root.verify_directly_issued_by(root)
    constraints = extension(root, x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert constraints.value.path_length == 1
    usage = extension(root, x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    assert not usage.value.content_commitment
    assert root.not_valid_before_utc < NOW < root.not_valid_after_utc
    assert extension(root, x509.SubjectKeyIdentifier).value == (
        x509.SubjectKeyIdentifier.from_public_key(pki_tree.root_key.public_key())
    )


@pytest.mark.parametrize("authority", INTERMEDIATES)
def test_intermediates_are_ca_with_path_length_zero_signed_by_the_root(
    pki_tree: Hierarchy, authority: pki.Authority
) -> None:
    """Each intermediate CA is signed by the root, may sign only end entities, and names the
    root's OCSP, certificate and CRL as where to check it."""
    ca = pki_tree.cas[authority]
    ca.verify_directly_issued_by(pki_tree.root)
    assert ca.issuer == pki_tree.root.subject
    assert (
        ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        == (pki.AUTHORITY_NAMES[authority])
    )
    constraints = extension(ca, x509.BasicConstraints)
    assert constraints.critical
    assert (constraints.value.ca, constraints.value.path_length) == (True, 0)
    assert extension(ca, x509.KeyUsage).value.key_cert_sign
    assert extension(ca, x509.AuthorityKeyIdentifier).value.key_identifier == (
        extension(pki_tree.root, x509.SubjectKeyIdentifier).value.digest
    )
    assert ocsp_urls(ca) == ["https://trust.example/ocsp/root"]
    assert ca_issuer_urls(ca) == ["https://trust.example/pki/root.crt"]
    assert crl_urls(ca) == ["https://trust.example/crl/root.crl"]


def ocsp_urls(certificate: x509.Certificate) -> list[str]:
    return access_urls(certificate, x509.AuthorityInformationAccessOID.OCSP)


def ca_issuer_urls(certificate: x509.Certificate) -> list[str]:
    return access_urls(certificate, x509.AuthorityInformationAccessOID.CA_ISSUERS)


def access_urls(certificate: x509.Certificate, method: x509.ObjectIdentifier) -> list[str]:
    aia = extension(certificate, x509.AuthorityInformationAccess)
    assert not aia.critical
    return [d.access_location.value for d in aia.value if d.access_method == method]


def crl_urls(certificate: x509.Certificate) -> list[str]:
    points = extension(certificate, x509.CRLDistributionPoints).value
    return [name.value for point in points for name in point.full_name or []]


def test_a_seal_is_a_non_repudiation_document_signing_certificate(pki_tree: Hierarchy) -> None:
    """An agency's seal: critical KeyUsage digitalSignature + contentCommitment only, EKU
    documentSigning, not a CA, signed by the Government Seal CA whose OCSP/CRL it names."""
    seal = pki_tree.issue(pki.Profile.SEAL)
    seal.verify_directly_issued_by(pki_tree.cas[pki.Authority.SEAL])
    assert seal.serial_number == 0x1234
    assert extension(seal, x509.BasicConstraints).value.ca is False
    usage = extension(seal, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    assert not usage.value.key_encipherment
    assert not usage.value.key_agreement
    assert not usage.value.key_cert_sign
    assert not usage.value.crl_sign
    eku = extension(seal, x509.ExtendedKeyUsage)
    assert list(eku.value) == [pki.DOCUMENT_SIGNING]
    assert pki.DOCUMENT_SIGNING.dotted_string == "1.3.6.1.5.5.7.3.36"
    assert ocsp_urls(seal) == ["https://trust.example/ocsp/seal"]
    assert ca_issuer_urls(seal) == ["https://trust.example/pki/seal.crt"]
    assert crl_urls(seal) == ["https://trust.example/crl/seal.crl"]
    assert extension(seal, x509.AuthorityKeyIdentifier).value.key_identifier == (
        extension(pki_tree.cas[pki.Authority.SEAL], x509.SubjectKeyIdentifier).value.digest
    )
    assert (seal.not_valid_before_utc, seal.not_valid_after_utc) == (NOW, NOW + timedelta(days=30))


def test_the_tsa_certificate_has_a_critical_eku_with_only_time_stamping(
    pki_tree: Hierarchy,
) -> None:
    """RFC 3161 2.3: the TSA's certificate must carry exactly one EKU, timeStamping, critical."""
    tsa = pki_tree.issue(pki.Profile.TSA)
    tsa.verify_directly_issued_by(pki_tree.root)
    eku = extension(tsa, x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    usage = extension(tsa, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert ocsp_urls(tsa) == ["https://trust.example/ocsp/root"]


def test_the_trust_list_signer_is_issued_by_the_root_for_document_signing(
    pki_tree: Hierarchy,
) -> None:
    """The trust-list signer hangs directly off the root and signs documents, not certificates."""
    signer = pki_tree.issue(pki.Profile.TRUST_LIST)
    signer.verify_directly_issued_by(pki_tree.root)
    assert list(extension(signer, x509.ExtendedKeyUsage).value) == [pki.DOCUMENT_SIGNING]
    assert not extension(signer, x509.KeyUsage).value.key_cert_sign


def test_security_server_tls_carries_server_and_client_auth_and_the_given_names(
    pki_tree: Hierarchy,
) -> None:
    """Exchange mutual TLS: both TLS purposes, and the host names asked for as DNS SANs."""
    tls = pki_tree.issue(pki.Profile.SS_TLS, dns_names=("ss1.example", "localhost"))
    tls.verify_directly_issued_by(pki_tree.cas[pki.Authority.SECURITY_SERVER])
    assert set(extension(tls, x509.ExtendedKeyUsage).value) == {
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    }
    san = extension(tls, x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == ["ss1.example", "localhost"]
    assert extension(tls, x509.KeyUsage).value.digital_signature


def test_security_server_tls_without_names_has_no_san(pki_tree: Hierarchy) -> None:
    """No host names asked for: no empty SubjectAlternativeName (which would be invalid)."""
    tls = pki_tree.issue(pki.Profile.SS_TLS)
    with pytest.raises(x509.ExtensionNotFound):
        extension(tls, x509.SubjectAlternativeName)


@pytest.mark.parametrize(
    ("profile", "commitment", "eku"),
    [
        (pki.Profile.SEAL, True, [pki.DOCUMENT_SIGNING]),
        (pki.Profile.TSA, True, [ExtendedKeyUsageOID.TIME_STAMPING]),
        (pki.Profile.TRUST_LIST, False, [pki.DOCUMENT_SIGNING]),
        (
            pki.Profile.SS_TLS,
            False,
            [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
        ),
        (pki.Profile.SS_SIGNING, True, None),
        (pki.Profile.JPKI_AUTH, False, [ExtendedKeyUsageOID.CLIENT_AUTH]),
        (pki.Profile.JPKI_SIGN, True, None),
    ],
)
def test_every_profile_is_an_end_entity_from_its_authority(
    pki_tree: Hierarchy,
    profile: pki.Profile,
    commitment: bool,
    eku: list[x509.ObjectIdentifier] | None,
) -> None:
    """Each profile: not a CA, critical KeyUsage without certificate signing, non-repudiation
    exactly where signatures must bind the holder, the right EKU, and the pointers of the
    authority that issued it."""
    certificate = pki_tree.issue(profile)
    authority = pki.PROFILE_AUTHORITY[profile]
    issuer = pki_tree.root if authority is pki.Authority.ROOT else pki_tree.cas[authority]
    certificate.verify_directly_issued_by(issuer)
    assert extension(certificate, x509.BasicConstraints).value.ca is False
    usage = extension(certificate, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment is commitment
    assert not usage.value.key_cert_sign
    if eku is None:
        with pytest.raises(x509.ExtensionNotFound):
            extension(certificate, x509.ExtendedKeyUsage)
    else:
        assert list(extension(certificate, x509.ExtendedKeyUsage).value) == eku
    assert ocsp_urls(certificate) == [URLS.ocsp(authority)]
    assert crl_urls(certificate) == [URLS.crl(authority)]


def test_only_the_agency_and_service_profiles_can_be_requested() -> None:
    """The TSA and trust-list signer are the trust service's own: never handed out by the RA."""
    assert pki.Profile.TSA not in pki.REQUESTABLE
    assert pki.Profile.TRUST_LIST not in pki.REQUESTABLE
    requestable = set(pki.Profile) - {pki.Profile.TSA, pki.Profile.TRUST_LIST}
    assert requestable == pki.REQUESTABLE
    assert set(pki.PROFILE_AUTHORITY) == set(pki.Profile)


def every_certificate(tree: Hierarchy) -> list[x509.Certificate]:
    return [
        tree.root,
        *tree.cas.values(),
        *(tree.issue(p, dns_names=("a.example",)) for p in pki.Profile),
    ]


def test_every_subject_carries_the_test_label(pki_tree: Hierarchy) -> None:
    """Nobody can mistake a kit certificate for a real one: every subject (and so every issuer)
    says TEST, in Japan, under the kit's organisation."""
    certificates = every_certificate(pki_tree)
    assert len(certificates) == 1 + len(INTERMEDIATES) + len(pki.Profile)
    assert "TEST" in pki.TEST_LABEL
    for certificate in certificates:
        for name in (certificate.subject, certificate.issuer):
            units = name.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
            assert [u.value for u in units] == [pki.TEST_LABEL], name
            assert name.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "JP"
            assert "(TEST)" in str(name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value)


def test_keys_are_ecdsa_p256_and_certificates_sha256(pki_tree: Hierarchy) -> None:
    """Every key is P-256 and every signature ECDSA with SHA-256."""
    for certificate in every_certificate(pki_tree):
        key = certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        assert key.curve.name == "secp256r1"
        assert certificate.signature_algorithm_oid == x509.SignatureAlgorithmOID.ECDSA_WITH_SHA256
        assert certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER)


def test_serials_of_authorities_are_random(pki_tree: Hierarchy) -> None:
    """Authorities get random serial numbers (no two alike, and large)."""
    serials = [c.serial_number for c in (pki_tree.root, *pki_tree.cas.values())]
    assert len(set(serials)) == len(serials)
    assert all(s.bit_length() > 64 for s in serials)


# -- JPKI: the basic four in the signing certificate ---------------------------------------------


def other_names(certificate: x509.Certificate) -> dict[str, str]:
    """OID → text of every otherName in the subjectAltName, each decoded as a DER UTF8String."""
    san = extension(certificate, x509.SubjectAlternativeName)
    assert not san.critical  # the subject is not empty (RFC 5280 4.2.1.6)
    values: dict[str, str] = {}
    for name in san.value.get_values_for_type(x509.OtherName):
        decoded = asn1_core.load(name.value)
        assert isinstance(decoded, asn1_core.UTF8String)  # tag 12, as in the JPKI profile
        values[name.type_id.dotted_string] = decoded.native
    return values


def test_the_jpki_oids_are_the_real_personal_data_arc() -> None:
    """Name, gender, birth date and address use J-LIS's arc 1.2.392.200149.8.5.5 (.1 .3 .4 .5);
    the kana reading, which real cards lack, sits outside it under a UUID arc."""
    assert pki.JPKI_NAME.dotted_string == "1.2.392.200149.8.5.5.1"
    assert pki.JPKI_GENDER.dotted_string == "1.2.392.200149.8.5.5.3"
    assert pki.JPKI_BIRTHDATE.dotted_string == "1.2.392.200149.8.5.5.4"
    assert pki.JPKI_ADDRESS.dotted_string == "1.2.392.200149.8.5.5.5"
    assert pki.KIT_NAME_KANA.dotted_string.startswith("2.25.")
    assert not pki.KIT_NAME_KANA.dotted_string.startswith(pki.JPKI_PERSONAL_DATA_ARC)


def test_a_jpki_signing_certificate_carries_the_basic_four_as_utf8_other_names(
    pki_tree: Hierarchy,
) -> None:
    """The holder's name, gender, birth date (ISO 8601) and address, and the kit's kana
    reading, are otherNames of the subjectAltName, in UTF-8, exactly as given; nothing else is."""
    certificate = pki_tree.issue(pki.Profile.JPKI_SIGN)
    assert other_names(certificate) == {
        "1.2.392.200149.8.5.5.1": "森下 健太",
        "1.2.392.200149.8.5.5.3": "male",
        "1.2.392.200149.8.5.5.4": "1990-05-12",
        "1.2.392.200149.8.5.5.5": "桜木市中央一丁目2番3号",
        pki.KIT_NAME_KANA.dotted_string: "モリシタ ケンタ",
    }
    san = extension(certificate, x509.SubjectAlternativeName).value
    assert len(list(san)) == 5


def test_a_long_address_is_encoded_with_a_long_form_length(pki_tree: Hierarchy) -> None:
    """A 200-character Japanese address (600 bytes) survives DER encoding and decoding, and a
    certificate without a kana reading simply has no such entry."""
    address = "梅園市本町" * 40
    person = pki.PersonalData("高木 直子", date(1979, 6, 18), "female", address)
    values = other_names(pki_tree.issue(pki.Profile.JPKI_SIGN, personal_data=person))
    assert values[pki.JPKI_ADDRESS.dotted_string] == address
    assert (len(address), len(address.encode("utf-8"))) == (200, 600)
    assert pki.KIT_NAME_KANA.dotted_string not in values


def test_the_authentication_certificate_carries_no_personal_data(pki_tree: Hierarchy) -> None:
    """The user-authentication certificate proves the card, not who holds it: no SAN at all."""
    certificate = pki_tree.issue(pki.Profile.JPKI_AUTH)
    with pytest.raises(x509.ExtensionNotFound):
        extension(certificate, x509.SubjectAlternativeName)


@pytest.mark.parametrize(
    ("profile", "personal_data"),
    [
        (pki.Profile.JPKI_AUTH, PERSON),
        (pki.Profile.SEAL, PERSON),
        (pki.Profile.SS_TLS, PERSON),
    ],
)
def test_personal_data_go_only_in_signing_certificates(
    pki_tree: Hierarchy, profile: pki.Profile, personal_data: pki.PersonalData
) -> None:
    """The pure builder refuses personal data for any other profile."""
    with pytest.raises(ValueError, match="only there"):
        pki_tree.issue(profile, personal_data=personal_data)


def test_a_signing_certificate_without_personal_data_is_refused(pki_tree: Hierarchy) -> None:
    """The builder never makes a JPKI signing certificate that lacks the basic four."""
    with pytest.raises(ValueError, match="only there"):
        pki.end_entity(
            pki.Profile.JPKI_SIGN,
            pki.service_subject("x"),
            pki.new_key().public_key(),
            pki_tree.keys[pki.Authority.JPKI],
            pki_tree.cas[pki.Authority.JPKI],
            1,
            NOW,
            NOW + timedelta(days=1),
            URLS,
        )
