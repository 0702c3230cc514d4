"""A small certificate authority built with `cryptography`, for the certificate engine's tests.

``make_root("Name")`` gives a self-signed root; ``ca.issue("Name", ca=True)`` an intermediate
CA; ``ca.issue("Name")`` an end-entity certificate. Validity defaults to a day ago … a year on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.now(UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def issue(
        self,
        common_name: str,
        *,
        ca: bool = False,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
        constraints: bool = True,
    ) -> Authority:
        """A certificate for ``common_name`` signed by this authority."""
        return _build(
            _name(common_name), self, key or ec.generate_private_key(ec.SECP256R1()),
            ca=ca, not_before=not_before, not_after=not_after, constraints=constraints,
        )  # fmt: skip


def _build(
    subject: x509.Name,
    issuer: Authority | None,
    key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    not_before: datetime | None,
    not_after: datetime | None,
    constraints: bool,
) -> Authority:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=1))
        .not_valid_after(not_after or NOW + timedelta(days=365))
    )
    if constraints:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=None), critical=True
        )
    certificate = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Authority(key, certificate)


def make_root(
    common_name: str = "Test Root CA",
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key: ec.EllipticCurvePrivateKey | None = None,
) -> Authority:
    return _build(
        _name(common_name), None, key or ec.generate_private_key(ec.SECP256R1()),
        ca=True, not_before=not_before, not_after=not_after, constraints=True,
    )  # fmt: skip


@pytest.fixture
def new_root() -> Callable[..., Authority]:
    """``new_root("Name", not_after=…)``: a fresh self-signed root CA."""
    return make_root


@pytest.fixture(scope="module")
def root() -> Authority:
    return make_root()


@pytest.fixture(scope="module")
def signer(root: Authority) -> Authority:
    """An end-entity key the root certified directly."""
    return root.issue("Test Signer")
