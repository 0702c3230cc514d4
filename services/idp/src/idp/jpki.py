"""The provider's side of the card check: did a genuine card make this signature?

A card answers a challenge with a signature and its certificate (:class:`idp.card.CardAnswer`).
:class:`JpkiVerifier` believes the answer only when:

1. the certificate was issued by the kit's JPKI Simulation CA, which the pinned kit root issued
   (issuer names, signatures, CA basic constraints) — else ``"chain"``;
2. the certificate and both CAs are valid at ``now`` — else ``"expired"`` / ``"not-yet-valid"``;
3. the certificate is for what it is used for: user authentication (digitalSignature, EKU
   clientAuth, no non-repudiation) or signing (digitalSignature + nonRepudiation, with the
   holder's basic four) — else ``"usage"``;
4. the ECDSA-SHA256 signature over the exact bytes verifies with its key — else ``"signature"``;
5. when asked, the OCSP responder named in the certificate says it is good, in a response
   signed by the issuing CA (or a responder it delegated to) about this very serial — else
   ``"revoked"``, or ``"revocation-unknown"`` when no trustworthy answer came.

Pure verification: no database, and no network unless a revocation check is asked for. The
trust anchors are the ``root.pem`` and ``jpki.pem`` that provisioning saved in the provider's
data folder (``<data_dir>/trust``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from idp.card import CardAnswer

#: Where the basic four sit in a JPKI signing certificate's subjectAltName (otherName entries,
#: UTF8String values), after J-LIS's profile: name .1, gender .3, birth date .4, address .5 under
#: 1.2.392.200149.8.5.5. The kit writes the birth date as YYYY-MM-DD and adds the kana reading
#: under its own UUID-based OID (see trust.pki, which issues them).
JPKI_NAME = x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")
JPKI_GENDER = x509.ObjectIdentifier("1.2.392.200149.8.5.5.3")
JPKI_BIRTHDATE = x509.ObjectIdentifier("1.2.392.200149.8.5.5.4")
JPKI_ADDRESS = x509.ObjectIdentifier("1.2.392.200149.8.5.5.5")
KIT_NAME_KANA = x509.ObjectIdentifier("2.25.178216753706052132325587840664604603093")

#: The machine reasons a card answer can be refused for (stable: logs, audit and tests use them).
REASONS = (
    "signature",
    "chain",
    "expired",
    "not-yet-valid",
    "usage",
    "revoked",
    "revocation-unknown",
)
OCSP_TIMEOUT = 3.0
#: Clock difference tolerated between the provider and the OCSP responder.
OCSP_SKEW = timedelta(minutes=5)

#: ``post(url, der_request, timeout) -> der_response``; raises or returns None when unanswered.
OcspPost = Callable[[str, bytes, float], bytes | None]


class CardRejected(Exception):
    """The card's answer cannot be believed; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class TrustAnchorsMissing(RuntimeError):
    """The provider has no pinned JPKI trust anchors yet (provisioning saves them)."""


@dataclass(frozen=True)
class VerifiedCard:
    """A card whose authentication signature checked out."""

    serial: str  # hexadecimal, lower case, as the trust service writes it
    common_name: str  # the card's id
    not_after: datetime
    certificate: x509.Certificate


@dataclass(frozen=True)
class BasicFour:
    """The basic four (基本4情報), as the signing certificate states them."""

    name: str
    birthdate: date
    gender: str
    address: str
    name_kana: str | None = None


@dataclass(frozen=True)
class VerifiedSigner:
    """A signature made with a card's signing key, and who the certificate says signed."""

    serial: str
    not_after: datetime
    certificate: x509.Certificate
    basic_four: BasicFour


