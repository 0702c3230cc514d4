"""The admin API: token required, use cases reachable, every bad input a clear problem+json."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask

from govkit.exchange import globalconf
from govkit.testing.plugin import ServiceAppFactory
from govkit.web import get_settings

TLS = "a1" * 32
SIGNING = "b2" * 32


# -- access --------------------------------------------------------------------------------------


PROTECTED = [
    ("GET", "/api/v1/members"),
    ("POST", "/api/v1/members"),
    ("POST", "/api/v1/members/GOV/DA/revoke"),
    ("PATCH", "/api/v1/members/GOV/DA/servers/ss-da"),
    ("POST", "/api/v1/groups"),
]


def test_the_admin_api_needs_the_token(problem: Any, app: Flask) -> None:
    client = app.test_client()
    for method, path in PROTECTED:
        _refused_without_token(problem, client, method, path)


def _refused_without_token(problem: Any, client: Any, method: str, path: str) -> None:
    body = problem(client.open(path, method=method, json={}), 401, "Admin token required")
    assert "Bearer" in body["detail"]
    wrong = client.open(path, method=method, json={}, headers={"Authorization": "Bearer nope"})
    assert problem(wrong, 401, "Admin token required")
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.open(path, method=method, headers={"Authorization": "Basic eDp5"})
    problem(basic, 401, "Admin token required")


def test_a_configured_token_replaces_the_file(problem: Any, service_app: ServiceAppFactory) -> None:
    app = service_app("central", admin_token="t" * 40)
    client = app.test_client()
    assert (
        client.get("/api/v1/members", headers={"Authorization": "Bearer " + "t" * 40}).status_code
        == 200
    )
    problem(
        client.get("/api/v1/members", headers={"Authorization": "Bearer other"}),
        401,
        "Admin token required",
    )


def test_without_a_token_anywhere_the_api_is_unavailable(
    problem: Any, service_app: ServiceAppFactory
) -> None:
    app = service_app("central")
    with app.app_context():
        (get_settings().data_dir / "admin_token").unlink()
    problem(app.test_client().get("/api/v1/members"), 503, "Admin API not set up")


# -- happy paths ---------------------------------------------------------------------------------


def test_register_an_agency_end_to_end(admin: Any, app: Flask) -> None:
    created = admin.post("/members", {"class": "GOV", "code": "NTA", "name": "国税庁 (NTA)"})
    assert created.status_code == 201
    assert created.get_json()["id"] == "GOV/NTA"
    assert created.get_json()["revoked_at"] is None
    assert admin.post("/members/GOV/NTA/subsystems", {"code": "tax"}).status_code == 201
    server = admin.post("/members/GOV/NTA/servers", {"code": "ss-nta"})
    assert server.status_code == 201
    assert server.get_json()["address"] is None
    assert server.get_json()["tls_fingerprint"] is None
    reported = admin.patch(
        "/members/GOV/NTA/servers/ss-nta",
        {
            "address": "localhost:8204",
            "tls_fingerprint": TLS.upper(),
            "signing_fingerprint": SIGNING,
        },
    )
    assert reported.status_code == 200, reported.get_json()
    assert reported.get_json()["tls_fingerprint"] == TLS
    assert (
        admin.post("/members/GOV/NTA/servers/ss-nta/clients", {"client": "GOV/NTA/tax"}).status_code
        == 201
    )
    assert admin.post("/groups", {"code": "tax-data", "description": "Tax data"}).status_code == 201
    assert admin.post("/groups/tax-data/members", {"subsystem": "GOV/NTA/tax"}).status_code == 201

    shown = admin.get("/members/GOV/NTA").get_json()
    assert shown["name"] == "国税庁 (NTA)"
    assert shown["subsystems"] == [{"id": "GOV/NTA/tax", "code": "tax", "revoked": False}]
    assert shown["security_servers"][0]["clients"] == ["GOV/NTA/tax"]
    assert "GOV/NTA" in [m["id"] for m in admin.get("/members").get_json()["members"]]
    assert admin.get("/groups").get_json()["groups"] == [
        {"code": "tax-data", "description": "Tax data", "members": ["GOV/NTA/tax"]}
    ]

    client = app.test_client()
    anchor = client.get("/anchor").get_json()["jwk"]
    config = globalconf.verify(client.get("/globalconf").data, anchor, datetime.now(UTC))
    [server_entry] = config.servers_hosting("GOV/NTA/tax")
    assert server_entry.id == "GOV/NTA/ss-nta"
    assert server_entry.address == "localhost:8204"
    assert config.server_with_tls_fingerprint(TLS) == server_entry
    assert config.groups_of("GOV/NTA/tax") == ("tax-data",)


def test_revocations_stay_recorded(admin: Any) -> None:
    admin.post("/members", {"class": "GOV", "code": "NTA", "name": "NTA"})
    admin.post("/members/GOV/NTA/subsystems", {"code": "tax"})
    admin.post("/members/GOV/NTA/servers", {"code": "ss-nta"})
    done = admin.post("/members/GOV/NTA/subsystems/tax/revoke", {"reason": "retired"})
    assert done.status_code == 200
    assert done.get_json()["id"] == "GOV/NTA/tax"
    assert (
        admin.post("/members/GOV/NTA/servers/ss-nta/revoke", {"reason": "key lost"}).status_code
        == 200
    )
    member = admin.post("/members/GOV/NTA/revoke", {"reason": "merged"})
    assert member.get_json() | {"revoked_at": None} == {
        "revoked": "member",
        "id": "GOV/NTA",
        "revoked_at": None,
        "reason": "merged",
    }
    shown = admin.get("/members/GOV/NTA").get_json()
    assert shown["revoked_reason"] == "merged"
    assert shown["subsystems"][0]["revoked"] is True
    assert shown["security_servers"][0]["revoked"] is True


# -- bad input -----------------------------------------------------------------------------------


BAD_MEMBERS = [
    ({"class": "GOV", "code": "DA", "name": "again"}, 409, "Already registered"),
    ({"class": "GOV", "code": "N_TA", "name": "x"}, 400, "Invalid identifier"),
    ({"class": "GOV/X", "code": "NTA", "name": "x"}, 400, "Invalid identifier"),
    ({"class": "", "code": "NTA", "name": "x"}, 400, "Invalid identifier"),
    ({"class": 1, "code": "NTA", "name": "x"}, 400, "Invalid identifier"),
    ({"class": "GOV", "code": "NTA", "name": ""}, 400, "Invalid field"),
    ({"class": "GOV", "code": "NTA", "name": ["x"]}, 400, "Invalid field"),
    ({"class": "GOV", "code": "NTA"}, 400, "Missing field"),
    ({"class": "GOV", "code": "NTA", "name": "x", "extra": 1}, 400, "Unknown fields"),
    ([], 400, "JSON object expected"),
    ("GOV/NTA", 400, "JSON object expected"),
]


def test_bad_member_registrations(problem: Any, admin: Any) -> None:
    """One app for every case (building one per case costs a migration each)."""
    for body, status, title in BAD_MEMBERS:
        problem(admin.post("/members", body), status, title)


def test_bodies_that_are_not_json(problem: Any, admin: Any) -> None:
    problem(
        admin.post("/members", data="{not json", content_type="application/json"),
        400,
        "JSON object expected",
    )
    problem(admin.post("/members", data="class=GOV"), 415, "JSON expected")
    problem(
        admin.post("/members", data="x" * 70_000, content_type="application/json"),
        413,
        "Request too large",
    )


BAD_REQUESTS = [
    ("/members/GOV/NOPE/subsystems", {"code": "x"}, 404, "Not registered"),
    ("/members/GOV/DA/subsystems", {"code": "portal"}, 409, "Already registered"),
    ("/members/GOV/DA/subsystems", {"code": "por tal"}, 400, "Invalid identifier"),
    ("/members/GOV/DA/subsystems", {"code": None}, 400, "Invalid identifier"),
    ("/members/GOV/D_A/subsystems", {"code": "x"}, 400, "Invalid identifier"),
    ("/members/GOV/DA/servers", {"code": "ss-da"}, 409, "Already registered"),
    ("/members/GOV/DA/servers", {"code": "ss2", "address": "nohost"}, 400, "Invalid field"),
    ("/members/GOV/DA/servers", {"code": "ss2", "address": 8200}, 400, "Invalid field"),
    (
        "/members/GOV/DA/servers",
        {"code": "ss2", "tls_fingerprint": "abc"},
        400,
        "Invalid field",
    ),
    ("/members/GOV/NOPE/servers", {"code": "ss"}, 404, "Not registered"),
    ("/members/GOV/DA/servers/ss-da/clients", {"client": "GOV/DA"}, 400, "Invalid identifier"),
    (
        "/members/GOV/DA/servers/ss-da/clients",
        {"client": "JP-KIT/GOV/DA/portal"},
        400,
        "Invalid identifier",
    ),
    (
        "/members/GOV/DA/servers/ss-da/clients",
        {"client": "GOV/DA/nope"},
        404,
        "Not registered",
    ),
    (
        "/members/GOV/DA/servers/ss-nope/clients",
        {"client": "GOV/DA/portal"},
        404,
        "Not registered",
    ),
    (
        "/members/GOV/DA/servers/ss-da/clients",
        {"client": "GOV/DA/portal"},
        409,
        "Already registered",
    ),
    ("/members/GOV/DA/revoke", {}, 400, "Missing field"),
    ("/members/GOV/DA/revoke", {"reason": "  "}, 400, "Invalid field"),
    ("/members/GOV/NOPE/revoke", {"reason": "x"}, 404, "Not registered"),
    ("/members/GOV/DA/subsystems/nope/revoke", {"reason": "x"}, 404, "Not registered"),
    ("/members/GOV/DA/servers/nope/revoke", {"reason": "x"}, 404, "Not registered"),
    ("/groups", {"code": "a/b", "description": "x"}, 400, "Invalid identifier"),
    ("/groups", {"code": "g"}, 400, "Missing field"),
    ("/groups/nope/members", {"subsystem": "GOV/DA/portal"}, 404, "Not registered"),
    ("/groups/bad_code/members", {"subsystem": "GOV/DA/portal"}, 400, "Invalid identifier"),
]


def test_bad_requests(problem: Any, admin: Any) -> None:
    for path, body, status, title in BAD_REQUESTS:
        body_json = problem(admin.post(path, body), status, title)
        assert body_json["detail"], path
        assert body_json["instance"] == f"/api/v1{path}"


def test_bad_server_updates(problem: Any, admin: Any) -> None:
    problem(admin.patch("/members/GOV/DA/servers/ss-da", {}), 400, "Invalid field")
    problem(admin.patch("/members/GOV/DA/servers/ss-x", {"address": "h:1"}), 404, "Not registered")
    problem(
        admin.patch("/members/GOV/DA/servers/ss-da", {"signing_fingerprint": 5}),
        400,
        "Invalid field",
    )
    assert admin.patch("/members/GOV/DA/servers/ss-da", {"tls_fingerprint": TLS}).status_code == 200
    taken = admin.patch("/members/GOV/MOJ/servers/ss-moj", {"tls_fingerprint": TLS})
    assert "GOV/DA/ss-da" in problem(taken, 409, "Already registered")["detail"]


def test_twice_revoked_and_building_on_revoked(problem: Any, admin: Any) -> None:
    assert (
        admin.post("/members/GOV/DA/subsystems/portal/revoke", {"reason": "x"}).status_code == 200
    )
    problem(
        admin.post("/members/GOV/DA/subsystems/portal/revoke", {"reason": "x"}),
        409,
        "Already revoked",
    )
    problem(
        admin.post("/members/GOV/MOJ/servers/ss-moj/clients", {"client": "GOV/DA/portal"}),
        409,
        "Revoked",
    )
    assert admin.post("/members/GOV/MOJ/revoke", {"reason": "x"}).status_code == 200
    problem(admin.post("/members/GOV/MOJ/revoke", {"reason": "x"}), 409, "Already revoked")
    problem(admin.post("/members/GOV/MOJ/subsystems", {"code": "new"}), 409, "Revoked")
    problem(admin.post("/members/GOV/MOJ/servers", {"code": "ss2"}), 409, "Revoked")
    problem(admin.patch("/members/GOV/MOJ/servers/ss-moj", {"address": "h:1"}), 409, "Revoked")
    # a revoked identifier is never reused
    problem(
        admin.post("/members", {"class": "GOV", "code": "MOJ", "name": "x"}),
        409,
        "Already registered",
    )


def test_unknown_routes_and_methods_are_problem_json(problem: Any, admin: Any) -> None:
    problem(admin.get("/nothing"), 404, "Not Found")
    problem(admin.call("DELETE", "/members"), 405, "Method Not Allowed")
