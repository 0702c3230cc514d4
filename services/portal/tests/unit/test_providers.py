"""The portal's exchange adapters: what they send, what they read, and every way a call can
fail mapped to a reason the pages can explain (never an exception of their own)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from govkit.exchange import (
    CallContext,
    ExchangeError,
    ExchangeFault,
    ExchangeResponse,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ResponseTooLarge,
    ServiceRef,
)
from portal.providers import (
    BasicFour,
    ExchangeFailed,
    Reason,
    UnconfiguredExchange,
    read_basic_four,
    read_data_usage,
)

XID = "Xk4y_0z-AbCdEfGhIjKlMnOpQrStUvWxYz012345678"
PROBLEMS = "https://madoguchi.example/problems/"


def answer(status: int = 200, body: Any = None) -> ExchangeResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return ExchangeResponse(status=status, headers=CaseInsensitiveDict(), body=raw)


class OneAnswer:
    def __init__(self, outcome: ExchangeResponse | BaseException) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, str, CallContext]] = []

    def get(self, service: ServiceRef, path: str = "", **kwargs: Any) -> ExchangeResponse:
        self.calls.append((str(service), path, kwargs["context"]))
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


DETAILS = {
    "resident": XID,
    "name": "森下 健太",
    "name_kana": "モリシタ ケンタ",
    "birthdate": "1990-05-12",
    "gender": "male",
    "address": "桜木市中央一丁目2番3号",
    "as_of": "2026-05-20",
}


def fetch(exchange: Any) -> BasicFour:
    return read_basic_four(
        exchange, subject=XID, consent_id="C-ABC", case_id="PTL-1", purpose="Show it"
    )


def test_the_basic_four_are_asked_for_on_the_consent() -> None:
    exchange = OneAnswer(answer(200, DETAILS))
    assert fetch(exchange) == BasicFour(
        name="森下 健太",
        name_kana="モリシタ ケンタ",
        birthdate=date(1990, 5, 12),
        gender="male",
        address="桜木市中央一丁目2番3号",
        as_of=date(2026, 5, 20),
    )
    ((service, path, context),) = exchange.calls
    assert service == "JP-KIT/GOV/LG-139998/residence/basic-four"
    assert path == f"/residents/{XID}"
    assert context == CallContext(
        issue="PTL-1", user_id=XID, legal_basis="consent:C-ABC", purpose="Show it"
    )


def test_the_data_usage_record_is_asked_for_on_the_law() -> None:
    exchange = OneAnswer(answer(200, {"resident": XID, "events": [{"seq": 1}], "head": "h"}))
    log = read_data_usage(exchange, subject=XID, case_id="PTL-2")
    assert (log.records, log.head) == ([{"seq": 1}], "h")
    ((service, path, context),) = exchange.calls
    assert service == "JP-KIT/GOV/LG-139998/residence/data-usage"
    assert path == f"/residents/{XID}/events"
    assert context.legal_basis == "law:個人情報の保護に関する法律第76条"
    assert context.issue == "PTL-2"
    assert context.user_id == XID
    assert context.purpose == "Show you who used your data"


def failed(exchange: Any, read: Callable[[Any], Any] = fetch) -> ExchangeFailed:
    with pytest.raises(ExchangeFailed) as raised:
        read(exchange)
    return raised.value


def usage(exchange: Any) -> Any:
    return read_data_usage(exchange, subject=XID, case_id="PTL-2")


WITHDRAWN_AT = "2026-05-19T03:04:05Z"


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (
            answer(403, {"type": PROBLEMS + "consent-withdrawn", "withdrawn_at": WITHDRAWN_AT}),
            Reason.CONSENT_WITHDRAWN,
        ),
        (answer(403, {"type": PROBLEMS + "consent-refused"}), Reason.CONSENT_REFUSED),
        (answer(403, {"type": PROBLEMS + "consent-not-found"}), Reason.CONSENT_NOT_FOUND),
        (answer(403, {"type": PROBLEMS + "consent-mismatch"}), Reason.CONSENT_MISMATCH),
        (answer(503, {"type": PROBLEMS + "consent-unverifiable"}), Reason.CONSENT_UNVERIFIABLE),
        (answer(404, {"type": PROBLEMS + "unknown-resident"}), Reason.UNKNOWN_RESIDENT),
        (answer(400, {"type": PROBLEMS + "missing-legal-basis"}), Reason.MISSING_LEGAL_BASIS),
        (answer(403, {"type": "about:blank"}), Reason.PROVIDER_REFUSED),
        (answer(404, b"not json"), Reason.PROVIDER_REFUSED),
        (answer(400, [1, 2]), Reason.PROVIDER_REFUSED),
        (answer(500, b""), Reason.PROVIDER_FAILED),
        (answer(302, b""), Reason.PROVIDER_FAILED),
        (answer(200, b"<html>"), Reason.INVALID_RESPONSE),
        (answer(200, [DETAILS]), Reason.INVALID_RESPONSE),
        (answer(200, {**DETAILS, "resident": "someone-else"}), Reason.INVALID_RESPONSE),
        (answer(200, {**DETAILS, "name": ""}), Reason.INVALID_RESPONSE),
        (answer(200, {**DETAILS, "address": None}), Reason.INVALID_RESPONSE),
        (ExchangeUnavailable("refused"), Reason.EXCHANGE_UNAVAILABLE),
        (ExchangeTimeout("slow", phase="connect"), Reason.EXCHANGE_TIMEOUT),
        (ExchangeTimeout("slow", phase="read"), Reason.PROVIDER_TIMEOUT),
        (ResponseTooLarge(10), Reason.RESPONSE_TOO_LARGE),
        (InvalidResponse("bad encoding"), Reason.INVALID_RESPONSE),
        (ExchangeError("the call failed (SSLError)"), Reason.EXCHANGE_UNAVAILABLE),
        (
            ExchangeFault("Server.ServerProxy.ServiceFailed.NetworkError", status=500),
            Reason.PROVIDER_UNREACHABLE,
        ),
        (ExchangeFault("Server.ServerProxy.NetworkError", status=500), Reason.PROVIDER_UNREACHABLE),
        (ExchangeFault("Server.ClientProxy.IOError", status=500), Reason.PROVIDER_UNREACHABLE),
        (
            ExchangeFault("Server.ClientProxy.SslAuthenticationFailed", status=500),
            Reason.PROVIDER_UNREACHABLE,
        ),
        (ExchangeFault("Server.ServerProxy.AccessDenied", status=500), Reason.ACCESS_DENIED),
        (ExchangeFault("Server.ServerProxy.ServiceDisabled", status=500), Reason.SERVICE_DISABLED),
        (ExchangeFault("Server.ServerProxy.UnknownService", status=500), Reason.UNKNOWN_SERVICE),
        (ExchangeFault("Server.ClientProxy.UnknownMember", status=500), Reason.UNKNOWN_SERVICE),
        (ExchangeFault("Server.ClientProxy.OutdatedGlobalConf", status=500), Reason.EXCHANGE_FAULT),
        (ExchangeFault("Server.Unknown", status=500), Reason.EXCHANGE_FAULT),
        (ExchangeFault("Client.BadRequest", status=400), Reason.REQUEST_REFUSED),
        (ExchangeFault("client.InvalidClientIdentifier", status=400), Reason.REQUEST_REFUSED),
    ],
)
def test_every_failure_has_a_reason(outcome: Any, reason: Reason) -> None:
    assert failed(OneAnswer(outcome)).reason is reason


def test_the_withdrawal_date_comes_with_the_refusal() -> None:
    body = {"type": PROBLEMS + "consent-withdrawn", "withdrawn_at": WITHDRAWN_AT}
    failure = failed(OneAnswer(answer(403, body)))
    assert failure.withdrawn_at == datetime(2026, 5, 19, 3, 4, 5, tzinfo=UTC)
    assert failure.status == 403


@pytest.mark.parametrize("value", [None, "yesterday", 3, "2026-05-19T03:04:05"])
def test_a_withdrawal_date_that_cannot_be_read(value: Any) -> None:
    body = {"type": PROBLEMS + "consent-withdrawn", "withdrawn_at": value}
    failure = failed(OneAnswer(answer(403, body)))
    assert failure.reason is Reason.CONSENT_WITHDRAWN
    if value == "2026-05-19T03:04:05":  # no zone: UTC, as the contract says
        assert failure.withdrawn_at == datetime(2026, 5, 19, 3, 4, 5, tzinfo=UTC)
    else:
        assert failure.withdrawn_at is None


def test_the_exchange_layers_code_is_kept() -> None:
    fault = ExchangeFault("Server.ServerProxy.AccessDenied", status=500, x_road_id="xr-1")
    failure = failed(OneAnswer(fault))
    assert (failure.code, failure.x_road_id, failure.status) == (
        "Server.ServerProxy.AccessDenied",
        "xr-1",
        500,
    )


def test_a_portal_without_an_exchange() -> None:
    assert failed(UnconfiguredExchange("no security server")).reason is Reason.NOT_CONFIGURED


def test_nothing_is_sent_for_an_identity_that_cannot_go_in_a_header() -> None:
    exchange = OneAnswer(answer(200, DETAILS))
    with pytest.raises(ExchangeFailed) as raised:
        read_basic_four(
            exchange, subject="123456789012", consent_id="C-1", case_id="PTL-1", purpose="x"
        )
    assert raised.value.reason is Reason.REQUEST_REFUSED
    assert exchange.calls == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"resident": XID}, Reason.INVALID_RESPONSE),
        ({"resident": XID, "events": {}}, Reason.INVALID_RESPONSE),
        ({"resident": "someone-else", "events": []}, Reason.INVALID_RESPONSE),
        ([], Reason.INVALID_RESPONSE),
    ],
)
def test_a_data_usage_answer_that_is_not_one(body: Any, reason: Reason) -> None:
    assert failed(OneAnswer(answer(200, body)), usage).reason is reason


def test_partial_details_are_still_details() -> None:
    body = {"name": "森下 健太", "address": "桜木市", "birthdate": "12 May", "gender": 1}
    details = fetch(OneAnswer(answer(200, body)))
    assert details == BasicFour("森下 健太", None, None, None, "桜木市", None)
