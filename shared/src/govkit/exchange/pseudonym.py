"""The citizen's exchange pseudonym: the ``X-Road-UserId`` and the key of their data tracker.

Agencies never send the My Number or the 住民票コード to each other (xroad.md §7). Japan's
information-provision network uses agency codes (機関別符号) derived from the resident record
by J-LIS for the same reason. The kit simplifies that to one pseudonym per citizen for the
whole exchange instance: a keyed hash of the citizen's register key, computed by the two
bodies that hold the key (the identity provider, which releases it as a claim, and the resident
register, which files data uses under it). Without the key it links to nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["exchange_pseudonym"]

_CONTEXT = b"madoguchi-exchange-pseudonym-v1"


def exchange_pseudonym(key: str | bytes, register_key: str) -> str:
    """The pseudonym of the citizen filed under ``register_key`` (43 URL-safe characters)."""
    if not register_key:
        raise ValueError("register_key may not be empty")
    secret = key.encode("utf-8") if isinstance(key, str) else key
    if len(secret) < 16:
        raise ValueError("the pseudonym key is shorter than 16 bytes")
    digest = hmac.new(secret, _CONTEXT + b"|" + register_key.encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")
