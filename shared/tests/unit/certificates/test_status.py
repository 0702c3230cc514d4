"""The Token Status List: ``pack`` then ``unpack`` gives back every document's status for many
index patterns (byte boundaries included) and widths; the bits sit where the specification puts
them (index 0 in the least significant bits of byte 0, its own worked example reproduced);
indexes past the list give ``None``; bad parameters are refused; and the signed list and the
signed per-document response verify against the root with the expected type and payload."""

from __future__ import annotations

import base64
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from govkit.certificates import jose, status
from govkit.certificates.status import DocumentStatus, pack, unpack

OK, R, S, P = (
    DocumentStatus.ISSUED,
    DocumentStatus.REVOKED,
    DocumentStatus.SUSPENDED,
    DocumentStatus.SUPERSEDED,
)
NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


def _raw(lst: str) -> bytes:
    """The packed bytes of an ``lst`` (base64url without padding, then zlib)."""
    return zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))


def _revoked_at(count: int, *indexes: int) -> list[DocumentStatus]:
    return [R if i in indexes else OK for i in range(count)]


PATTERNS: dict[str, list[DocumentStatus]] = {
    "one issued": [OK],
    "one revoked": [R],
    "one suspended": [S],
    "one superseded": [P],
    "exactly one byte": [R, S, P, OK],
    "one past a byte": [OK, OK, OK, OK, R],
    "last slot of byte 0 and first of byte 1": [OK, OK, OK, R, S, OK, OK, OK],
    "two full bytes": [P, P, P, P, S, S, S, S],
    "every value in every slot": [[OK, R, S, P][(i + i // 4) % 4] for i in range(16)],
    "three bytes and a bit": [R, OK, S, OK, P, OK, OK, R, OK, S, P, R, S],
    "all issued, many": [OK] * 1001,
    "revoked at byte edges": _revoked_at(1000, 0, 3, 4, 7, 8, 511, 512, 996, 999),
    "all revoked, odd length": [R] * 37,
}


@pytest.mark.parametrize("statuses", PATTERNS.values(), ids=PATTERNS.keys())
def test_pack_then_unpack_gives_back_every_status(statuses: list[DocumentStatus]) -> None:
    lst = pack(statuses)
    assert [unpack(lst, i) for i in range(len(statuses))] == statuses
    assert len(_raw(lst)) == (len(statuses) + 3) // 4


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_other_widths_round_trip(bits: int) -> None:
    values = [OK, R] if bits == 1 else [OK, R, S, P]
    statuses = [values[(i * 7) % len(values)] for i in range(50)]
    lst = pack(statuses, bits=bits)
    assert [unpack(lst, i, bits=bits) for i in range(50)] == statuses
    assert len(_raw(lst)) == -(-50 * bits // 8)


def test_specification_example() -> None:
    """The 2-bit example of the Token Status List draft: 0xC9 0x44 0xF9."""
    statuses = [R, S, OK, P, OK, R, OK, R, R, S, P, P]
    assert _raw(pack(statuses)) == bytes([0xC9, 0x44, 0xF9])


@pytest.mark.parametrize(
    ("statuses", "raw"),
    [
        ([R], b"\x01"),  # index 0 → bits 0-1 of byte 0
        ([OK, R], b"\x04"),  # index 1 → bits 2-3
        ([OK, OK, R], b"\x10"),
        ([OK, OK, OK, R], b"\x40"),  # index 3 → bits 6-7
        ([OK, OK, OK, OK, R], b"\x00\x01"),  # index 4 → byte 1, bits 0-1
        ([P, OK, OK, S], b"\x83"),
    ],
)
def test_first_index_sits_in_the_least_significant_bits(
    statuses: list[DocumentStatus], raw: bytes
) -> None:
    assert _raw(pack(statuses)) == raw


def test_one_bit_lists_put_index_0_in_bit_0() -> None:
    assert _raw(pack([R, OK, OK, OK, OK, OK, OK, OK, R], bits=1)) == b"\x01\x01"


def test_lst_is_unpadded_base64url_of_zlib() -> None:
    lst = pack(_revoked_at(4000, *range(0, 4000, 3)))
    assert "=" not in lst
    assert set(lst) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert _raw(lst)[:1] == b"\x41"  # 0b01_00_00_01: of indexes 0-3, 0 and 3 are revoked


def test_indexes_past_the_list_give_none() -> None:
    lst = pack([R, R, R, R, R])  # two bytes: slots 5-7 are padding
    assert unpack(lst, 8) is None
    assert unpack(lst, 1000) is None
    assert unpack(pack([]), 0) is None
    assert [unpack(lst, i) for i in (5, 6, 7)] == [OK, OK, OK]  # padding reads as valid (0)


@pytest.mark.parametrize("bits", [0, 3, 5, 16, -2])
def test_bad_widths_are_refused(bits: int) -> None:
    lst = pack([R, OK])
    with pytest.raises(ValueError, match="bad status list parameters"):
        unpack(lst, 0, bits=bits)
    with pytest.raises(ValueError, match="bad status list parameters"):
        pack([R, OK], bits=bits)


def test_a_negative_index_is_refused() -> None:
    with pytest.raises(ValueError, match="bad status list parameters"):
        unpack(pack([R]), -1)


@pytest.mark.parametrize("value", [S, P])
def test_a_status_that_does_not_fit_the_width_is_refused(value: DocumentStatus) -> None:
    """Suspended (2) and superseded (3) need two bits: in one they would mark the next document."""
    with pytest.raises(ValueError, match="does not fit"):
        pack([value, OK], bits=1)


def test_an_lst_that_is_not_zlib_is_refused() -> None:
    with pytest.raises(zlib.error):
        unpack(base64.urlsafe_b64encode(b"plain").decode().rstrip("="), 0)


# -- signed tokens ------------------------------------------------------------------------------


def test_status_list_token(signer, root) -> None:
    statuses = [OK, R, S, P, OK, OK, R]
    token = status.status_list_token(
        uri="https://portal.kit.example/api/v1/status-lists/documents",
        statuses=statuses,
        key=signer.key,
        chain=[signer.certificate, root.certificate],
        now=NOW,
        ttl=timedelta(minutes=5),
        validity=timedelta(days=1),
    )
    payload, chain = jose.verify(token, [root.certificate], typ=status.STATUS_LIST_TYPE)
    assert payload == {
        "sub": "https://portal.kit.example/api/v1/status-lists/documents",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(days=1)).timestamp()),
        "ttl": 300,
        "status_list": {"bits": 2, "lst": pack(statuses)},
    }
    lst = payload["status_list"]["lst"]
    assert [unpack(lst, i) for i in range(len(statuses))] == statuses
    assert chain[0].subject == signer.certificate.subject
    with pytest.raises(jose.SignatureError, match="unexpected type"):
        jose.verify(token, [root.certificate], typ=status.STATUS_RESPONSE_TYPE)


def test_status_list_token_needs_the_right_root(signer, root, new_root) -> None:
    token = status.status_list_token(
        uri="https://x.example/l", statuses=[OK], key=signer.key,
        chain=[signer.certificate, root.certificate], now=NOW,
        ttl=timedelta(minutes=1), validity=timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(jose.SignatureError):
        jose.verify(token, [new_root("Another Root").certificate])


@pytest.mark.parametrize(
    ("document_status", "changed_at", "reason", "superseded_by"),
    [
        (OK, None, None, None),
        (R, NOW - timedelta(days=2), "the holder moved", None),
        (P, NOW - timedelta(hours=3), None, "DA-2025-000124"),
        (S, NOW - timedelta(minutes=1), "under review", None),
    ],
)
def test_status_response(
    signer,
    root,
    document_status: DocumentStatus,
    changed_at: datetime | None,
    reason: str | None,
    superseded_by: str | None,
) -> None:
    token = status.status_response(
        document_id="DA-2025-000123",
        status=document_status,
        changed_at=changed_at,
        reason=reason,
        superseded_by=superseded_by,
        key=signer.key,
        chain=[signer.certificate, root.certificate],
        now=NOW,
    )
    payload, _chain = jose.verify(token, [root.certificate], typ=status.STATUS_RESPONSE_TYPE)
    assert payload == {
        "document_id": "DA-2025-000123",
        "status": document_status.value,
        "checked_at": "2025-12-01T09:00:00+00:00",
        "changed_at": changed_at.isoformat() if changed_at else None,
        "reason": reason,
        "superseded_by": superseded_by,
    }
    with pytest.raises(jose.SignatureError, match="unexpected type"):
        jose.verify(token, [root.certificate], typ=status.STATUS_LIST_TYPE)