def _post_ocsp(url: str, request_der: bytes, timeout: float) -> bytes | None:
    try:
        response = requests.post(
            url,
            data=request_der,
            headers={"Content-Type": "application/ocsp-request"},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException:
        return None
    return response.content if response.status_code == 200 else None


class JpkiVerifier:
    """Checks card answers against the pinned kit root and its JPKI Simulation CA."""

    def __init__(
        self,
        root: x509.Certificate,
        jpki: x509.Certificate,
        *,
        ocsp_post: OcspPost = _post_ocsp,
        ocsp_timeout: float = OCSP_TIMEOUT,
    ) -> None:
        if root.subject != root.issuer:
            raise ValueError("the root must be self-issued")
        for certificate, issuer in ((root, root), (jpki, root)):
            try:
                certificate.verify_directly_issued_by(issuer)
            except (InvalidSignature, ValueError, TypeError) as exc:
                raise ValueError("the JPKI CA is not issued by the root") from exc
            if not _is_ca(certificate):
                raise ValueError("trust anchors must be CA certificates")
        self.root = root
        self.jpki = jpki
        self._ocsp_post = ocsp_post
        self._ocsp_timeout = ocsp_timeout

    @classmethod
    def from_folder(
        cls, folder: Path, *, ocsp_post: OcspPost = _post_ocsp, ocsp_timeout: float = OCSP_TIMEOUT
    ) -> JpkiVerifier:
        """The verifier for the anchors in ``folder`` (``root.pem`` and ``jpki.pem``)."""
        root_path, jpki_path = folder / "root.pem", folder / "jpki.pem"
        if not (root_path.is_file() and jpki_path.is_file()):
            raise TrustAnchorsMissing(f"no root.pem and jpki.pem in {folder}")
        root = x509.load_pem_x509_certificate(root_path.read_bytes())
        jpki = x509.load_pem_x509_certificate(jpki_path.read_bytes())
        return cls(root, jpki, ocsp_post=ocsp_post, ocsp_timeout=ocsp_timeout)

    # -- the two checks ------------------------------------------------------------------------

    def verify_authentication(
        self, answer: CardAnswer, challenge: bytes, *, now: datetime, check_revocation: bool
    ) -> VerifiedCard:
        """Check a card's answer to the provider's ``challenge`` (user authentication)."""
        certificate = self._certificate(answer, now=now)
        _require_authentication_usage(certificate)
        _verify_signature(certificate, answer.signature, challenge)
        if check_revocation:
            self._check_revocation(certificate, now=now)
        return VerifiedCard(
            serial=_serial(certificate),
            common_name=_common_name(certificate),
            not_after=certificate.not_valid_after_utc,
            certificate=certificate,
        )

    def verify_signing(
        self, answer: CardAnswer, data: bytes, *, now: datetime, check_revocation: bool
    ) -> VerifiedSigner:
        """Check a signature over ``data`` made with a card's signing key."""
        certificate = self._certificate(answer, now=now)
        _require_signing_usage(certificate)
        basic_four = read_basic_four(certificate)
        _verify_signature(certificate, answer.signature, data)
        if check_revocation:
            self._check_revocation(certificate, now=now)
        return VerifiedSigner(
            serial=_serial(certificate),
            not_after=certificate.not_valid_after_utc,
            certificate=certificate,
            basic_four=basic_four,
        )

    # -- the steps -----------------------------------------------------------------------------

    def _certificate(self, answer: CardAnswer, *, now: datetime) -> x509.Certificate:
        """The answer's certificate, once its chain and validity have been checked."""
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        try:
            certificate = x509.load_der_x509_certificate(answer.certificate_der)
        except ValueError:
            raise CardRejected("chain", "the certificate cannot be read") from None
        if certificate.issuer != self.jpki.subject:
            raise CardRejected("chain", "not issued by the JPKI Simulation CA")
        try:
            certificate.verify_directly_issued_by(self.jpki)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            raise CardRejected("chain", "the CA's signature does not verify") from None
        for checked in (certificate, self.jpki, self.root):
            if now < checked.not_valid_before_utc:
                raise CardRejected("not-yet-valid", _common_name(checked))
            if now > checked.not_valid_after_utc:
                raise CardRejected("expired", _common_name(checked))
        return certificate

    def _check_revocation(self, certificate: x509.Certificate, *, now: datetime) -> None:
        url = _ocsp_url(certificate)
        if url is None:
            raise CardRejected("revocation-unknown", "the certificate names no OCSP responder")
        nonce = secrets.token_bytes(16)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(certificate, self.jpki, hashes.SHA256())
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
        answer = self._ocsp_post(
            url, request.public_bytes(serialization.Encoding.DER), self._ocsp_timeout
        )
        if not answer:
            raise CardRejected("revocation-unknown", "the OCSP responder did not answer")
        status = self._read_ocsp(answer, certificate, nonce=nonce, now=now)
        if status is ocsp.OCSPCertStatus.REVOKED:
            raise CardRejected("revoked")
        if status is not ocsp.OCSPCertStatus.GOOD:
            raise CardRejected("revocation-unknown", "the OCSP responder does not know the card")

    def _read_ocsp(
        self, answer: bytes, certificate: x509.Certificate, *, nonce: bytes, now: datetime
    ) -> ocsp.OCSPCertStatus:
        """The status a trustworthy OCSP response gives ``certificate``."""
        unknown = CardRejected("revocation-unknown", "the OCSP response cannot be trusted")
        try:
            response = ocsp.load_der_ocsp_response(answer)
        except ValueError:
            raise unknown from None
        if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise unknown
        try:
            signer = self._ocsp_signer(response)
            public_key = signer.public_key()
            algorithm = response.signature_hash_algorithm
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or algorithm is None:
                raise unknown
            public_key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
            echoed = [e.value for e in response.extensions if isinstance(e.value, x509.OCSPNonce)]
            single = self._single_response(response, certificate)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            raise unknown from None
        if echoed and echoed[0].nonce != nonce:
            raise unknown
        if single.this_update_utc > now + OCSP_SKEW:
            raise unknown
        if single.next_update_utc is not None and single.next_update_utc < now - OCSP_SKEW:
            raise unknown
        return single.certificate_status

    def _ocsp_signer(self, response: ocsp.OCSPResponse) -> x509.Certificate:
        """The CA itself, or a responder certificate it issued for OCSP signing."""
        if response.certificates:
            delegate = response.certificates[0]
            delegate.verify_directly_issued_by(self.jpki)
            usage = delegate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            if ExtendedKeyUsageOID.OCSP_SIGNING not in usage:
                raise ValueError("the responder certificate is not for OCSP signing")
            return delegate
        key_hash = x509.SubjectKeyIdentifier.from_public_key(self.jpki.public_key()).digest
        if response.responder_key_hash != key_hash and response.responder_name != (
            self.jpki.subject
        ):
            raise ValueError("the response is not from the JPKI CA")
        return self.jpki

    def _single_response(
        self, response: ocsp.OCSPResponse, certificate: x509.Certificate
    ) -> ocsp.OCSPSingleResponse:
        for single in response.responses:
            algorithm = single.hash_algorithm
            if single.serial_number == certificate.serial_number and (
                single.issuer_key_hash,
                single.issuer_name_hash,
            ) == _issuer_hashes(self.jpki, algorithm):
                return single
        raise ValueError("the response is not about this certificate")


# -- reading certificates ----------------------------------------------------------------------


def read_basic_four(certificate: x509.Certificate) -> BasicFour:
    """The basic four from a JPKI signing certificate (``"usage"`` when they are not there)."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise CardRejected("usage", "the certificate carries no personal data") from None
    values: dict[x509.ObjectIdentifier, str] = {}
    for entry in san.get_values_for_type(x509.OtherName):
        if entry.type_id in values:
            raise CardRejected("usage", "personal data appear twice")
        values[entry.type_id] = _utf8_string(entry.value)
    try:
        birthdate = date.fromisoformat(values[JPKI_BIRTHDATE])
        return BasicFour(
            name=values[JPKI_NAME],
            birthdate=birthdate,
            gender=values[JPKI_GENDER],
            address=values[JPKI_ADDRESS],
            name_kana=values.get(KIT_NAME_KANA),
        )
    except (KeyError, ValueError):
        raise CardRejected("usage", "the personal data are incomplete") from None


def _utf8_string(der: bytes) -> str:
    """Decode one DER UTF8String (tag 12), refusing anything else."""
    bad = CardRejected("usage", "personal data are not a UTF8String")
    if len(der) < 2 or der[0] != 0x0C:
        raise bad
    length, offset = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 3 or len(der) < 2 + count:
            raise bad
        length = int.from_bytes(der[2 : 2 + count], "big")
        offset = 2 + count
    if len(der) != offset + length:
        raise bad
    try:
        return der[offset:].decode("utf-8")
    except UnicodeDecodeError:
        raise bad from None


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _key_usage(certificate: x509.Certificate) -> x509.KeyUsage:
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CardRejected("usage", "the certificate has no key usage") from None


def _extended_usage(certificate: x509.Certificate) -> list[x509.ObjectIdentifier]:
    try:
        return list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return []


def _require_authentication_usage(certificate: x509.Certificate) -> None:
    usage = _key_usage(certificate)
    if _is_ca(certificate) or not usage.digital_signature or usage.content_commitment:
        raise CardRejected("usage", "not a user-authentication certificate")
    if ExtendedKeyUsageOID.CLIENT_AUTH not in _extended_usage(certificate):
        raise CardRejected("usage", "not a user-authentication certificate")


def _require_signing_usage(certificate: x509.Certificate) -> None:
    usage = _key_usage(certificate)
    if _is_ca(certificate) or not (usage.digital_signature and usage.content_commitment):
        raise CardRejected("usage", "not a signing certificate")
    if ExtendedKeyUsageOID.CLIENT_AUTH in _extended_usage(certificate):
        raise CardRejected("usage", "not a signing certificate")


def _verify_signature(certificate: x509.Certificate, signature: bytes, data: bytes) -> None:
    public_key = certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise CardRejected("signature", "the card key is not ECDSA")
    try:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise CardRejected("signature") from None


def _ocsp_url(certificate: x509.Certificate) -> str | None:
    try:
        aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    except x509.ExtensionNotFound:
        return None
    for description in aia.value:
        location = description.access_location
        if (
            description.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(location, x509.UniformResourceIdentifier)
            and location.value.startswith(("http://", "https://"))
        ):
            return location.value
    return None


def _issuer_hashes(
    issuer: x509.Certificate, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    """(issuerKeyHash, issuerNameHash) by which OCSP names ``issuer``."""
    key = hashes.Hash(algorithm)
    key.update(
        issuer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    name = hashes.Hash(algorithm)
    name.update(issuer.subject.public_bytes())
    return key.finalize(), name.finalize()


def _serial(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "x")


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()
