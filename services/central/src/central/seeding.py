"""What `make up` registers by itself: the kit's instance, agencies, subsystems and one
security server per agency (idempotent: only what is missing is added)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from central import keys, registry, repository
from central.domain.identifiers import MemberId, ServerId, SubsystemId
from central.domain.registration import ServerDetails
from central.settings import CentralSettings
from govkit.db import Database


@dataclass(frozen=True)
class Agency:
    member: MemberId
    name: str
    subsystems: tuple[str, ...]
    server_code: str


#: Fictional kit data; server codes match the kit's security-server instances (kit.toml).
AGENCIES = (
    Agency(MemberId("GOV", "DA"), "デジタル庁 (Digital Agency)", ("portal",), "ss-da"),
    Agency(
        MemberId("GOV", "LG-139998"),
        "桜木市 (Sakuragi City)",
        ("residence", "childcare"),
        "ss-lg139998",
    ),
    Agency(MemberId("GOV", "MOJ"), "法務省 (Ministry of Justice)", ("company",), "ss-moj"),
    Agency(MemberId("GOV", "JPS"), "日本年金機構 (Japan Pension Service)", ("pension",), "ss-jps"),
)


def seed(settings: CentralSettings, database: Database, now: datetime) -> list[str]:
    done: list[str] = []
    if keys.ensure_signing_key(settings.data_dir):
        done.append("a new global configuration signing key")
    if settings.admin_token is None and keys.ensure_admin_token(settings.data_dir):
        done.append(f"an admin token in {keys.admin_token_path(settings.data_dir)}")
    with database.session() as session:
        if registry.ensure_instance(settings.exchange_instance, session=session, now=now):
            done.append(f"instance {settings.exchange_instance}")
        done.extend(_seed_agencies(session, settings.server_addresses, now))
    return done


def _seed_agencies(session: Session, addresses: dict[ServerId, str], now: datetime) -> list[str]:
    members: list[str] = []
    subsystems: list[str] = []
    servers: list[str] = []
    clients: list[str] = []
    updated: list[str] = []
    for agency in AGENCIES:
        member = repository.find_member(agency.member, session=session)
        if member is None:
            registry.register_member(agency.member, agency.name, session=session, now=now)
            members.append(str(agency.member))
        elif member.revoked_at is not None:
            continue  # revoked by an operator: never brought back by a restart
        server = ServerId(agency.member, agency.server_code)
        address = addresses.get(server)
        found = repository.find_server(server, session=session)
        if found is None:
            registry.register_server(
                server, ServerDetails(address=address), session=session, now=now
            )
            servers.append(str(server))
        elif address is not None and found[1].address != address and found[1].revoked_at is None:
            registry.update_server(server, ServerDetails(address=address), session=session, now=now)
            updated.append(f"{server} at {address}")
        for code in agency.subsystems:
            subsystem = SubsystemId(agency.member, code)
            if repository.find_subsystem(subsystem, session=session) is None:
                registry.register_subsystem(subsystem, session=session, now=now)
                subsystems.append(str(subsystem))
            _owner, server_row = repository.get_server(server, session=session)
            _member, subsystem_row = repository.get_subsystem(subsystem, session=session)
            assert server_row.id is not None
            assert subsystem_row.id is not None
            hosted = repository.find_hosted_client(server_row.id, subsystem_row.id, session=session)
            if (
                hosted is None
                and server_row.revoked_at is None
                and subsystem_row.revoked_at is None
            ):
                registry.add_client(server, subsystem, session=session, now=now)
                clients.append(f"{subsystem} on {server.server_code}")
    lines = []
    if members:
        lines.append(f"members {', '.join(members)}")
    if subsystems:
        lines.append(f"subsystems {', '.join(subsystems)}")
    if servers:
        lines.append(f"security servers {', '.join(servers)}")
    if clients:
        lines.append(f"hosted clients {', '.join(clients)}")
    if updated:
        lines.append(f"addresses {', '.join(updated)}")
    return lines
