"""The trust service's use cases. Each owns its transaction (or only reads)."""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from asn1crypto import csr as asn1_csr
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from sqlmodel import Session

from govkit.certificates import jose
from govkit.certificates.keys import der, key_id, save_private_key
from trust import pki, repository
from trust.keyring import Keyring, Signer
from trust.models import AuthorityRecord, CertificateRecord

HOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{1,127}$")
#: A host name for a TLS certificate: ASCII letter-digit-hyphen labels (IDNs as A-labels).
DNS_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
TRUST_LIST_TYPE = "madoguchi-trust-list+jwt"
#: The holder attributes a JPKI signing certificate carries, and their longest length (in
#: characters; the text fields are UTF-8 in the certificate). ``name_kana`` is optional.
SUBJECT_ATTRIBUTES = {"name": 100, "name_kana": 100, "birthdate": 10, "gender": 20,
                      "address": 200}  # fmt: skip
REQUIRED_SUBJECT_ATTRIBUTES = ("name", "birthdate", "gender", "address")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


class RequestRejected(ValueError):
    """A certificate request the registration authority will not sign (message says why)."""


@dataclass(frozen=True)
class Validity:
    seal: timedelta = timedelta(days=730)
    service: timedelta = timedelta(days=730)
    card: timedelta = timedelta(days=365 * 5)
    ocsp: timedelta = timedelta(hours=1)
    crl: timedelta = timedelta(hours=24)
    trust_list: timedelta = timedelta(hours=24)


# -- set-up -------------------------------------------------------------------------------------


def initialise_pki(*, session: Session, keyring: Keyring, urls: pki.Urls, now: datetime) -> bool:
    """Create the kit's CAs, TSA and trust-list signer, once. Returns whether it created them."""
    if repository.find_authority(session=session, name=pki.Authority.ROOT) is not None:
        return False
    root_key = pki.new_key()
    root = pki.self_signed_root(root_key, now)
    _save_authority(session, keyring, pki.Authority.ROOT, root, root_key, now)
    for authority in (pki.Authority.SEAL, pki.Authority.SECURITY_SERVER, pki.Authority.JPKI):
        key = pki.new_key()
        certificate = pki.intermediate(authority, key.public_key(), root_key, root, now, urls)
        _save_authority(session, keyring, authority, certificate, key, now)
    for profile, name, lifetime in (
        (pki.Profile.TSA, "Madoguchi Kit Test Time-Stamping Authority", timedelta(days=3650)),
        (pki.Profile.TRUST_LIST, "Madoguchi Kit Test Trust List Signer", timedelta(days=1825)),
    ):
        key = pki.new_key()
        save_private_key(keyring.path(profile), key)
        certificate = pki.end_entity(
            profile, pki.service_subject(name), key.public_key(), root_key, root,
            x509.random_serial_number(), now - timedelta(minutes=5), now + lifetime, urls,
        )  # fmt: skip
        _record(session, certificate, pki.Authority.ROOT, profile, "trust", now)
    session.commit()
    return True


def _save_authority(
    session: Session,
    keyring: Keyring,
    authority: pki.Authority,
    certificate: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
    now: datetime,
) -> None:
    save_private_key(keyring.path(authority), key)
    repository.save(
        session=session,
        record=AuthorityRecord(
            name=authority,
            certificate_der=der(certificate),
            key_file=keyring.path(authority).name,
            created_at=now,
        ),
    )


