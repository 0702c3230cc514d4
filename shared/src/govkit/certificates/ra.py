"""Asking the kit's trust service for a certificate (its RA: ``POST /api/v1/certificates``
with the RA bearer token), and keeping the key and chain on disk.

Every service that holds a certificate goes through here: agencies' document seals, the
identity provider's simulated cards, security servers' TLS and signing certificates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.certificates.keys import load_pem_chain, pem, save_private_key

TIMEOUT = 10.0


class ProvisioningError(RuntimeError):
    """The trust service did not issue a certificate (the message says why)."""


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuing CA …, root last

    @property
    def serial(self) -> str:
        """The certificate's serial number in hex, as the trust service lists it."""
        return format(self.certificate.serial_number, "x")


def request_certificate(
    http: requests.Session | None,
    trust_url: str,
    ra_token: str,
    *,
    profile: str,
    holder: str,
    csr: str,
    timeout: float = TIMEOUT,
    **extra: Any,
) -> IssuedCertificate:
    """The certificate the RA issues for ``csr`` (PEM) under ``profile``; ``extra`` fields
    (``dns_names``, ``subject_attributes``) go into the request as they are."""
    body = {"profile": profile, "holder": holder, "csr": csr, **extra}
    url = f"{trust_url.rstrip('/')}/api/v1/certificates"
    headers = {"Authorization": f"Bearer {ra_token}"}
    try:
        if http is None:
            response = requests.post(url, json=body, headers=headers, timeout=timeout)
        else:
            response = http.post(url, json=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise ProvisioningError(f"the trust service at {trust_url} is unreachable") from exc
    if response.status_code != 201:
        # The RA's answer names the field at fault, never its value (no personal data here).
        raise ProvisioningError(
            f"the trust service refused a {profile} certificate ({response.status_code}): "
            f"{response.text[:300]}"
        )
    answer = response.json()
    return IssuedCertificate(
        certificate=load_pem_chain(answer["certificate"])[0],
        chain=tuple(c for text in answer["chain"] for c in load_pem_chain(text)),
    )


def store_key_and_chain(
    key_path: Path, chain_path: Path, key: ec.EllipticCurvePrivateKey, issued: IssuedCertificate
) -> None:
    """Write the key (0600) and the chain (certificate first) aside, then swap both in: a
    process that notices the new chain never reads it beside the old key."""
    key_path.parent.mkdir(parents=True, exist_ok=True)
    new_key, new_chain = key_path.with_suffix(".pem.new"), chain_path.with_suffix(".pem.new")
    save_private_key(new_key, key)
    new_chain.write_text(
        "".join(pem(c) for c in [issued.certificate, *issued.chain]), encoding="ascii"
    )
    os.replace(new_key, key_path)
    os.replace(new_chain, chain_path)
