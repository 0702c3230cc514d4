"""The compact signed QR payload, as the EU Digital COVID Certificate builds it.

claims (CBOR map, CWT claim keys) → COSE_Sign1 (ES256, ``kid`` in the protected header) → zlib →
Base45 → prefix ``MDG1:``. Printed as an alphanumeric QR code (error correction Q). Anyone with
the kit trust list can check it offline: the ``kid`` names the issuer's seal key.

CWT claims used: 1 ``iss`` (issuer member code), 6 ``iat``, 7 ``cti`` (document id); the kit's
document claims sit under the private claim -70001 as a map with short keys.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cwt import COSE, COSEKey
from cwt.exceptions import CWTError

PREFIX = "MDG1:"
DOCUMENT_CLAIM = -70001
_ISS, _IAT, _CTI = 1, 6, 7
_ALG, _KID = 1, 4
_ES256 = -7
MAX_TEXT = 4096


class QRFormatError(ValueError):
    """The text is not a kit QR payload (truncated, not Base45, not COSE…)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class QRSignatureError(ValueError):
    """The payload is well formed but its signature does not match the named key."""


@dataclass(frozen=True)
class QRPayload:
    kid: str
    issuer: str
    issued_at: datetime
    document_id: str
    claims: dict[str, Any]
    cose: bytes


def _cose_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey, kid: str) -> Any:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    else:
        data = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return COSEKey.from_pem(data, alg="ES256", kid=kid)


def encode(
    *,
    issuer: str,
    document_id: str,
    issued_at: datetime,
    claims: dict[str, Any],
    key: ec.EllipticCurvePrivateKey,
    kid: str,
) -> str:
    """Sign ``claims`` for document ``document_id`` and return the QR text."""
    payload = cbor2.dumps(
        {
            _ISS: issuer,
            _IAT: int(issued_at.timestamp()),
            _CTI: document_id.encode("utf-8"),
            DOCUMENT_CLAIM: claims,
        }
    )
    signed = COSE.new().encode_and_sign(
        payload, _cose_key(key, kid), protected={_ALG: _ES256, _KID: kid.encode("ascii")}
    )
    return PREFIX + base45.b45encode(zlib.compress(signed, 9)).decode("ascii")


def parse(text: str) -> tuple[str, bytes]:
    """The ``kid`` and the COSE_Sign1 bytes of a QR text (no signature check yet)."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise QRFormatError("qr-too-long", "too long for a kit QR code")
    if not text.startswith(PREFIX):
        raise QRFormatError("qr-prefix", f"does not start with {PREFIX}")
    try:
        compressed = base45.b45decode(text[len(PREFIX) :])
    except (ValueError, TypeError) as exc:
        raise QRFormatError("qr-base45", "not Base45 text") from exc
    try:
        cose_bytes = zlib.decompress(compressed)
    except zlib.error as exc:
        raise QRFormatError("qr-damaged", "truncated or damaged") from exc
    try:
        message = cbor2.loads(cose_bytes)
        structure = message.value if isinstance(message, cbor2.CBORTag) else message
        protected = cbor2.loads(structure[0])
        kid = protected[_KID].decode("ascii")
    except (
        cbor2.CBORDecodeError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
    ) as exc:
        raise QRFormatError("qr-not-cose", "not a signed COSE message") from exc
    return kid, cose_bytes


def verify(text: str, public_keys: dict[str, ec.EllipticCurvePublicKey]) -> QRPayload:
    """Check a QR text against the issuer keys (by ``kid``) and return what it says."""
    kid, cose_bytes = parse(text)
    key = public_keys.get(kid)
    if key is None:
        raise QRSignatureError(f"signed by an unknown key ({kid})")
    try:
        payload_bytes = COSE.new().decode(cose_bytes, _cose_key(key, kid))
    except CWTError as exc:
        raise QRSignatureError("the signature does not match") from exc
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # The cwt library says "Invalid COSE format" and the like with ValueError.
        raise QRFormatError("qr-not-cose", "not a signed COSE message") from exc
    try:
        payload = cbor2.loads(payload_bytes)
        return QRPayload(
            kid=kid,
            issuer=str(payload[_ISS]),
            issued_at=datetime.fromtimestamp(int(payload[_IAT]), UTC),
            document_id=bytes(payload[_CTI]).decode("utf-8"),
            claims=dict(payload[DOCUMENT_CLAIM]),
            cose=cose_bytes,
        )
    except (cbor2.CBORDecodeError, KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise QRFormatError("qr-payload", "the signed payload is not a kit document") from exc