def _record(
    session: Session,
    certificate: x509.Certificate,
    authority: str,
    profile: str,
    holder: str,
    now: datetime,
) -> CertificateRecord:
    record = CertificateRecord(
        serial=format(certificate.serial_number, "x"),
        authority=authority,
        profile=profile,
        subject=certificate.subject.rfc4514_string(),
        holder=holder,
        kid=key_id(certificate),
        certificate_der=der(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        issued_at=now,
    )
    repository.save(session=session, record=record)
    return record


# -- reading the PKI ----------------------------------------------------------------------------


def authority_certificate(*, session: Session, name: str) -> x509.Certificate:
    record = repository.find_authority(session=session, name=name)
    if record is None:
        raise repository.RecordNotFound(name)
    return x509.load_der_x509_certificate(record.certificate_der)


def authority_signer(*, session: Session, keyring: Keyring, name: str) -> Signer:
    return Signer(authority_certificate(session=session, name=name), keyring.key(name))


def service_signer(*, session: Session, keyring: Keyring, profile: pki.Profile) -> Signer:
    records = repository.list_certificates(session=session, profile=profile, holder="trust")
    if not records:
        raise repository.RecordNotFound(profile)
    certificate = x509.load_der_x509_certificate(records[-1].certificate_der)
    return Signer(certificate, keyring.key(profile))


def chain_for(*, session: Session, record: CertificateRecord) -> list[x509.Certificate]:
    """The certificate followed by its issuing CA(s), up to and including the root."""
    chain = [x509.load_der_x509_certificate(record.certificate_der)]
    if record.authority != pki.Authority.ROOT:
        chain.append(authority_certificate(session=session, name=record.authority))
    chain.append(authority_certificate(session=session, name=pki.Authority.ROOT))
    return chain


# -- registration authority ---------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    record: CertificateRecord
    chain: list[x509.Certificate]


def issue_certificate(
    *,
    session: Session,
    keyring: Keyring,
    urls: pki.Urls,
    profile: str,
    holder: str,
    csr_pem: str,
    now: datetime,
    validity: Validity,
    dns_names: tuple[str, ...] = (),
    subject_attributes: object = None,
) -> Issued:
    """Sign a certificate request; a new seal withdraws the holder's previous seals.

    ``subject_attributes`` (the holder's basic four, untrusted JSON) are required for a JPKI
    signing certificate and refused for every other profile.
    """
    try:
        chosen = pki.Profile(profile)
    except ValueError:
        raise RequestRejected(f"unknown profile {profile!r}") from None
    if chosen not in pki.REQUESTABLE:
        raise RequestRejected(f"profile {profile!r} cannot be requested")
    if not HOLDER.fullmatch(holder):
        raise RequestRejected("holder must be 2 to 128 letters, digits, '-', '_', '.', '/'")
    if not all(DNS_NAME.fullmatch(name) for name in dns_names):
        raise RequestRejected("dns_names must be ASCII host names (IDNs as xn-- A-labels)")
    personal_data = _personal_data(chosen, subject_attributes, today=now.date())
    try:
        request = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
    except (ValueError, UnicodeError):
        raise RequestRejected("csr is not a PEM certificate signing request") from None
    if not request.is_signature_valid:
        raise RequestRejected("the request's signature does not match its key")
    public_key = request.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != (
        "secp256r1"
    ):
        raise RequestRejected("keys must be ECDSA P-256")
    common_name = _common_name(request)
    if not 1 <= len(common_name.encode("utf-8")) <= 64:  # X.509's limit, in UTF-8 bytes
        raise RequestRejected("the request needs a common name of 1 to 64 bytes in UTF-8")

    authority = pki.PROFILE_AUTHORITY[chosen]
    issuer = authority_signer(session=session, keyring=keyring, name=authority)
    lifetime = {
        pki.Profile.SEAL: validity.seal,
        pki.Profile.JPKI_AUTH: validity.card,
        pki.Profile.JPKI_SIGN: validity.card,
    }.get(chosen, validity.service)
    certificate = pki.end_entity(
        chosen, pki.service_subject(common_name), public_key, issuer.key, issuer.certificate,
        x509.random_serial_number(), now - timedelta(minutes=5), now + lifetime, urls,
        dns_names=dns_names, personal_data=personal_data,
    )  # fmt: skip
    if chosen is pki.Profile.SEAL:
        for previous in repository.list_certificates(
            session=session, profile=chosen, holder=holder
        ):
            if previous.withdrawn_at is None:
                previous.withdrawn_at = now
                repository.save(session=session, record=previous)
    record = _record(session, certificate, authority, chosen, holder, now)
    chain = chain_for(session=session, record=record)
    session.commit()
    return Issued(record, chain)


def _personal_data(profile: pki.Profile, raw: object, *, today: date) -> pki.PersonalData | None:
    """The holder's basic four from a request, checked; never echoes a value (personal data)."""
    if profile is not pki.Profile.JPKI_SIGN:
        if raw is not None:
            raise RequestRejected(
                f"subject_attributes are only for profile '{pki.Profile.JPKI_SIGN}'"
            )
        return None
    if raw is None:
        raise RequestRejected(
            f"profile '{pki.Profile.JPKI_SIGN}' needs subject_attributes: "
            + ", ".join(REQUIRED_SUBJECT_ATTRIBUTES)
        )
    if not isinstance(raw, Mapping):
        raise RequestRejected("subject_attributes must be a JSON object")
    unknown = sorted(str(k)[:40] for k in raw if k not in SUBJECT_ATTRIBUTES)
    if unknown:
        raise RequestRejected(f"unknown subject_attributes: {', '.join(unknown[:5])}")
    missing = [k for k in REQUIRED_SUBJECT_ATTRIBUTES if raw.get(k) is None]
    if missing:
        raise RequestRejected(f"missing subject_attributes: {', '.join(missing)}")
    values = {k: _attribute(k, v) for k, v in raw.items() if v is not None}
    if not ISO_DATE.fullmatch(values["birthdate"]):
        raise RequestRejected("subject_attributes.birthdate must be a date as YYYY-MM-DD")
    try:
        birthdate = date.fromisoformat(values["birthdate"])
    except ValueError:
        raise RequestRejected("subject_attributes.birthdate is not a calendar date") from None
    if birthdate > today:
        raise RequestRejected("subject_attributes.birthdate is in the future")
    return pki.PersonalData(
        name=values["name"],
        birthdate=birthdate,
        gender=values["gender"],
        address=values["address"],
        name_kana=values.get("name_kana"),
    )


def _attribute(key: str, value: Any) -> str:
    """One attribute: a non-blank string of printable characters within its length."""
    if not isinstance(value, str):
        raise RequestRejected(f"subject_attributes.{key} must be a string")
    text = value.strip()
    limit = SUBJECT_ATTRIBUTES[key]
    if not 1 <= len(text) <= limit:
        raise RequestRejected(f"subject_attributes.{key} must be 1 to {limit} characters")
    # Control, format (bidi overrides), private-use, unassigned and surrogate code points,
    # and line breaks, have no place in a name or an address (nor could a lone surrogate be
    # written as UTF-8).
    if any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp")
           for ch in text):  # fmt: skip
        raise RequestRejected(f"subject_attributes.{key} contains characters that are not text")
    return text


