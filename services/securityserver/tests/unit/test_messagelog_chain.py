"""The message log's pure rules: record hashes, the chain, Merkle roots, the body cap."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from securityserver.messagelog.chain import (
    DEFAULT_MAX_BODY_BYTES,
    GENESIS,
    Direction,
    LoggedRecord,
    Message,
    Side,
    check_body_size,
    format_time,
    link,
    parse_time,
    record_bytes,
    record_hash,
    verify_chain,
)
from securityserver.messagelog.merkle import leaf_hash, merkle_root, node_hash
from securityserver.messagelog.settings import MessageLogSettings
from securityserver.protocol.errors import ExchangeError
from securityserver.settings import SecurityServerSettings

T0 = datetime(2026, 11, 21, 9, 0, 0, 123456, tzinfo=UTC)


def message(n: int = 0, **changes: object) -> Message:
    base = Message(
        x_road_id=f"xrid-{n}",
        request_id=f"req-{n}",
        side=Side.CONSUMER,
        direction=Direction.REQUEST,
        client="JP-KIT/GOV/LG-139998/portal",
        service="JP-KIT/GOV/MIC-0001/juminhyou/basic4",
        header=b"GET\r\n/r1/JP-KIT/GOV/MIC-0001/juminhyou/basic4\r\nX-Road-Client:x\r\n",
        body=b'{"q": %d}' % n,
        signature="eyJhbGciOiJFUzI1NiJ9..sig",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def chain_of(count: int) -> list[LoggedRecord]:
    records: list[LoggedRecord] = []
    prev = GENESIS
    for n in range(1, count + 1):
        record = link(n, message(n).at(T0 + timedelta(seconds=n)), prev)
        records.append(record)
        prev = record.hash
    return records


def test_a_record_hash_is_sha256_of_the_length_prefixed_fields() -> None:
    entry = message().at(T0)
    encoded = record_bytes(1, entry, GENESIS)
    assert encoded.startswith(b"\x00" * 7 + bytes([30]) + b"madoguchi.messagelog.record.v1")
    assert record_hash(1, entry, GENESIS) == hashlib.sha256(encoded).hexdigest()
    assert b"\x00" * 7 + b"\x1b2026-11-21T09:00:00.123456Z" in encoded


def test_moving_bytes_between_fields_changes_the_hash() -> None:
    """Length prefixes: ("ab", "c") and ("a", "bc") never encode the same."""
    one = message(x_road_id="ab", request_id="c").at(T0)
    two = message(x_road_id="a", request_id="bc").at(T0)
    assert record_hash(1, one, GENESIS) != record_hash(1, two, GENESIS)


@pytest.mark.parametrize(
    "change",
    [
        {"x_road_id": "other"},
        {"request_id": "other"},
        {"side": Side.PROVIDER},
        {"direction": Direction.RESPONSE},
        {"client": "JP-KIT/GOV/LG-139998/other"},
        {"service": "JP-KIT/GOV/MIC-0001/juminhyou/other"},
        {"header": b"POST\r\n"},
        {"body": b'{"q": 1}'},
        {"signature": "eyJ..other"},
    ],
)
def test_every_field_is_covered_by_the_hash(change: dict[str, object]) -> None:
    assert record_hash(1, message().at(T0), GENESIS) != record_hash(
        1, message(**change).at(T0), GENESIS
    )


def test_time_number_and_predecessor_are_covered_too() -> None:
    entry = message().at(T0)
    base = record_hash(2, entry, GENESIS)
    assert record_hash(3, entry, GENESIS) != base
    assert record_hash(2, message().at(T0 + timedelta(microseconds=1)), GENESIS) != base
    assert record_hash(2, entry, "1" * 64) != base


def test_times_are_utc_with_microseconds() -> None:
    tokyo = T0.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert format_time(tokyo) == "2026-11-21T09:00:00.123456Z"
    assert format_time(T0.replace(tzinfo=None)) == "2026-11-21T09:00:00.123456Z"
    assert parse_time(format_time(T0)) == T0


def test_a_whole_chain_verifies() -> None:
    assert verify_chain(chain_of(5), first_number=1) is None


def test_a_changed_record_is_named() -> None:
    records = chain_of(5)
    records[2] = replace(records[2], entry=replace(records[2].entry, body=b"changed"))
    broken = verify_chain(records)
    assert broken is not None
    assert broken.number == 3
    assert "content does not match its hash" in str(broken)


def test_a_rehashed_record_breaks_the_next_link() -> None:
    records = chain_of(5)
    forged = link(3, replace(records[2].entry, body=b"forged"), records[2].prev_hash)
    records[2] = forged
    broken = verify_chain(records)
    assert broken is not None
    assert broken.number == 4
    assert "not linked" in broken.reason


def test_removed_and_reordered_records_are_found() -> None:
    records = chain_of(5)
    removed = verify_chain([*records[:2], *records[3:]], first_number=1)
    assert removed is not None
    assert removed.number == 4
    swapped = verify_chain([records[0], records[2], records[1], *records[3:]], first_number=1)
    assert swapped is not None
    assert swapped.number == 3
    # Without numbering, the links alone still catch the swap.
    swapped_links = verify_chain([records[0], records[2], records[1], *records[3:]])
    assert swapped_links is not None
    assert swapped_links.number == 3


def test_numbers_start_at_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        link(0, message().at(T0), GENESIS)


def test_the_body_cap_is_ten_mebibytes_by_default_and_a_client_error() -> None:
    assert DEFAULT_MAX_BODY_BYTES == 10 * 1024 * 1024
    assert MessageLogSettings().max_body_bytes == DEFAULT_MAX_BODY_BYTES
    check_body_size(DEFAULT_MAX_BODY_BYTES)
    with pytest.raises(ExchangeError) as caught:
        check_body_size(DEFAULT_MAX_BODY_BYTES + 1)
    assert caught.value.code == "Client.BadRequest"
    assert caught.value.status == 400
    with pytest.raises(ExchangeError):
        check_body_size(11, max_body_bytes=10)


def test_settings_come_from_the_environment() -> None:
    server = SecurityServerSettings.from_env(
        {
            "SECURITYSERVER_SECRET_KEY": "x" * 48,
            "SECURITYSERVER_MEMBER": "GOV/DA",
            "SECURITYSERVER_MESSAGELOG_MAX_BODY_BYTES": "1024",
            "SECURITYSERVER_MESSAGELOG_SEAL_EVERY_RECORDS": "5",
            "SECURITYSERVER_MESSAGELOG_SEAL_EVERY_SECONDS": "2.5",
        }
    )
    settings = MessageLogSettings.from_settings(server)
    assert settings == MessageLogSettings(1024, 5, 2.5)
    with pytest.raises(ValueError, match="at least 1"):
        MessageLogSettings(seal_every_records=0)


def _h(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_merkle_root_follows_rfc_6962() -> None:
    hashes = [_h(n) for n in range(5)]
    leaves = [leaf_hash(h) for h in hashes]
    assert leaves[0] == hashlib.sha256(b"\x00" + bytes.fromhex(hashes[0])).digest()
    assert merkle_root(hashes[:1]) == leaves[0].hex()
    assert merkle_root(hashes[:2]) == node_hash(leaves[0], leaves[1]).hex()
    three = node_hash(node_hash(leaves[0], leaves[1]), leaves[2])
    assert merkle_root(hashes[:3]) == three.hex()
    four = node_hash(node_hash(leaves[0], leaves[1]), node_hash(leaves[2], leaves[3]))
    assert merkle_root(hashes[:5]) == node_hash(four, leaves[4]).hex()


def test_merkle_root_depends_on_every_hash_and_their_order() -> None:
    hashes = [_h(n) for n in range(7)]
    root = merkle_root(hashes)
    assert merkle_root([*hashes[:3], _h(99), *hashes[4:]]) != root
    assert merkle_root([hashes[1], hashes[0], *hashes[2:]]) != root
    assert merkle_root(hashes[:-1]) != root
    with pytest.raises(ValueError, match="at least one"):
        merkle_root([])
    with pytest.raises(ValueError, match="32 bytes"):
        leaf_hash("abcd")
