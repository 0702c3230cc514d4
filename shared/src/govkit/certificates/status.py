"""Per-document status and the Token Status List that publishes it.

A document's status lives with its issuer: ``issued``, ``revoked`` (with a reason and date),
``superseded`` (by a newer document) or ``suspended``; ``expired`` follows from its validity
dates. Issuers publish all statuses as a signed, cacheable list (IETF OAuth Token Status List,
two bits per document: 0 valid, 1 invalid, 2 suspended, 3 application-specific = superseded) and
answer per document with a signed status response. Both are compact JWS with an ``x5c`` chain.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.certificates import jose

STATUS_LIST_TYPE = "statuslist+jwt"
STATUS_RESPONSE_TYPE = "madoguchi-status+jwt"
BITS = 2


class DocumentStatus(StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    SUSPENDED = "suspended"


class ListValue(IntEnum):
    VALID = 0x00
    INVALID = 0x01
    SUSPENDED = 0x02
    SUPERSEDED = 0x03  # "application specific" in the Token Status List


_TO_VALUE = {
    DocumentStatus.ISSUED: ListValue.VALID,
    DocumentStatus.REVOKED: ListValue.INVALID,
    DocumentStatus.SUSPENDED: ListValue.SUSPENDED,
    DocumentStatus.SUPERSEDED: ListValue.SUPERSEDED,
}
_FROM_VALUE = {value: status for status, value in _TO_VALUE.items()}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pack(statuses: Sequence[DocumentStatus], bits: int = BITS) -> str:
    """Statuses by index → the list's ``lst`` (DEFLATE in zlib format, base64url).

    Index 0 sits in the least significant bits of byte 0, as the specification orders them.
    """
    if bits not in (1, 2, 4, 8):
        raise ValueError("bad status list parameters")
    per_byte = 8 // bits
    packed = bytearray((len(statuses) + per_byte - 1) // per_byte)
    for index, status in enumerate(statuses):
        value = int(_TO_VALUE[status])
        if value >> bits:  # would spill into the next document's bits
            raise ValueError(f"{status.value} does not fit in {bits} bit(s)")
        packed[index // per_byte] |= value << ((index % per_byte) * bits)
    return _b64url(zlib.compress(bytes(packed), 9))


def unpack(lst: str, index: int, bits: int = BITS) -> DocumentStatus | None:
    """The status at ``index`` in a list's ``lst``; ``None`` if the index is beyond the list."""
    if bits not in (1, 2, 4, 8) or index < 0:
        raise ValueError("bad status list parameters")
    packed = zlib.decompress(_unb64url(lst))
    per_byte = 8 // bits
    if index // per_byte >= len(packed):
        return None
    value = (packed[index // per_byte] >> ((index % per_byte) * bits)) & ((1 << bits) - 1)
    try:
        return _FROM_VALUE[ListValue(value)]
    except ValueError:
        return None


def status_list_token(
    *,
    uri: str,
    statuses: Sequence[DocumentStatus],
    key: ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate],
    now: datetime,
    ttl: timedelta,
    validity: timedelta,
) -> str:
    """The signed list: verifiers may cache it for ``ttl`` and never use it after ``validity``."""
    payload = {
        "sub": uri,
        "iat": int(now.timestamp()),
        "exp": int((now + validity).timestamp()),
        "ttl": int(ttl.total_seconds()),
        "status_list": {"bits": BITS, "lst": pack(statuses)},
    }
    return jose.sign(payload, key, chain, typ=STATUS_LIST_TYPE)


def status_response(
    *,
    document_id: str,
    status: DocumentStatus,
    changed_at: datetime | None,
    reason: str | None,
    superseded_by: str | None,
    key: ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate],
    now: datetime,
) -> str:
    payload: dict[str, Any] = {
        "document_id": document_id,
        "status": status.value,
        "checked_at": now.isoformat(),
        "changed_at": changed_at.isoformat() if changed_at else None,
        "reason": reason,
        "superseded_by": superseded_by,
    }
    return jose.sign(payload, key, chain, typ=STATUS_RESPONSE_TYPE)
