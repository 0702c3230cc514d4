"""The kit's certificate authorities: names, profiles and certificate building.

Everything here is the kit's own *test* trust, labelled as such in every subject. Keys are ECDSA
P-256. The hierarchy:

    Madoguchi Kit Test Root CA
    ├── Government Seal CA        agencies' document seals (e-seals: nonRepudiation)
    ├── Security Server CA        exchange TLS and message signing
    ├── JPKI Simulation CA        citizens' simulated My Number cards
    ├── Timestamping (TSA)        RFC 3161 tokens (critical timeStamping EKU)
    └── Trust List Signer         signs the kit trust list

Pure functions over `cryptography` objects: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TEST_LABEL = "Madoguchi kit TEST trust - not a real authority"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning

# The basic four (基本4情報) in a JPKI signing certificate (署名用電子証明書). As in J-LIS's
# certificate profile specification (署名用電子証明書のプロファイル, subjectAltName), each is an
# otherName under the JPKI personal-data arc 1.2.392.200149.8.5.5 whose value is a UTF8String:
#   .1 name (氏名)   .2 substitute characters of the name (代替文字; not used by the kit)
#   .3 gender (性別)   .4 date of birth (生年月日)   .5 address (住所)
#   .6 substitute characters of the address (not used by the kit)
# Deviations, for a readable simulation: real cards code the birth date as era digit + YYYYMMDD
# and the gender as a digit; the kit writes ISO 8601 (YYYY-MM-DD) and the OpenID Connect words
# ("female", "male", …). Real cards carry no kana reading: the kit adds one under its own OID
# (a UUID-based arc, ITU-T X.667, so it can never collide with a registered one).
JPKI_PERSONAL_DATA_ARC = "1.2.392.200149.8.5.5"
JPKI_NAME = x509.ObjectIdentifier(f"{JPKI_PERSONAL_DATA_ARC}.1")
JPKI_GENDER = x509.ObjectIdentifier(f"{JPKI_PERSONAL_DATA_ARC}.3")
JPKI_BIRTHDATE = x509.ObjectIdentifier(f"{JPKI_PERSONAL_DATA_ARC}.4")
JPKI_ADDRESS = x509.ObjectIdentifier(f"{JPKI_PERSONAL_DATA_ARC}.5")
KIT_NAME_KANA = x509.ObjectIdentifier("2.25.178216753706052132325587840664604603093")


class Authority(StrEnum):
    """The issuing authorities (their keys sign certificates, CRLs and OCSP responses)."""

    ROOT = "root"
    SEAL = "seal"
    SECURITY_SERVER = "securityserver"
    JPKI = "jpki"


AUTHORITY_NAMES = {
    Authority.ROOT: "Madoguchi Kit Test Root CA",
    Authority.SEAL: "Madoguchi Kit Test Government Seal CA",
    Authority.SECURITY_SERVER: "Madoguchi Kit Test Security Server CA",
    Authority.JPKI: "Madoguchi Kit Test JPKI Simulation CA",
}


class Profile(StrEnum):
    """What an end-entity certificate is for, and so which authority issues it."""

    SEAL = "seal"  # an agency's document seal
    TSA = "tsa"  # the timestamp authority
    TRUST_LIST = "trust-list"  # the trust list signer
    SS_TLS = "securityserver-tls"  # exchange mutual TLS
    SS_SIGNING = "securityserver-signing"  # exchange message signing
    JPKI_AUTH = "jpki-auth"  # card: user authentication
    JPKI_SIGN = "jpki-sign"  # card: signing (carries the basic four)


PROFILE_AUTHORITY = {
    Profile.SEAL: Authority.SEAL,
    Profile.TSA: Authority.ROOT,
    Profile.TRUST_LIST: Authority.ROOT,
    Profile.SS_TLS: Authority.SECURITY_SERVER,
    Profile.SS_SIGNING: Authority.SECURITY_SERVER,
    Profile.JPKI_AUTH: Authority.JPKI,
    Profile.JPKI_SIGN: Authority.JPKI,
}

#: Profiles that agencies and services may request through the registration API.
REQUESTABLE = frozenset(
    {Profile.SEAL, Profile.SS_TLS, Profile.SS_SIGNING, Profile.JPKI_AUTH, Profile.JPKI_SIGN}
)


@dataclass(frozen=True)
class Urls:
    """Where relying parties find an authority's certificate, CRL and OCSP responder."""

    base: str

    def ca_issuers(self, authority: Authority) -> str:
        return f"{self.base}/pki/{authority}.crt"

    def crl(self, authority: Authority) -> str:
        return f"{self.base}/crl/{authority}.crl"

    def ocsp(self, authority: Authority) -> str:
        return f"{self.base}/ocsp/{authority}"


