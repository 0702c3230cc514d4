"""Keys and certificates: ECDSA P-256, PEM files, key ids and chain checks."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class ChainError(ValueError):
    """A certificate chain does not lead to a trusted root (the message says why)."""


def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def save_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Write a private key as PKCS#8 PEM, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # os.open's mode applies only to a new file
        handle.write(data)


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{path} is not an EC private key")
    return key


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def load_pem_chain(text: str | bytes) -> list[x509.Certificate]:
    data = text.encode("ascii") if isinstance(text, str) else text
    return x509.load_pem_x509_certificates(data)


def key_id(certificate: x509.Certificate) -> str:
    """The kit's key id: the first 8 bytes of SHA-256 over the certificate, in hex (as EU DCC)."""
    return hashlib.sha256(der(certificate)).digest()[:8].hex()


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(der(certificate)).hexdigest()


def common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def signing_request(key: ec.EllipticCurvePrivateKey, name: str) -> str:
    """A PEM certificate signing request for ``key`` with common name ``name``."""
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii")


def verify_chain(
    chain: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    at: datetime,
) -> x509.Certificate:
    """Check ``chain`` (leaf first) leads to one of ``roots`` and is valid at ``at``.

    Returns the root it leads to. Each certificate must be signed by the next (the last by a
    root), every issuer must be a CA, and every certificate must be valid at ``at``.
    """
    if not chain:
        raise ChainError("empty certificate chain")
    path = list(chain)
    root_by_subject = {r.subject: r for r in roots}
    if path[-1].subject in root_by_subject and der(path[-1]) in {der(r) for r in roots}:
        path = path[:-1] or path
    anchor = root_by_subject.get(path[-1].issuer)
    if anchor is None:
        raise ChainError(f"issued by {common_name(path[-1].issuer)}, which is not trusted")
    for certificate, issuer in zip(path, [*path[1:], anchor], strict=True):
        try:
            certificate.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError) as exc:
            raise ChainError(f"{common_name(certificate.subject)}: bad issuer signature") from exc
        try:
            constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound as exc:
            raise ChainError(f"{common_name(issuer.subject)} is not a CA") from exc
        if not constraints.ca:
            raise ChainError(f"{common_name(issuer.subject)} is not a CA")
    for certificate in [*path, anchor]:
        if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
            raise ChainError(f"{common_name(certificate.subject)} is not valid at {at:%Y-%m-%d}")
    return anchor
