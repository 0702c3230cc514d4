"""The call's context (headers, the My Number refusal, the legal basis), the exchange layer's
error bodies read defensively, and the answer's accessors."""

from __future__ import annotations

import json

import pytest
from requests.structures import CaseInsensitiveDict

from govkit.exchange import (
    LEGAL_BASIS_HEADER,
    CallContext,
    ExchangeResponse,
    InvalidResponse,
    ProviderError,
    decode_legal_basis,
    encode_legal_basis,
    looks_like_resident_number,
)
from govkit.exchange.messages import parse_fault

SUB = "JPq3vO9bZ1o0hYk8m7pW4rS2tU6vX5yA1bC3dE5fG7h"


def test_the_context_becomes_headers() -> None:
    context = CallContext(
        issue="R-2026-000123",
        user_id=SUB,
        legal_basis="law:住民基本台帳法第30条の11",
        request_id="0f3c",
    )
    assert context.headers("JP-KIT-1") == {
        "X-Road-Id": "JP-KIT-1",
        "X-Road-UserId": SUB,
        "X-Road-Issue": "R-2026-000123",
        LEGAL_BASIS_HEADER: "law:%E4%BD%8F%E6%B0%91%E5%9F%BA%E6%9C%AC%E5%8F%B0%E5%B8%B3"
        "%E6%B3%95%E7%AC%AC30%E6%9D%A1%E3%81%AE11",
        "X-Request-Id": "0f3c",
    }


def test_an_empty_context_sends_only_the_message_id() -> None:
    assert CallContext().headers("id-1") == {"X-Road-Id": "id-1"}


@pytest.mark.parametrize(
    "user_id",
    [
        "123456789012",  # My Number
        "JP123456789012",
        "12345678901",  # 住民票コード
        "JP12345678901",
        "1234 5678 9012",
        "1234-5678-9012",
        "１２３４５６７８９０１２",  # full-width digits
        "citizen:123456789012",
        "x123456789012y",
    ],
)
def test_anything_shaped_like_a_my_number_never_leaves(user_id: str) -> None:
    assert looks_like_resident_number(user_id)
    with pytest.raises(ValueError, match="pseudonymous") as caught:
        CallContext(user_id=user_id)
    assert user_id not in str(caught.value)


@pytest.mark.parametrize(
    "user_id", [SUB, "JP" + "a1" * 20, "1234567890", "1234567890123", "2026-11-21"]
)
def test_pseudonymous_ids_pass(user_id: str) -> None:
    assert not looks_like_resident_number(user_id)
    assert CallContext(user_id=user_id).user_id == user_id


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("issue", "R-1\r\nX-Evil: 1"),
        ("issue", " R-1"),
        ("issue", ""),
        ("issue", "申請-1"),
        ("x_road_id", "id\n"),
        ("request_id", "x" * 1025),
        ("user_id", "JP\tabc"),
    ],
)
def test_header_values_must_be_plain_ascii(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        CallContext(**{field: value})


@pytest.mark.parametrize(
    "basis", ["consent:4f1c2d3e-0000-4000-8000-000000000001", "law:住民基本台帳法第30条の11"]
)
def test_a_legal_basis_survives_the_header(basis: str) -> None:
    encoded = CallContext(legal_basis=basis).headers("i")[LEGAL_BASIS_HEADER]
    assert encoded.isascii()
    assert decode_legal_basis(encoded) == basis


def test_a_consent_basis_reads_as_it_is() -> None:
    assert encode_legal_basis("consent:4f1c") == "consent:4f1c"
    assert encode_legal_basis("law:a%b c") == "law:a%25b%20c"


@pytest.mark.parametrize("basis", ["", "consent:", "law: ", "article 30", "law:x\ny"])
def test_a_legal_basis_names_a_consent_or_a_law(basis: str) -> None:
    with pytest.raises(ValueError, match="legal_basis"):
        CallContext(legal_basis=basis)


@pytest.mark.parametrize(
    "header", ["law:%E4%BD", "law:%zz", "law:100%", "law:%00", "consent:a%0Ab", "%7F"]
)
def test_a_broken_legal_basis_header_is_refused(header: str) -> None:
    with pytest.raises(ValueError, match="legal basis"):
        decode_legal_basis(header)


# -- faults --------------------------------------------------------------------------------------


def test_a_fault_reads_type_message_detail() -> None:
    body = json.dumps(
        {
            "type": "Server.ServerProxy.AccessDenied",
            "message": "Request is not allowed: SERVICE:JP-KIT/GOV/MOJ/registry/basic",
            "detail": "3c4d0f08-440f-417f-b935-bc801e103d51",
        }
    ).encode()
    fault = parse_fault(
        "Server.ServerProxy.AccessDenied", body, status=500, service="S", x_road_id="id-1"
    )
    assert fault.code == "Server.ServerProxy.AccessDenied"
    assert fault.message.startswith("Request is not allowed")
    assert fault.detail == "3c4d0f08-440f-417f-b935-bc801e103d51"
    assert (fault.status, fault.service, fault.x_road_id) == (500, "S", "id-1")
    assert fault.is_server_fault
    assert not fault.is_client_fault
    assert str(fault).startswith("Server.ServerProxy.AccessDenied: Request is not allowed")


@pytest.mark.parametrize("code", ["Client.BadRequest", "client.bad_request"])
def test_client_faults_are_told_apart_in_either_spelling(code: str) -> None:
    fault = parse_fault(code, b"", status=400)
    assert fault.is_client_fault
    assert not fault.is_server_fault


@pytest.mark.parametrize(
    "body",
    [
        None,  # too large: not read
        b"",
        b"<html>oops</html>",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"message": 42, "detail": ["x"]}',
        b"[" * 100_000,
    ],
)
def test_an_unreadable_fault_body_keeps_the_header_code(body: bytes | None) -> None:
    fault = parse_fault("Server.ClientProxy.NetworkError", body, status=500)
    assert fault.code == "Server.ClientProxy.NetworkError"
    assert (fault.message, fault.detail) == ("", "")


