"""A signature made with the citizen's My Number card, as the provider's signing step-up returns
it: the relying party's checks, independent of Flask.

When a service asks for a signature (:func:`govkit.auth.web.request_signature`), the provider
has the card sign the SHA-256 digest of the submission after the citizen types the signing
password, and the ID token carries the claim ``jpki_signature``::

    {"alg": "ES256", "digest": <base64url, no padding>, "purpose": <text shown>,
     "signature": <base64url DER ECDSA>, "x5c": [<base64 DER signing certificate>],
     "signed_at": <ISO 8601>}

The card signs the digest's 32 bytes as a message (ECDSA P-256 with SHA-256 over them, as the
provider's ``verify_signing`` checks), not as a prehashed value. :class:`CardSignature` is that
claim plus who signed it (the ID token's pairwise ``sub`` and exchange pseudonym);
:func:`verify_card_signature` re-runs the check on the stored JSON (``as_json()``) at any time.

The check here is the signature and the certificate's own properties (a P-256 key whose usage
is signing: digitalSignature and nonRepudiation; valid when it signed). The certificate's chain
to the JPKI Simulation CA and its revocation were checked by the provider, whose ID token
vouches for the claim; pass ``issuer`` to check the chain here too.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

#: The ID token claim that carries the signature.
SIGNATURE_CLAIM = "jpki_signature"
#: The scope that asks the provider for a signature.
SIGN_SCOPE = "sign"
ALG = "ES256"
DIGEST_SIZE = 32
#: The provider shows at most this many characters of purpose.
MAX_PURPOSE = 200
#: Far more than a P-256 signature (≤ 72 bytes) or a card certificate (≈ 1 kB) needs.
MAX_SIGNATURE = 160
MAX_CERTIFICATE = 8192

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class MalformedSignature(ValueError):
    """The signature data are not in the provider's shape (a field missing or unreadable)."""


def b64url(data: bytes) -> str:
    """base64url without padding (the provider's encoding of digests and signatures)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: Any, *, limit: int) -> bytes:
    """The bytes of unpadded base64url ``text`` (strict: other characters are refused)."""
    if not isinstance(text, str) or len(text) > limit * 4 // 3 + 4:
        raise MalformedSignature("not a short base64url string")
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedSignature("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _from_b64(text: Any, *, limit: int) -> bytes:
    if not isinstance(text, str) or len(text) > limit * 4 // 3 + 4:
        raise MalformedSignature("not a short base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedSignature("not base64") from None


def _moment(text: Any) -> datetime:
    if not isinstance(text, str) or len(text) > 40:
        raise MalformedSignature("signed_at is not a moment")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedSignature("signed_at is not ISO 8601") from None
    if moment.tzinfo is None:
        raise MalformedSignature("signed_at has no time zone")
    return moment


@dataclass(frozen=True)
class CardSignature:
    """A card's signature over ``digest`` and who made it (pairwise ``sub`` at this service)."""

    digest: bytes
    signature: bytes  # DER ECDSA
    certificate_der: bytes  # the card's signing certificate
    signed_at: datetime
    purpose: str
    signer_sub: str
    signer_exchange_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The provider's shape, to store next to the submission (without the signer)."""
        return {
            "alg": ALG,
            "digest": b64url(self.digest),
            "signature": b64url(self.signature),
            "x5c": [base64.b64encode(self.certificate_der).decode("ascii")],
            "signed_at": self.signed_at.astimezone(UTC).isoformat(),
            "purpose": self.purpose,
        }

    @classmethod
    def from_json(
        cls, data: Any, *, signer_sub: str, signer_exchange_id: str | None = None
    ) -> CardSignature:
        """Read the provider's shape (raises :class:`MalformedSignature`; nothing is verified)."""
        if not isinstance(data, dict) or data.get("alg") != ALG:
            raise MalformedSignature("not an ES256 card signature")
        chain = data.get("x5c")
        if not isinstance(chain, list) or not chain:
            raise MalformedSignature("x5c is missing")
        purpose = data.get("purpose")
        if not isinstance(purpose, str) or len(purpose) > MAX_PURPOSE:
            raise MalformedSignature("purpose is not a short text")
        digest = from_b64url(data.get("digest"), limit=DIGEST_SIZE)
        if len(digest) != DIGEST_SIZE:
            raise MalformedSignature("the digest is not a SHA-256 digest")
        signature = from_b64url(data.get("signature"), limit=MAX_SIGNATURE)
        if not signature:
            raise MalformedSignature("the signature is empty")
        return cls(
            digest=digest,
            signature=signature,
            certificate_der=_from_b64(chain[0], limit=MAX_CERTIFICATE),
            signed_at=_moment(data.get("signed_at")),
            purpose=purpose,
            signer_sub=signer_sub,
            signer_exchange_id=signer_exchange_id,
        )

    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificate_der)

    def verify(self, digest: bytes, *, issuer: x509.Certificate | None = None) -> bool:
        """Whether this is a valid card signature over exactly ``digest``."""
        return self.digest == digest and _verifies(
            self.certificate_der, self.signature, digest, self.signed_at, issuer
        )


def _signing_certificate(certificate: x509.Certificate) -> bool:
    """A signing certificate's usage (digitalSignature and nonRepudiation), not a CA's."""
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        if constraints.value.ca:
            return False
    except x509.ExtensionNotFound:
        pass
    return usage.digital_signature and usage.content_commitment


def _verifies(
    certificate_der: bytes,
    signature: bytes,
    digest: bytes,
    signed_at: datetime,
    issuer: x509.Certificate | None,
) -> bool:
    try:
        certificate = x509.load_der_x509_certificate(certificate_der)
        key = certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            return False
        if not _signing_certificate(certificate):
            return False
        if not certificate.not_valid_before_utc <= signed_at <= certificate.not_valid_after_utc:
            return False
        if issuer is not None:
            if certificate.issuer != issuer.subject:
                return False
            certificate.verify_directly_issued_by(issuer)
        # The card signs the digest bytes as its message (ECDSA with SHA-256 over them).
        key.verify(signature, digest, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def verify_card_signature(
    data: Any, digest: bytes, *, issuer: x509.Certificate | None = None
) -> bool:
    """Whether ``data`` (a stored :meth:`CardSignature.as_json`, or the provider's claim) is a
    valid card signature over exactly ``digest``. Never raises for bad data: False."""
    if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZE:
        return False
    try:
        signature = CardSignature.from_json(data, signer_sub="")
    except MalformedSignature:
        return False
    return signature.verify(digest, issuer=issuer)
