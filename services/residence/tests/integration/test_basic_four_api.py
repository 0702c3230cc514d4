"""``GET /exchange/basic-four/residents/<exchange_id>``: the basic four for a caller with a legal
basis, checked against the citizen's consent (the portal's consent service faked), every call
about a resident recorded (SQLite, then PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from govkit.db import get_database
from govkit.exchange.provider import SECURITY_SERVER_TOKEN_HEADER
from govkit.testing import SECURITY_SERVER_TOKEN, from_security_server
from residence.domain.basic_four import ITEMS, SERVICE
from residence.domain.errors import ConsentUnverifiable
from residence.models import DataUsageEvent, Resident

KENTA = {
    "name": "森下 健太",
    "name_kana": "モリシタ ケンタ",
    "gender": "male",
    "address": "桜木市中央一丁目2番3号",
}


def _stored_events(app) -> list[DataUsageEvent]:
    with get_database(app).session() as session:
        return list(session.exec(select(DataUsageEvent).order_by(DataUsageEvent.id)))


def _birthdate(app, register_key: str) -> date:
    with get_database(app).session() as session:
        resident = session.get(Resident, register_key)
        assert resident is not None
        return resident.birthdate


def test_a_statutory_call_gets_the_basic_four(app, exchange, consents, kit) -> None:
    resident = kit.xid("H1-1")
    answer = exchange.basic_four(resident, client=kit.PENSION)
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "application/json"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.get_json() == {
        "resident": resident,
        **KENTA,
        "birthdate": _birthdate(app, "H1-1").isoformat(),
        "as_of": kit.TODAY.isoformat(),
    }
    assert consents.asked == []  # a statute needs no consent


def test_a_call_with_a_given_consent_gets_the_basic_four(exchange, consents, kit) -> None:
    resident = kit.xid("H1-1")
    consents.add()
    answer = exchange.basic_four(resident, basis="consent:C-1", issue="R-2026-0001")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["name"] == "森下 健太"
    assert consents.asked == [("C-1", resident, "R-2026-0001")]


def test_another_household_member_is_answered_with_their_own_record(exchange, kit) -> None:
    answer = exchange.basic_four(kit.xid("H3-2"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["name"], body["gender"]) == ("グエン ティ ラン", "female")
    assert body["address"] == "桜木市中央三丁目3番4号201号室"


def test_an_unknown_resident_is_404_and_not_recorded(app, exchange, kit) -> None:
    for resident in (kit.xid("X-1"), "nobody", "a" * 129, "bad.id"):
        kit.problem(exchange.basic_four(resident), 404, "unknown-resident")
    assert _stored_events(app) == []


@pytest.mark.parametrize(
    ("headers", "kind", "header"),
    [
        ({"client": None}, "invalid-exchange-call", "X-Road-Client"),
        ({"client": "JP-KIT/GOV/DA"}, "invalid-exchange-call", "X-Road-Client"),
        ({"client": "JP-KIT//DA/portal"}, "invalid-exchange-call", "X-Road-Client"),
        ({"basis": "because"}, "invalid-exchange-call", "X-Madoguchi-Legal-Basis"),
        ({"basis": "consent:"}, "invalid-exchange-call", "X-Madoguchi-Legal-Basis"),
        ({"X-Madoguchi-Purpose": "%E4%"}, "invalid-exchange-call", "X-Madoguchi-Purpose"),
        ({"issue": "x" * 256}, "invalid-exchange-call", "X-Road-Issue"),
        ({"X-Road-Id": "i" * 256}, "invalid-exchange-call", "X-Road-Id"),
        ({"basis": None}, "missing-legal-basis", None),
    ],
)
def test_a_call_that_did_not_come_properly_through_the_exchange_is_400(
    app, exchange, kit, headers, kind, header
) -> None:
    body = kit.problem(exchange.basic_four(kit.xid("H1-1"), **headers), 400, kind)
    assert body.get("header") == header
    assert body["detail"]
    assert _stored_events(app) == []


@pytest.mark.parametrize(
    ("overrides", "kind"),
    [
        ({"status": "withdrawn", "withdrawn_at": "2026-11-24T09:00:00Z"}, "consent-withdrawn"),
        ({"status": "refused", "refused_at": "2026-11-24T09:00:00Z"}, "consent-refused"),
        ({"consumer": "JP-KIT/GOV/JPS/pension"}, "consent-mismatch"),
        ({"items": ["name", "address"]}, "consent-mismatch"),
    ],
)
def test_a_consent_that_does_not_allow_it_is_403_and_recorded(
    app, exchange, consents, kit, overrides, kind
) -> None:
    resident = kit.xid("H1-1")
    consents.add(**overrides)
    body = kit.problem(exchange.basic_four(resident, basis="consent:C-1"), 403, kind)
    assert body["detail"].endswith(".")
    assert body["consent_id"] == "C-1"
    assert "name" not in body
    assert "address" not in body
    if kind == "consent-withdrawn":
        assert body["withdrawn_at"] == "2026-11-24T09:00:00Z"
    (event,) = _stored_events(app)
    assert (event.outcome, event.refusal, event.subject) == ("refused", kind, resident)


def test_a_consent_about_someone_else_is_a_mismatch(exchange, consents, kit) -> None:
    consents.add(subject=kit.xid("H1-2"))
    kit.problem(exchange.basic_four(kit.xid("H1-1"), basis="consent:C-1"), 403, "consent-mismatch")


def test_a_consent_the_portal_does_not_know_is_403(app, exchange, kit) -> None:
    body = kit.problem(
        exchange.basic_four(kit.xid("H1-1"), basis="consent:C-404"), 403, "consent-not-found"
    )
    assert "C-404" in body["detail"]
    assert [e.refusal for e in _stored_events(app)] == ["consent-not-found"]


def test_a_consent_that_cannot_be_checked_is_503_and_recorded(app, exchange, consents, kit) -> None:
    consents.error = ConsentUnverifiable("The register's security server could not be reached.")
    body = kit.problem(
        exchange.basic_four(kit.xid("H1-1"), basis="consent:C-1"), 503, "consent-unverifiable"
    )
    assert body["detail"] == "The register's security server could not be reached."
    assert [(e.outcome, e.refusal) for e in _stored_events(app)] == [
        ("refused", "consent-unverifiable")
    ]


def test_served_and_refused_calls_are_both_recorded_with_what_was_asked(
    app, exchange, consents, kit
) -> None:
    resident = kit.xid("H1-1")
    consents.add(id="C-1")
    consents.add(id="C-2", status="withdrawn", withdrawn_at="2026-11-24T09:00:00Z")
    served = exchange.basic_four(
        resident,
        basis="consent:C-1",
        purpose="本人確認のため",
        user_id=resident,
        issue="R-1",
        **{"X-Road-Id": "message-1"},
    )
    assert served.status_code == 200
    assert exchange.basic_four(resident, basis="consent:C-2").status_code == 403
    assert exchange.basic_four(resident, client=kit.PENSION, basis=kit.LAW).status_code == 200
    first, second, third = _stored_events(app)
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.client == kit.PORTAL
    assert first.service == SERVICE
    assert first.items == list(ITEMS)
    assert (first.purpose, first.legal_basis) == ("本人確認のため", "consent:C-1")
    assert (first.outcome, first.refusal) == ("served", None)
    assert (first.x_road_id, first.issue, first.user_id) == ("message-1", "R-1", resident)
    assert (second.outcome, second.refusal) == ("refused", "consent-withdrawn")
    assert (third.client, third.legal_basis) == (kit.PENSION, kit.LAW)
    assert third.prev_hash == second.hash
    assert second.prev_hash == first.hash
    assert first.prev_hash == "0" * 64


def test_each_resident_has_a_chain_of_their_own(app, exchange, kit) -> None:
    exchange.basic_four(kit.xid("H1-1"))
    exchange.basic_four(kit.xid("H1-2"))
    exchange.basic_four(kit.xid("H1-1"))
    events = _stored_events(app)
    assert [(e.subject, e.seq) for e in events] == [
        (kit.xid("H1-1"), 1),
        (kit.xid("H1-2"), 1),
        (kit.xid("H1-1"), 2),
    ]
    assert events[1].prev_hash == "0" * 64


def test_without_the_pseudonym_key_nobody_is_found(register_app, consents, kit) -> None:
    app = register_app(exchange_pseudonym_key=None)
    client = app.test_client()
    answer = client.get(
        f"/exchange/basic-four/residents/{kit.xid('H1-1')}",
        headers=from_security_server(
            **{"X-Road-Client": kit.PORTAL, "X-Madoguchi-Legal-Basis": "law:%E4%BD%8F%E6%B0%91"}
        ),
    )
    kit.problem(answer, 404, "unknown-resident")


@pytest.mark.parametrize(
    "token", [None, "", "a-guessed-token", SECURITY_SERVER_TOKEN[:-1], SECURITY_SERVER_TOKEN + "0"]
)
def test_only_the_own_security_server_gets_through(app, exchange, kit, token: str | None) -> None:
    """Anyone can reach the register's port (it serves citizens' pages too) and send any
    X-Road-Client: without the security server's token the exchange endpoints refuse, before
    any data is read or any use is logged."""
    headers = exchange.headers()
    if token is None:
        del headers[SECURITY_SERVER_TOKEN_HEADER]
    else:
        headers[SECURITY_SERVER_TOKEN_HEADER] = token
    before = len(_stored_events(app))
    answer = exchange.client.get(
        f"/exchange/basic-four/residents/{kit.xid('H1-1')}", headers=headers
    )
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["title"] == "Not through the exchange"
    assert len(_stored_events(app)) == before  # nothing read, so no use to log


def test_without_a_token_of_its_own_the_api_is_not_set_up(register_app, kit) -> None:
    app = register_app(security_server_token=None)
    answer = app.test_client().get(
        f"/exchange/basic-four/residents/{kit.xid('H1-1')}",
        headers=from_security_server(**{"X-Road-Client": kit.PORTAL}),
    )
    assert answer.status_code == 503
    assert "RESIDENCE_SECURITY_SERVER_TOKEN" in answer.get_json()["detail"]


def test_only_get_is_answered(exchange, kit) -> None:
    answer = exchange.client.post(
        f"/exchange/basic-four/residents/{kit.xid('H1-1')}", headers=exchange.headers()
    )
    assert answer.status_code == 405
