"""Reading RFC 3161 tokens without an ASN.1 library: malformed input is a TimestampError."""

from __future__ import annotations

import pytest

from securityserver.messagelog.timestamps import TimestampError, token_info


def _tlv(tag: int, value: bytes) -> bytes:
    length = len(value)
    if length < 0x80:
        return bytes([tag, length]) + value
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + value


SIGNED_DATA = _tlv(0x06, bytes.fromhex("2a864886f70d010702"))
TST_INFO = _tlv(0x06, bytes.fromhex("2a864886f70d0109100104"))
SHA256 = _tlv(0x30, _tlv(0x06, bytes.fromhex("608648016503040201")) + b"\x05\x00")
SHA1 = _tlv(0x30, _tlv(0x06, bytes.fromhex("2b0e03021a")) + b"\x05\x00")


def token(digest: bytes = bytes(range(32)), algorithm: bytes = SHA256) -> bytes:
    tst = _tlv(
        0x30,
        _tlv(0x02, b"\x01")
        + _tlv(0x06, b"\x2a\x03")
        + _tlv(0x30, algorithm + _tlv(0x04, digest))
        + _tlv(0x02, b"\x07")
        + _tlv(0x18, b"20261121090000Z"),
    )
    encap = _tlv(0x30, TST_INFO + _tlv(0xA0, _tlv(0x04, tst)))
    signed = _tlv(0x30, _tlv(0x02, b"\x03") + _tlv(0x31, SHA256) + encap + _tlv(0x31, b""))
    return _tlv(0x30, SIGNED_DATA + _tlv(0xA0, signed))


def test_reads_the_imprint_and_time() -> None:
    info = token_info(token())
    assert info.digest == bytes(range(32))
    assert info.gen_time == "20261121090000Z"


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x30",
        token()[:-1],
        token() + b"\x00",
        b"\x04\x02ab",
        token(algorithm=SHA1),
        token().replace(SIGNED_DATA, _tlv(0x06, bytes.fromhex("2a864886f70d010701"))),
        token().replace(TST_INFO, _tlv(0x06, bytes.fromhex("2a864886f70d0109100101"))),
        b"\x30\x85\x00\x00\x00\x00\x01",
        b"\x1f\x01\x00",
    ],
)
def test_malformed_tokens_are_refused(bad: bytes) -> None:
    with pytest.raises(TimestampError):
        token_info(bad)
