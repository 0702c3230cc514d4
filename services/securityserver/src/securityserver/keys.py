"""The security server's two keys and their certificates (xroad.md §3.2).

* The **TLS key** (X-Road's authentication key) is used only for mutual TLS between security
  servers. Its certificate (trust's ``securityserver-tls`` profile) names the server for
  ``localhost`` (and the host of ``SECURITYSERVER_PUBLIC_URL`` when that is another name); its
  fingerprint is what global configuration lists as the server's ``tls_fingerprint``.
* The **signing key** signs every message the member's subsystems send or answer. Its
  certificate (``securityserver-signing``) has the member as its common name,
  ``INSTANCE/CLASS/CODE`` (``JP-KIT/GOV/LG-139998``), which the receiving server compares
  with the ``X-Road-Client`` member; its fingerprint is global configuration's
  ``signing_fingerprint``.

Both keys are generated in the server's data folder (``{data_dir}/keys``, files 0600) and
never leave it; the certificates come from the trust service's registration authority when
`kit prepare` seeds the server (:func:`provision`), and are saved beside the keys as PEM chains
(the certificate, then its issuers up to the root).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.certificates.keys import (
    common_name,
    fingerprint,
    generate_key,
    load_pem_chain,
    load_private_key,
    pem,
    signing_request,
)
from govkit.certificates.ra import ProvisioningError, request_certificate, store_key_and_chain
from govkit.http import kit_session
from securityserver.settings import SecurityServerSettings

__all__ = [
    "KeysMissing",
    "MemberKeys",
    "ProvisioningError",
    "Purpose",
    "keys_folder",
    "load_keys",
    "load_signing_keys",
    "load_tls_keys",
    "member_id",
    "provision",
    "provision_keys",
    "tls_dns_names",
]

# What trust's registration authority accepts as a holder and as a host name.
_HOLDER_CHARACTER = re.compile(r"[^A-Za-z0-9_./-]")
_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_IPV4 = re.compile(r"^[0-9.]+$")


class Purpose(StrEnum):
    """What a key is for; the value names its files (``tls-key.pem``, ``tls-chain.pem``)."""

    TLS = "tls"
    SIGNING = "signing"

    @property
    def profile(self) -> str:
        """The trust service's certificate profile for this key."""
        return f"securityserver-{self.value}"


class KeysMissing(RuntimeError):
    """The server has no key or certificate yet (run `kit prepare` with an RA token)."""


@dataclass(frozen=True)
class MemberKeys:
    """One key of the server with its certificate and the certificate's issuers."""

    purpose: Purpose
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    #: The issuers of ``certificate``: the issuing CA first, the root last.
    chain: tuple[x509.Certificate, ...]
    key_path: Path
    #: The PEM file with ``certificate`` then ``chain`` (what ``ssl`` ``load_cert_chain`` takes).
    chain_path: Path

    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), lower-case hex, as global configuration lists it."""
        return fingerprint(self.certificate)

    @property
    def full_chain(self) -> tuple[x509.Certificate, ...]:
        """The certificate then its issuers: the JWS ``x5c``."""
        return (self.certificate, *self.chain)

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1] if self.chain else self.certificate

    def root_pem(self) -> str:
        """The kit root as PEM, for ``ssl.SSLContext.load_verify_locations(cadata=...)``.

        A chain to the root is necessary but not enough: the peer's certificate must also be
        the one global configuration lists (its ``tls_fingerprint``) for a server hosting the
        claimed client (xroad.md §3.3, §3.5).
        """
        return pem(self.root)


def member_id(settings: SecurityServerSettings) -> str:
    """The member this server signs for: ``INSTANCE/CLASS/CODE`` (``JP-KIT/GOV/LG-139998``)."""
    return f"{settings.exchange_instance}/{settings.member}"


def keys_folder(settings: SecurityServerSettings) -> Path:
    return settings.data_dir / "keys"


def tls_dns_names(settings: SecurityServerSettings) -> tuple[str, ...]:
    """The host names the TLS certificate is valid for: ``localhost`` and, when it is another
    host name, the host of ``public_url``. (Trust issues DNS names only, no IP addresses.)"""
    names = ["localhost"]
    host = urlsplit(settings.public_url).hostname or ""
    if host and host not in names and _DNS_NAME.fullmatch(host) and not _IPV4.fullmatch(host):
        names.append(host.lower())
    return tuple(names)


def _common_name(settings: SecurityServerSettings, purpose: Purpose) -> str:
    member = member_id(settings)
    return member if purpose is Purpose.SIGNING else f"{member} security server"


def _paths(folder: Path, purpose: Purpose) -> tuple[Path, Path]:
    return folder / f"{purpose}-key.pem", folder / f"{purpose}-chain.pem"


def _read(folder: Path, purpose: Purpose) -> MemberKeys:
    key_path, chain_path = _paths(folder, purpose)
    if not key_path.exists() or not chain_path.exists():
        raise KeysMissing(
            f"no {purpose} key and certificate in {folder}: run `kit prepare` with "
            "KIT_TRUST_RA_TOKEN set"
        )
    certificates = load_pem_chain(chain_path.read_bytes())
    return MemberKeys(
        purpose=purpose,
        key=load_private_key(key_path),
        certificate=certificates[0],
        chain=tuple(certificates[1:]),
        key_path=key_path,
        chain_path=chain_path,
    )


def load_keys(settings: SecurityServerSettings, purpose: Purpose) -> MemberKeys:
    """The server's key for ``purpose`` and its certificate; :class:`KeysMissing` if absent."""
    return _read(keys_folder(settings), purpose)