def _common_name(request: x509.CertificateSigningRequest) -> str:
    """The request's (first) common name, stripped; "" when it has none.

    Read with asn1crypto: `cryptography` warns (an error under `-W error`) when it builds a name
    whose common name breaks X.509's length limits, and a CSR is untrusted input.
    """
    info = asn1_csr.CertificationRequest.load(request.public_bytes(serialization.Encoding.DER))
    try:
        value = info["certification_request_info"]["subject"].native.get("common_name")
    except (ValueError, TypeError, AttributeError):
        return ""
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) else ""


def revoke_certificate(
    *, session: Session, serial: str, reason: str, now: datetime
) -> CertificateRecord:
    if reason not in REASONS:
        raise RequestRejected(f"reason must be one of {', '.join(REASONS)}")
    record = repository.get_certificate(session=session, serial=serial.lower())
    if record.revoked_at is None:
        record.revoked_at = now
        record.revocation_reason = reason
        repository.save(session=session, record=record)
        session.commit()
    return record


# -- revocation information ---------------------------------------------------------------------


def crl(
    *, session: Session, keyring: Keyring, authority: str, now: datetime, validity: Validity
) -> bytes:
    """A fresh DER CRL for ``authority`` listing every certificate it revoked."""
    issuer = authority_signer(session=session, keyring=keyring, name=authority)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now)
        .next_update(now + validity.crl)
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    for record in repository.list_certificates(
        session=session, authority=authority, revoked_only=True
    ):
        assert record.revoked_at is not None
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(record.serial, 16))
            .revocation_date(record.revoked_at)
            .add_extension(
                x509.CRLReason(REASONS[record.revocation_reason or "unspecified"]), critical=False
            )
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    revocation_list = builder.sign(issuer.key, hashes.SHA256())
    return revocation_list.public_bytes(serialization.Encoding.DER)


