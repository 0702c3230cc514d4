"""The configuration as a pure function of the registry and the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from central.domain.globalconf import (
    GroupState,
    MemberState,
    RegistryState,
    ServerState,
    SubsystemState,
    build,
    timestamp,
)
from central.domain.identifiers import MemberId, ServerId, SubsystemId

NOW = datetime(2026, 11, 21, 9, 0, 30, 123456, tzinfo=UTC)
DA, LG, MOJ = MemberId("GOV", "DA"), MemberId("GOV", "LG-139998"), MemberId("GOV", "MOJ")
PORTAL = SubsystemId(DA, "portal")
RESIDENCE = SubsystemId(LG, "residence")
CHILDCARE = SubsystemId(LG, "childcare")
COMPANY = SubsystemId(MOJ, "company")


def server(owner: MemberId, code: str, *clients: SubsystemId, revoked: bool = False) -> ServerState:
    return ServerState(
        id=ServerId(owner, code),
        address=f"{code}.kit:8200",
        tls_fingerprint="ab" * 32,
        signing_fingerprint=None,
        clients=clients,
        revoked=revoked,
    )


def state(**changes: object) -> RegistryState:
    values: dict[str, object] = {
        "instance": "JP-KIT",
        "members": [
            MemberState(LG, "桜木市"),
            MemberState(DA, "Digital Agency"),
            MemberState(MOJ, "Ministry of Justice"),
        ],
        "subsystems": [
            SubsystemState(RESIDENCE),
            SubsystemState(PORTAL),
            SubsystemState(CHILDCARE),
            SubsystemState(COMPANY),
        ],
        "servers": [
            server(DA, "ss-da", PORTAL),
            server(LG, "ss-lg", RESIDENCE, CHILDCARE),
            server(MOJ, "ss-moj", COMPANY),
        ],
        "groups": [GroupState("municipal", "Municipal services", (RESIDENCE, CHILDCARE))],
    }
    values.update(changes)
    return RegistryState(**values)  # type: ignore[arg-type]


def test_everything_active_is_listed_sorted_with_a_ten_minute_lifetime() -> None:
    config = build(state(), NOW)
    assert config["version"] == 1
    assert config["instance"] == "JP-KIT"
    assert config["generated_at"] == "2026-11-21T09:00:30Z"
    assert config["expires_at"] == "2026-11-21T09:10:30Z"
    assert [m["id"] for m in config["members"]] == ["GOV/DA", "GOV/LG-139998", "GOV/MOJ"]
    assert config["members"][1] == {
        "id": "GOV/LG-139998",
        "class": "GOV",
        "code": "LG-139998",
        "name": "桜木市",
    }
    assert [s["id"] for s in config["subsystems"]] == [
        "GOV/DA/portal",
        "GOV/LG-139998/childcare",
        "GOV/LG-139998/residence",
        "GOV/MOJ/company",
    ]
    lg = config["security_servers"][1]
    assert lg == {
        "id": "GOV/LG-139998/ss-lg",
        "owner": "GOV/LG-139998",
        "code": "ss-lg",
        "address": "ss-lg.kit:8200",
        "tls_fingerprint": "ab" * 32,
        "signing_fingerprint": None,
        "clients": ["GOV/LG-139998/childcare", "GOV/LG-139998/residence"],
    }
    assert config["groups"] == [
        {
            "code": "municipal",
            "description": "Municipal services",
            "members": ["GOV/LG-139998/childcare", "GOV/LG-139998/residence"],
        }
    ]


def test_same_state_same_second_same_document() -> None:
    assert build(state(), NOW) == build(state(), NOW + timedelta(microseconds=100))
    assert build(state(), NOW) != build(state(), NOW + timedelta(seconds=1))


def test_a_revoked_member_takes_its_subsystems_and_servers_with_it() -> None:
    members = [MemberState(DA, "DA"), MemberState(LG, "LG", revoked=True), MemberState(MOJ, "MOJ")]
    config = build(state(members=members), NOW)
    assert "GOV/LG-139998" not in [m["id"] for m in config["members"]]
    assert not [s for s in config["subsystems"] if s["member"] == "GOV/LG-139998"]
    assert [s["id"] for s in config["security_servers"]] == ["GOV/DA/ss-da", "GOV/MOJ/ss-moj"]
    assert config["groups"][0]["members"] == []


def test_a_revoked_subsystem_leaves_servers_and_groups() -> None:
    subsystems = [
        SubsystemState(RESIDENCE, revoked=True),
        SubsystemState(PORTAL),
        SubsystemState(CHILDCARE),
        SubsystemState(COMPANY),
    ]
    config = build(state(subsystems=subsystems), NOW)
    assert "GOV/LG-139998/residence" not in [s["id"] for s in config["subsystems"]]
    assert config["security_servers"][1]["clients"] == ["GOV/LG-139998/childcare"]
    assert config["groups"][0]["members"] == ["GOV/LG-139998/childcare"]


def test_a_revoked_server_is_left_out() -> None:
    servers = [server(DA, "ss-da", PORTAL, revoked=True), server(MOJ, "ss-moj", COMPANY)]
    config = build(state(servers=servers), NOW)
    assert [s["id"] for s in config["security_servers"]] == ["GOV/MOJ/ss-moj"]
    assert "GOV/DA/portal" in [s["id"] for s in config["subsystems"]]


def test_clients_that_are_not_registered_subsystems_are_left_out() -> None:
    ghost = SubsystemId(DA, "ghost")
    config = build(state(servers=[server(DA, "ss-da", PORTAL, ghost)]), NOW)
    assert config["security_servers"][0]["clients"] == ["GOV/DA/portal"]


def test_time_must_be_aware() -> None:
    assert timestamp(datetime(2026, 1, 1, 9, tzinfo=UTC)) == "2026-01-01T09:00:00Z"
    with pytest.raises(ValueError, match="timezone"):
        build(state(), datetime(2026, 1, 1, 9))  # noqa: DTZ001 - the point of the test