def load_tls_keys(settings: SecurityServerSettings) -> MemberKeys:
    return load_keys(settings, Purpose.TLS)


def load_signing_keys(settings: SecurityServerSettings) -> MemberKeys:
    return load_keys(settings, Purpose.SIGNING)


def _public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _still_fits(keys: MemberKeys, name: str, dns_names: tuple[str, ...], now: datetime) -> bool:
    """Whether saved keys are still the ones to use: same key, same name, not expired."""
    certificate = keys.certificate
    public = certificate.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        return False
    if _public_bytes(public) != _public_bytes(keys.key.public_key()):
        return False
    if common_name(certificate.subject) != name or now >= certificate.not_valid_after_utc:
        return False
    if keys.purpose is Purpose.TLS:
        try:
            san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        except x509.ExtensionNotFound:
            return False
        return set(san.value.get_values_for_type(x509.DNSName)) >= set(dns_names)
    return True


def provision_keys(
    folder: Path,
    purpose: Purpose,
    *,
    session: requests.Session,
    trust_url: str,
    ra_token: str,
    holder: str,
    name: str,
    dns_names: tuple[str, ...] = (),
    now: datetime,
) -> tuple[MemberKeys, bool]:
    """The key for ``purpose`` from ``folder``, obtaining a new key and certificate from the
    trust service's RA when there is none or it no longer fits (another name, expired).

    Returns the keys and whether new ones were obtained.
    """
    try:
        current = _read(folder, purpose)
    except (KeysMissing, ValueError, TypeError):
        current = None
    if current is not None and _still_fits(current, name, dns_names, now):
        return current, False
    key = generate_key()
    extra = {"dns_names": list(dns_names)} if dns_names else {}
    issued = request_certificate(
        session,
        trust_url,
        ra_token,
        profile=purpose.profile,
        holder=holder,
        csr=signing_request(key, name),
        **extra,
    )
    key_path, chain_path = _paths(folder, purpose)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    store_key_and_chain(key_path, chain_path, key, issued)
    return MemberKeys(purpose, key, issued.certificate, issued.chain, key_path, chain_path), True


def provision(settings: SecurityServerSettings, *, now: datetime | None = None) -> list[str]:
    """Obtain (once) the server's TLS and signing certificates; say what was done.

    Without an RA token it obtains nothing and says so: the server then cannot exchange.
    """
    if settings.trust_ra_token is None:
        return ["no TLS or signing keys (no registration token): exchange traffic disabled"]
    at = now or datetime.now(UTC)
    member = member_id(settings)
    holder = _HOLDER_CHARACTER.sub("-", member)
    lines = []
    with kit_session(settings, user_agent="madoguchi-securityserver") as session:
        for purpose in (Purpose.TLS, Purpose.SIGNING):
            dns_names = tls_dns_names(settings) if purpose is Purpose.TLS else ()
            keys, created = provision_keys(
                keys_folder(settings), purpose, session=session, trust_url=settings.trust_url,
                ra_token=settings.trust_ra_token.get_secret_value(), holder=holder,
                name=_common_name(settings, purpose), dns_names=dns_names, now=at,
            )  # fmt: skip
            what = f"{', '.join(dns_names)}" if dns_names else member
            lines.append(
                f"{'new' if created else 'existing'} {purpose} certificate for {what} "
                f"(sha256 {keys.fingerprint()})"
            )
    return lines
