"""The provider's reading of an exchange request's headers, and the citizen's pseudonym."""

from __future__ import annotations

import pytest

from govkit.exchange import (
    CallContext,
    ClientRef,
    IncomingCall,
    InvalidCall,
    exchange_pseudonym,
)

CLIENT = "JP-KIT/GOV/DA/portal"
BASIS = "X-Madoguchi-Legal-Basis"


def _sent(context: CallContext) -> dict[str, str]:
    headers = context.headers("msg-1")
    headers["X-Road-Client"] = CLIENT
    return headers


def test_a_provider_reads_back_what_the_consumer_sent() -> None:
    call = IncomingCall.from_headers(
        _sent(
            CallContext(
                user_id="xid-1",
                issue="CASE-7",
                legal_basis="law:住民基本台帳法第30条の11",
                purpose="住所の確認 (address check)",
            )
        )
    )
    assert call.client == ClientRef.parse(CLIENT)
    assert (call.x_road_id, call.user_id, call.issue) == ("msg-1", "xid-1", "CASE-7")
    assert call.legal_basis == "law:住民基本台帳法第30条の11"
    assert call.purpose == "住所の確認 (address check)"
    assert call.consent_id is None


def test_a_consent_basis_names_its_consent() -> None:
    call = IncomingCall.from_headers(_sent(CallContext(legal_basis="consent:C-42")))
    assert call.consent_id == "C-42"
    assert call.purpose is None


@pytest.mark.parametrize(
    ("headers", "header"),
    [
        ({}, "X-Road-Client"),
        ({"X-Road-Client": "JP-KIT/GOV/DA"}, "X-Road-Client"),
        (
            {"X-Road-Client": CLIENT, "X-Madoguchi-Legal-Basis": "because"},
            "X-Madoguchi-Legal-Basis",
        ),
        (
            {"X-Road-Client": CLIENT, "X-Madoguchi-Legal-Basis": "law:%E4"},
            "X-Madoguchi-Legal-Basis",
        ),
        ({"X-Road-Client": CLIENT, "X-Madoguchi-Purpose": "50%off"}, "X-Madoguchi-Purpose"),
        ({"X-Road-Client": CLIENT, "X-Madoguchi-Purpose": "a" * 501}, "X-Madoguchi-Purpose"),
    ],
)
def test_unusable_headers_are_named(headers: dict[str, str], header: str) -> None:
    with pytest.raises(InvalidCall) as caught:
        IncomingCall.from_headers(headers)
    assert caught.value.header == header


def test_a_purpose_with_control_characters_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="purpose"):
        CallContext(purpose="line\nbreak")


def test_the_pseudonym_is_stable_keyed_and_never_the_input() -> None:
    key = "k" * 32
    first = exchange_pseudonym(key, "H1-1")
    assert first == exchange_pseudonym(key.encode(), "H1-1")
    assert len(first) == 43
    assert "H1-1" not in first
    assert first != exchange_pseudonym(key, "H1-2")
    assert first != exchange_pseudonym("j" * 32, "H1-1")
    with pytest.raises(ValueError, match="shorter than 16 bytes"):
        exchange_pseudonym("short", "H1-1")
    with pytest.raises(ValueError, match="may not be empty"):
        exchange_pseudonym(key, "")


@pytest.mark.parametrize("header", ["X-Road-Id", "X-Road-UserId", "X-Road-Issue"])
def test_overlong_identifiers_are_named(header: str) -> None:
    with pytest.raises(InvalidCall) as caught:
        IncomingCall.from_headers({"X-Road-Client": CLIENT, header: "a" * 256})
    assert caught.value.header == header
    assert IncomingCall.from_headers({"X-Road-Client": CLIENT, header: "a" * 255})
