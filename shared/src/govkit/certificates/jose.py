"""Compact JWS (ES256) carrying its certificate chain in ``x5c``.

Used for everything the kit signs as JSON: the trust list, per-document status responses and
status lists. A verifier needs only the kit root: the chain travels in the header.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from govkit.certificates.keys import ChainError, der, verify_chain


class _Registry(jws.JWSRegistry):
    """joserfc's limits, widened for an ``x5c`` chain and lists of many documents."""

    max_header_length = 16 * 1024
    max_payload_length = 4 * 1024 * 1024


REGISTRY = _Registry(algorithms=["ES256"])


class SignatureError(ValueError):
    """A JWS is malformed, badly signed, or signed by an untrusted key."""


def sign(
    payload: dict[str, Any],
    key: ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate],
    *,
    typ: str = "JWT",
) -> str:
    header = {
        "alg": "ES256",
        "typ": typ,
        "x5c": [base64.b64encode(der(c)).decode("ascii") for c in chain],
    }
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return jws.serialize_compact(
        header, body.encode("utf-8"), ECKey.import_key(pem_key), registry=REGISTRY
    )


def verify(
    token: str,
    roots: Sequence[x509.Certificate],
    *,
    at: datetime | None = None,
    typ: str | None = None,
) -> tuple[dict[str, Any], list[x509.Certificate]]:
    """Check the signature and the ``x5c`` chain; return the payload and the chain."""
    try:
        compact = jws.extract_compact(token.strip().encode("ascii"), registry=REGISTRY)
        header = compact.protected
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    except (JoseError, KeyError, ValueError, TypeError, UnicodeError) as exc:
        raise SignatureError("not a signed kit document") from exc
    if header.get("alg") != "ES256":
        raise SignatureError(f"unexpected algorithm {header.get('alg')!r}")
    if typ is not None and header.get("typ") != typ:
        raise SignatureError(f"unexpected type {header.get('typ')!r}")
    try:
        verify_chain(chain, roots, at or datetime.now(UTC))
    except ChainError as exc:
        raise SignatureError(str(exc)) from exc
    public = (
        chain[0]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    try:
        jws.deserialize_compact(token.strip(), ECKey.import_key(public), registry=REGISTRY)
        payload = json.loads(compact.payload)
    except (JoseError, ValueError) as exc:
        raise SignatureError("the signature does not match") from exc
    if not isinstance(payload, dict):
        raise SignatureError("the payload is not a JSON object")
    return payload, chain