@dataclass(frozen=True)
class PersonalData:
    """What a JPKI signing certificate says about its holder (already validated)."""

    name: str
    birthdate: date
    gender: str
    address: str
    name_kana: str | None = None


def _utf8_string(value: str) -> bytes:
    """The DER encoding of an ASN.1 UTF8String (an otherName's value)."""
    return asn1_core.UTF8String(value).dump()


def personal_data_names(data: PersonalData) -> list[x509.GeneralName]:
    """The subjectAltName entries that carry ``data`` (JPKI order: name, gender, birth, address)."""
    entries = [
        (JPKI_NAME, data.name),
        (JPKI_GENDER, data.gender),
        (JPKI_BIRTHDATE, data.birthdate.isoformat()),
        (JPKI_ADDRESS, data.address),
    ]
    if data.name_kana is not None:
        entries.append((KIT_NAME_KANA, data.name_kana))
    return [x509.OtherName(oid, _utf8_string(value)) for oid, value in entries]


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def authority_subject(authority: Authority) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi Kit (TEST)"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_LABEL),
            x509.NameAttribute(NameOID.COMMON_NAME, AUTHORITY_NAMES[authority]),
        ]
    )


def service_subject(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi Kit (TEST)"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_LABEL),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _base_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    serial: int,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def self_signed_root(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    subject = authority_subject(Authority.ROOT)
    builder = (
        _base_builder(
            subject,
            subject,
            key.public_key(),
            x509.random_serial_number(),
            now - timedelta(minutes=5),
            now + timedelta(days=365 * 20),
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
    )
    return builder.sign(key, hashes.SHA256())


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip


def _revocation_pointers(
    builder: x509.CertificateBuilder, issuer: Authority, urls: Urls
) -> x509.CertificateBuilder:
    return builder.add_extension(
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(urls.ocsp(issuer)),
                ),
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(urls.ca_issuers(issuer)),
                ),
            ]
        ),
        critical=False,
    ).add_extension(
        x509.CRLDistributionPoints(
            [
                x509.DistributionPoint(
                    full_name=[x509.UniformResourceIdentifier(urls.crl(issuer))],
                    relative_name=None,
                    reasons=None,
                    crl_issuer=None,
                )
            ]
        ),
        critical=False,
    )


def intermediate(
    authority: Authority,
    public_key: ec.EllipticCurvePublicKey,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    now: datetime,
    urls: Urls,
) -> x509.Certificate:
    builder = _base_builder(
        authority_subject(authority), root.subject, public_key, x509.random_serial_number(),
        now - timedelta(minutes=5), now + timedelta(days=365 * 10),
    )  # fmt: skip
    builder = (
        builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
    )
    return _revocation_pointers(builder, Authority.ROOT, urls).sign(root_key, hashes.SHA256())


def _usage(*, signature: bool, commitment: bool, key_agreement: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature, content_commitment=commitment, key_encipherment=False,
        data_encipherment=False, key_agreement=key_agreement, key_cert_sign=False,
        crl_sign=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip


def end_entity(
    profile: Profile,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    urls: Urls,
    dns_names: tuple[str, ...] = (),
    personal_data: PersonalData | None = None,
) -> x509.Certificate:
    """Issue an end-entity certificate of ``profile``.

    A JPKI signing certificate must carry its holder's ``personal_data`` (the basic four, in
    its subjectAltName); no other profile may.
    """
    if (profile is Profile.JPKI_SIGN) != (personal_data is not None):
        raise ValueError("personal data go in JPKI signing certificates, and only there")
    builder = _base_builder(subject, issuer.subject, public_key, serial, not_before, not_after)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    ).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
        critical=False,
    )
    if profile in (Profile.SEAL, Profile.JPKI_SIGN, Profile.SS_SIGNING):
        builder = builder.add_extension(_usage(signature=True, commitment=True), critical=True)
        if profile is Profile.SEAL:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False
            )
        if personal_data is not None:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(personal_data_names(personal_data)), critical=False
            )
    elif profile is Profile.TSA:
        builder = builder.add_extension(
            _usage(signature=True, commitment=True), critical=True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    elif profile is Profile.TRUST_LIST:
        builder = builder.add_extension(
            _usage(signature=True, commitment=False), critical=True
        ).add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
    elif profile is Profile.SS_TLS:
        builder = builder.add_extension(
            _usage(signature=True, commitment=False, key_agreement=True), critical=True
        ).add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        if dns_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]),
                critical=False,
            )
    elif profile is Profile.JPKI_AUTH:
        builder = builder.add_extension(
            _usage(signature=True, commitment=False), critical=True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    issuer_authority = PROFILE_AUTHORITY[profile]
    return _revocation_pointers(builder, issuer_authority, urls).sign(issuer_key, hashes.SHA256())