def test_fault_text_is_short_and_printable() -> None:
    body = json.dumps({"message": "a\x1b[31m\nb" + "x" * 5000}).encode()
    fault = parse_fault("Server.X", body, status=500)
    assert fault.message.startswith("a[31mb")
    assert len(fault.message) == 1000


def test_an_empty_header_falls_back_to_the_body_type() -> None:
    assert parse_fault("", b'{"type": "Client.BadRequest"}', status=400).code == (
        "Client.BadRequest"
    )
    assert parse_fault(" ", b"", status=500).code == "Server.Unknown"


# -- answers -------------------------------------------------------------------------------------


def answer(status: int = 200, body: bytes = b"{}", **headers: str) -> ExchangeResponse:
    return ExchangeResponse(
        status=status,
        headers=CaseInsensitiveDict({k.replace("_", "-"): v for k, v in headers.items()}),
        body=body,
        called="JP-KIT/GOV/MOJ/registry/basic",
        sent_x_road_id="sent-1",
    )


def test_the_x_road_headers_are_read() -> None:
    response = answer(
        X_Road_Id="id-1",
        X_Road_Request_Id="req-1",
        X_Road_Request_Hash="aGFzaA==",
        X_Road_Service="JP-KIT/GOV/MOJ/registry/basic",
        X_Road_Client="JP-KIT/GOV/LG-139998/residence",
        Content_Type="application/json",
    )
    assert response.x_road_id == "id-1"
    assert response.request_id == "req-1"
    assert response.request_hash == "aGFzaA=="
    assert response.service == "JP-KIT/GOV/MOJ/registry/basic"
    assert response.client == "JP-KIT/GOV/LG-139998/residence"
    assert response.content_type == "application/json"
    assert response.headers["x-road-id"] == "id-1"
    assert answer().x_road_id is None


def test_json_and_text() -> None:
    assert answer(body='{"氏名": "山田"}'.encode()).json() == {"氏名": "山田"}
    assert answer(body="山田".encode()).text == "山田"
    with pytest.raises(InvalidResponse, match="not JSON") as caught:
        answer(body=b"<html>").json()
    assert caught.value.x_road_id == "sent-1"
    with pytest.raises(InvalidResponse, match="UTF-8"):
        _ = answer(body=b"\xff").text


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_raise_for_status_passes_2xx(status: int) -> None:
    response = answer(status)
    assert response.ok
    assert response.raise_for_status() is response


@pytest.mark.parametrize("status", [302, 400, 404, 500, 503])
def test_raise_for_status_keeps_the_providers_answer(status: int) -> None:
    response = answer(status, b'{"title": "Not Found"}', X_Road_Id="id-9")
    with pytest.raises(ProviderError) as caught:
        response.raise_for_status()
    error = caught.value
    assert (error.status, error.body, error.x_road_id) == (
        status,
        b'{"title": "Not Found"}',
        "id-9",
    )
    assert error.service == "JP-KIT/GOV/MOJ/registry/basic"
    assert error.headers["x-road-id"] == "id-9"
    assert "Not Found" not in str(error)
