"""Merkle roots over record hashes, for batch seals (RFC 6962 §2.1 tree, SHA-256).

* leaf  = SHA-256(0x00 ‖ record hash as 32 raw bytes)
* node  = SHA-256(0x01 ‖ left ‖ right)
* a list of n > 1 leaves splits at k, the largest power of two below n: root = node(MTH(first
  k), MTH(the rest)); one leaf is its own root. The 0x00 / 0x01 prefixes keep a leaf from ever
  passing for an inner node (no second-preimage trick), and the split fixes the tree's shape.

A seal stores the root of the hashes of the records it covers, in record order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["leaf_hash", "merkle_root", "node_hash"]


def leaf_hash(record_hash: str) -> bytes:
    """The tree leaf of a record whose hash is ``record_hash`` (64 hex characters)."""
    raw = bytes.fromhex(record_hash)
    if len(raw) != 32:
        raise ValueError("a record hash is 32 bytes of SHA-256")
    return hashlib.sha256(b"\x00" + raw).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(_root(leaves[:split]), _root(leaves[split:]))


def merkle_root(record_hashes: Sequence[str]) -> str:
    """The Merkle root (hex) over ``record_hashes``, in order; there must be at least one."""
    if not record_hashes:
        raise ValueError("a Merkle root needs at least one record")
    return _root([leaf_hash(h) for h in record_hashes]).hex()