def ocsp_response(
    *, session: Session, keyring: Keyring, authority: str, request_der: bytes, now: datetime,
    validity: Validity,
) -> bytes:  # fmt: skip
    """Answer a DER OCSP request about a certificate ``authority`` issued (signed by the CA)."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
        nonce = next(
            (e.value for e in request.extensions if isinstance(e.value, x509.OCSPNonce)), None
        )
    except (ValueError, NotImplementedError, UnsupportedAlgorithm, x509.DuplicateExtension):
        # Not DER, several (or no) certificates, an unknown hash or repeated extensions.
        return _ocsp_failure(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if request.serial_number < 0:
        return _ocsp_failure(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    issuer = authority_signer(session=session, keyring=keyring, name=authority)
    if (request.issuer_name_hash, request.issuer_key_hash) != _issuer_hashes(
        issuer.certificate, algorithm
    ):
        return _ocsp_failure(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    record = repository.find_certificate(session=session, serial=format(request.serial_number, "x"))
    if record is not None and record.authority == authority:
        certificate: x509.Certificate | None = x509.load_der_x509_certificate(
            record.certificate_der
        )
        revoked_at, reason = record.revoked_at, record.revocation_reason
    else:
        # The root also answers for the intermediate CAs it issued (their AIA points here).
        certificate, revoked_at, reason = _intermediate(session, authority, request), None, None
    builder = ocsp.OCSPResponseBuilder()
    next_update = now + validity.ocsp
    if certificate is None:
        builder = builder.add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=algorithm,
            cert_status=ocsp.OCSPCertStatus.UNKNOWN,
            this_update=now,
            next_update=next_update,
            revocation_time=None,
            revocation_reason=None,
        )
    else:
        builder = builder.add_response(
            cert=certificate,
            issuer=issuer.certificate,
            algorithm=algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=next_update,
            revocation_time=revoked_at,
            revocation_reason=REASONS[reason or "unspecified"] if revoked_at else None,
        )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.certificate)
    if nonce is not None:
        builder = builder.add_extension(nonce, critical=False)
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _ocsp_failure(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


def _intermediate(
    session: Session, authority: str, request: ocsp.OCSPRequest
) -> x509.Certificate | None:
    if authority != pki.Authority.ROOT:
        return None
    for record in repository.list_authorities(session=session):
        certificate = x509.load_der_x509_certificate(record.certificate_der)
        if record.name != pki.Authority.ROOT and certificate.serial_number == request.serial_number:
            return certificate
    return None


def _issuer_hashes(
    issuer: x509.Certificate, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    """The (issuerNameHash, issuerKeyHash) pair by which OCSP requests name ``issuer``."""
    name = hashes.Hash(algorithm)
    name.update(issuer.subject.public_bytes())
    key = hashes.Hash(algorithm)
    key.update(
        issuer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    return name.finalize(), key.finalize()


# -- trust list ---------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _b64(certificate_der: bytes) -> str:
    return base64.b64encode(certificate_der).decode("ascii")


def trust_list(*, session: Session, keyring: Keyring, now: datetime, validity: Validity) -> str:
    """The signed kit trust list: authorities, the TSA, every issuer seal key and its history."""
    authorities = repository.list_authorities(session=session)
    issuers = [
        {
            "holder": r.holder,
            "subject": r.subject,
            "kid": r.kid,
            "serial": r.serial,
            "certificate": _b64(r.certificate_der),
            "valid_from": _iso(r.not_before),
            "valid_until": _iso(r.not_after),
            "withdrawn_at": _iso(r.withdrawn_at),
            "revoked_at": _iso(r.revoked_at),
            "revocation_reason": r.revocation_reason,
        }
        for r in repository.list_certificates(session=session, profile=pki.Profile.SEAL)
    ]
    timestamping = [
        {"subject": r.subject, "certificate": _b64(r.certificate_der)}
        for r in repository.list_certificates(session=session, profile=pki.Profile.TSA)
    ]
    payload = {
        "type": "madoguchi-trust-list",
        "version": 1,
        "notice": pki.TEST_LABEL,
        "issued_at": _iso(now),
        "next_update": _iso(now + validity.trust_list),
        "sequence": int(now.timestamp() * 1000),
        "authorities": [
            {"name": a.name, "certificate": _b64(a.certificate_der)} for a in authorities
        ],
        "timestamping": timestamping,
        "issuers": issuers,
    }
    signer = service_signer(session=session, keyring=keyring, profile=pki.Profile.TRUST_LIST)
    root = authority_certificate(session=session, name=pki.Authority.ROOT)
    return jose.sign(payload, signer.key, [signer.certificate, root], typ=TRUST_LIST_TYPE)
