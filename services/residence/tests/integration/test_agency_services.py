"""The register's services for agencies and the portal beyond the basic four, called as the
city's security server delivers them (SQLite, then PostgreSQL):

* ``household`` — the current members of a household, for statutory users;
* ``address-check`` — has the person on a residence certificate moved since it was issued;
* ``address-changes`` — the register's events after a given one;
* ``documents`` — the certificates issued to a citizen, and their PDFs.

Every call about a known resident lands in their data-usage log; certificates and register
events are written straight into the tables (the issuing journey is tested elsewhere).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from govkit.db import get_database
from residence.domain import agency_services as rules
from residence.domain.chain import first_break
from residence.models import DataUsageEvent, IssuedCertificate, RegisterEvent, Resident

#: Input checks that never reach the database run on SQLite only (the rest run on both, and the
#: acceptance kit runs on PostgreSQL).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CHILDCARE = "JP-KIT/GOV/LG-139998/childcare"
BANK = "JP-KIT/COM/1234567890123/bank"
ISSUED_AT = datetime(2026, 11, 1, 1, 2, 3, tzinfo=UTC)
KENTA_ADDRESS = "桜木市中央一丁目2番3号"


def _events(app, subject: str | None = None) -> list[DataUsageEvent]:
    with get_database(app).session() as session:
        statement = select(DataUsageEvent).order_by(DataUsageEvent.id)
        if subject is not None:
            statement = statement.where(DataUsageEvent.subject == subject)
        return list(session.exec(statement))


def _certificate(app, document_id: str, **fields: Any) -> None:
    values: dict[str, Any] = {
        "request_id": f"R-{document_id}",
        "owner_sub": "sub-of-kenta",
        "owner_pseudonym": None,
        "subject": "H1-1",
        "members": ["H1-1"],
        "address_at_issue": KENTA_ADDRESS,
        "sha256": "0" * 64,
        "qr_text": "MDG1:TEST",
        "pdf": b"%PDF-1.7 " + document_id.encode(),
        "issued_at": ISSUED_AT,
        "status": "issued",
    }
    values.update(fields)
    with get_database(app).session() as session:
        index = len(list(session.exec(select(IssuedCertificate.document_id)))) + 1
        session.add(IssuedCertificate(document_id=document_id, status_index=index, **values))
        session.commit()


def _change(app, register_key: str, **fields: Any) -> None:
    with get_database(app).session() as session:
        resident = session.get(Resident, register_key)
        assert resident is not None
        for name, value in fields.items():
            setattr(resident, name, value)
        session.add(resident)
        session.commit()


def _register_events(app, *events: tuple[str, str]) -> list[int]:
    with get_database(app).session() as session:
        rows = [
            RegisterEvent(
                register_key=key,
                kind=kind,
                effective_on=date(2026, 11, 20),
                recorded_at=ISSUED_AT,
            )
            for key, kind in events
        ]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows if row.id is not None]


# -- household -------------------------------------------------------------------------------------


def test_a_statutory_user_gets_the_household_head_first_each_by_pseudonym(
    app, exchange, kit
) -> None:
    resident = kit.xid("H1-3")
    answer = exchange.client.get(
        f"/exchange/household/residents/{resident}/household",
        headers=exchange.headers(client=CHILDCARE),
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["resident"] == resident
    assert body["as_of"] == kit.TODAY.isoformat()
    members = body["members"]
    assert members[0]["resident"] == kit.xid("H1-1")
    assert members[0]["relationship"] == "世帯主"
    assert members[0]["name"] == "森下 健太"
    assert {m["resident"] for m in members} == {kit.xid(f"H1-{n}") for n in range(1, 7)}
    births = [m["birthdate"] for m in members[1:]]
    assert births == sorted(births)  # then the eldest first
    assert set(members[0]) == {
        "resident", "relationship", "name", "name_kana", "birthdate", "gender", "address",
    }  # fmt: skip
    assert "H1-" not in answer.get_data(as_text=True)  # no register key, no My Number
    # Every member named gets the call in their own log.
    for member in members:
        (event,) = _events(app, member["resident"])
        assert (event.client, event.service, event.outcome) == (
            CHILDCARE,
            rules.HOUSEHOLD,
            "served",
        )
        assert event.items == list(rules.HOUSEHOLD_ITEMS)


def test_a_removed_member_is_no_longer_in_the_household(app, exchange, kit) -> None:
    _change(app, "H1-6", removed_on=date(2026, 11, 10), removal_reason="moved_out")
    answer = exchange.client.get(
        f"/exchange/household/residents/{kit.xid('H1-1')}/household",
        headers=exchange.headers(client=kit.PENSION),
    )
    assert answer.status_code == 200
    residents = [m["resident"] for m in answer.get_json()["members"]]
    assert kit.xid("H1-6") not in residents
    assert len(residents) == 5
    assert _events(app, kit.xid("H1-6")) == []


def test_the_household_is_not_released_on_a_consent(app, exchange, consents, kit) -> None:
    resident = kit.xid("H1-1")
    answer = exchange.client.get(
        f"/exchange/household/residents/{resident}/household",
        headers=exchange.headers(basis="consent:C-1"),
    )
    kit.problem(answer, 403, "statutory-basis-needed")
    assert consents.asked == []
    (event,) = _events(app)
    assert (event.subject, event.outcome, event.refusal) == (
        resident,
        "refused",
        "statutory-basis-needed",
    )


@sqlite_only
@pytest.mark.parametrize(
    ("resident", "headers", "status", "kind"),
    [
        ("nobody", {}, 404, "unknown-resident"),
        ("bad.id", {}, 404, "unknown-resident"),
        (None, {"basis": None}, 400, "missing-legal-basis"),
        (None, {"client": None}, 400, "invalid-exchange-call"),
    ],
)
def test_household_bad_calls(app, exchange, kit, resident, headers, status, kind) -> None:
    answer = exchange.client.get(
        f"/exchange/household/residents/{resident or kit.xid('H1-1')}/household",
        headers=exchange.headers(**{"client": kit.PENSION, **headers}),
    )
    kit.problem(answer, status, kind)
    assert _events(app) == []


# -- address check ---------------------------------------------------------------------------------


def _check(exchange, document_id: str = "JR-0001", **headers: Any):
    return exchange.client.get(
        f"/exchange/address-check/certificates/{document_id}", headers=exchange.headers(**headers)
    )


def test_a_government_verifier_learns_the_person_still_lives_there(app, exchange, kit) -> None:
    _certificate(app, "JR-0001")
    answer = _check(exchange, client=kit.PENSION)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {
        "document_id": "JR-0001",
        "issued_at": "2026-11-01T01:02:03Z",
        "status": "issued",
        "subject_still_at_address": True,
        "moved_on": None,
        "as_of": kit.TODAY.isoformat(),
    }
    (event,) = _events(app)
    assert (event.subject, event.client, event.service) == (
        kit.xid("H1-1"),
        kit.PENSION,
        rules.ADDRESS_CHECK,
    )
    assert (event.outcome, event.legal_basis) == ("served", kit.LAW)


@pytest.mark.parametrize(
    ("change", "moved_on"),
    [
        ({"address": "桜木市中央二丁目9番9号", "address_since": date(2026, 11, 15)}, "2026-11-15"),
        ({"removed_on": date(2026, 11, 18), "removal_reason": "moved_out"}, "2026-11-18"),
        ({"address": "桜木市中央二丁目9番9号", "address_since": None}, None),
    ],
    ids=["moved-within-the-city", "moved-out", "day-unknown"],
)
def test_a_move_since_issue_is_reported(app, exchange, kit, change, moved_on) -> None:
    _certificate(app, "JR-0001")
    _change(app, "H1-1", **change)
    body = _check(exchange, client=kit.PENSION).get_json()
    assert body["subject_still_at_address"] is False
    assert body["moved_on"] == moved_on


def test_the_same_address_written_in_full_width_is_not_a_move(app, exchange, kit) -> None:
    _certificate(app, "JR-0001", address_at_issue="桜木市中央一丁目２番３号 ")
    assert _check(exchange, client=kit.PENSION).get_json()["subject_still_at_address"] is True


def test_the_portal_checks_for_a_bank_on_the_persons_consent(app, exchange, consents, kit) -> None:
    _certificate(app, "JR-0001")
    consents.add(
        id="C-ADDR",
        provider_service=rules.ADDRESS_CHECK,
        items=list(rules.ADDRESS_CHECK_ITEMS),
    )
    answer = _check(exchange, basis="consent:C-ADDR", purpose="口座開設の本人確認")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["subject_still_at_address"] is True
    assert consents.asked == [("C-ADDR", kit.xid("H1-1"), None)]
    (event,) = _events(app)
    assert (event.client, event.legal_basis, event.outcome) == (
        kit.PORTAL,
        "consent:C-ADDR",
        "served",
    )


def test_a_consent_for_another_service_does_not_allow_a_check(app, exchange, consents, kit) -> None:
    _certificate(app, "JR-0001")
    consents.add(id="C-1")  # the basic-four consent
    body = kit.problem(_check(exchange, basis="consent:C-1"), 403, "consent-mismatch")
    assert "subject_still_at_address" not in body
    (event,) = _events(app)
    assert (event.outcome, event.refusal) == ("refused", "consent-mismatch")


def test_the_portal_has_no_statutory_basis_of_its_own(app, exchange, kit) -> None:
    _certificate(app, "JR-0001")
    kit.problem(_check(exchange, client=kit.PORTAL, basis=kit.LAW), 403, "consent-needed")
    kit.problem(_check(exchange, client=BANK, basis=kit.LAW), 403, "consent-needed")
    assert [(e.client, e.refusal) for e in _events(app)] == [
        (kit.PORTAL, "consent-needed"),
        (BANK, "consent-needed"),
    ]


def test_the_portal_relays_a_government_verifiers_check_and_names_it(app, exchange, kit) -> None:
    _certificate(app, "JR-0001")
    answer = _check(
        exchange,
        client=kit.PORTAL,
        basis=kit.LAW,
        purpose="Check a residence certificate",
        **{"X-Madoguchi-On-Behalf-Of": kit.PENSION},
    )
    assert answer.status_code == 200, answer.get_json()
    (event,) = _events(app)
    assert event.client == kit.PORTAL
    assert event.purpose == f"Check a residence certificate (for {kit.PENSION})"
    # Relaying for someone who is not a government agency is no basis.
    kit.problem(
        _check(exchange, client=kit.PORTAL, basis=kit.LAW, **{"X-Madoguchi-On-Behalf-Of": BANK}),
        403,
        "consent-needed",
    )


@sqlite_only
@pytest.mark.parametrize("document_id", ["JR-404", "bad%20id", "x" * 41])
def test_an_unknown_certificate_is_404_and_not_recorded(app, exchange, kit, document_id) -> None:
    _certificate(app, "JR-0001")
    kit.problem(_check(exchange, document_id, client=kit.PENSION), 404, "unknown-document")
    assert _events(app) == []


@sqlite_only
def test_an_address_check_needs_a_legal_basis(app, exchange, kit) -> None:
    _certificate(app, "JR-0001")
    kit.problem(_check(exchange, client=kit.PENSION, basis=None), 400, "missing-legal-basis")


# -- register events -------------------------------------------------------------------------------


def _feed(exchange, query: str = "", **headers: Any):
    headers.setdefault("client", "JP-KIT/GOV/JPS/pension")
    return exchange.client.get(
        f"/exchange/address-changes/events{query}", headers=exchange.headers(**headers)
    )


def test_the_feed_pages_through_events_and_logs_each_person_once(app, exchange, kit) -> None:
    first, second, third = _register_events(
        app, ("H1-1", "moved_within"), ("H2-1", "moved_out"), ("H1-1", "corrected")
    )
    body = _feed(exchange).get_json()
    assert [(e["id"], e["resident"], e["kind"]) for e in body["events"]] == [
        (first, kit.xid("H1-1"), "moved_within"),
        (second, kit.xid("H2-1"), "moved_out"),
        (third, kit.xid("H1-1"), "corrected"),
    ]
    assert body["events"][0]["effective_on"] == "2026-11-20"
    assert body["next_after"] == third
    assert [e.subject for e in _events(app)] == sorted([kit.xid("H1-1"), kit.xid("H2-1")])
    page = _feed(exchange, f"?after={first}&limit=1").get_json()
    assert [e["id"] for e in page["events"]] == [second]
    assert page["next_after"] == second
    empty = _feed(exchange, f"?after={third}").get_json()
    assert (empty["events"], empty["next_after"]) == ([], third)
    assert "H1-" not in str(body)


@sqlite_only
@pytest.mark.parametrize(
    "query",
    [
        "?after=-1",
        "?after=abc",
        "?after=",
        "?after=%C2%B2",
        "?after=1e3",
        "?after=" + "9" * 40,
        "?limit=0",
        "?limit=101",
        "?limit=1.5",
        "?limit=1&limit=2",
    ],
)
def test_a_bad_query_is_400(exchange, kit, query) -> None:
    body = kit.problem(_feed(exchange, query), 400, "invalid-query")
    assert body["parameter"] in ("after", "limit")


def test_the_feed_is_for_statutory_users_on_a_statute(exchange, kit) -> None:
    kit.problem(_feed(exchange, basis="consent:C-1"), 403, "statutory-basis-needed")
    kit.problem(_feed(exchange, basis=None), 400, "missing-legal-basis")


# -- the citizen's documents -----------------------------------------------------------------------

OWN_BASIS = "law:個人情報の保護に関する法律第76条"


def _documents(exchange, resident: str, suffix: str = "", **headers: Any):
    headers.setdefault("basis", OWN_BASIS)
    headers.setdefault("user_id", resident)
    return exchange.client.get(
        f"/exchange/documents/residents/{resident}/certificates{suffix}",
        headers=exchange.headers(**headers),
    )


def test_the_portal_lists_the_certificates_issued_to_the_citizen(app, exchange, kit) -> None:
    kenta = kit.xid("H1-1")
    _certificate(app, "JR-0001", owner_pseudonym=kenta)
    _certificate(
        app,
        "JR-0002",
        owner_pseudonym=kenta,
        subject="H1-3",
        members=["H1-1", "H1-3"],
        issued_at=ISSUED_AT + timedelta(days=1),
    )
    _certificate(app, "JR-0003", owner_pseudonym=kit.xid("H2-1"), subject="H2-1")
    answer = _documents(exchange, kenta)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["resident"] == kenta
    assert [(c["document_id"], c["subject_name"], c["members"]) for c in body["certificates"]] == [
        ("JR-0002", "森下 蒼", 2),
        ("JR-0001", "森下 健太", 1),
    ]
    assert body["certificates"][1]["issued_at"] == "2026-11-01T01:02:03Z"
    (event,) = _events(app)
    assert (event.subject, event.service, event.items) == (
        kenta,
        rules.DOCUMENTS,
        list(rules.CERTIFICATE_LIST_ITEMS),
    )


def test_the_citizen_gets_their_own_pdf_and_never_anyone_elses(app, exchange, kit) -> None:
    kenta = kit.xid("H1-1")
    _certificate(app, "JR-0001", owner_pseudonym=kenta)
    _certificate(app, "JR-0003", owner_pseudonym=kit.xid("H2-1"), subject="H2-1")
    answer = _documents(exchange, kenta, "/JR-0001/pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.data == b"%PDF-1.7 JR-0001"
    someone_elses = _documents(exchange, kenta, "/JR-0003/pdf")
    missing = _documents(exchange, kenta, "/JR-9999/pdf")
    first, second = (kit.problem(a, 404, "unknown-document") for a in (someone_elses, missing))
    assert (first["title"], first["detail"]) == (second["title"], second["detail"])
    assert [e.items for e in _events(app)] == [list(rules.CERTIFICATE_PDF_ITEMS)]


def test_documents_only_for_the_citizen_themselves(app, exchange, kit) -> None:
    kenta = kit.xid("H1-1")
    _certificate(app, "JR-0001", owner_pseudonym=kenta)
    kit.problem(_documents(exchange, kenta, user_id=kit.xid("H1-2")), 403, "not-the-owner")
    kit.problem(_documents(exchange, kenta, "/JR-0001/pdf", user_id=None), 403, "not-the-owner")
    assert [(e.outcome, e.refusal) for e in _events(app)] == [("refused", "not-the-owner")] * 2
    kit.problem(_documents(exchange, "nobody"), 404, "unknown-resident")
    kit.problem(_documents(exchange, kenta, basis=None), 400, "missing-legal-basis")


# -- several residents at once ---------------------------------------------------------------------


def test_overlapping_calls_about_several_residents_keep_every_chain_whole(
    app, exchange, kit
) -> None:
    """Household answers and event pages lock several residents (always in one order), basic
    four one: run together, none waits on another crosswise and no chain breaks."""
    _register_events(app, ("H1-1", "moved_within"), ("H1-2", "corrected"))
    calls = [
        f"/exchange/household/residents/{kit.xid('H1-3')}/household",
        "/exchange/address-changes/events",
        f"/exchange/basic-four/residents/{kit.xid('H1-1')}",
        f"/exchange/household/residents/{kit.xid('H1-6')}/household",
    ]

    def run(worker: int) -> list[int]:
        client = app.test_client()
        return [
            client.get(calls[(worker + n) % len(calls)], headers=exchange.headers()).status_code
            for n in range(4)
        ]

    with ThreadPoolExecutor(4) as pool:
        statuses = [status for result in pool.map(run, range(4)) for status in result]
    assert statuses == [200] * 16
    for register_key in ("H1-1", "H1-2", "H1-3", "H1-6"):
        events = exchange.events(kit.xid(register_key))
        assert events
        assert first_break(events) is None
