"""Reading and writing the registry. Keyword-only ``session``; ``get_*`` raises
:class:`~central.domain.errors.Unknown`, ``find_*`` returns ``None``; nothing here commits."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, col, select

from central.domain.errors import Unknown
from central.domain.globalconf import (
    GroupState,
    MemberState,
    RegistryState,
    ServerState,
    SubsystemState,
)
from central.domain.identifiers import MemberId, ServerId, SubsystemId
from central.models import (
    CentralModel,
    GlobalGroup,
    GroupMember,
    HostedClient,
    Instance,
    Member,
    SecurityServer,
    Subsystem,
)

T = TypeVar("T", bound=CentralModel)


def save(row: T, *, session: Session) -> T:
    session.add(row)
    session.flush()
    return row


def find_instance(*, session: Session) -> Instance | None:
    return session.exec(select(Instance).order_by(col(Instance.created_at))).first()


def find_member(member: MemberId, *, session: Session) -> Member | None:
    return session.exec(
        select(Member).where(
            Member.member_class == member.member_class, Member.member_code == member.member_code
        )
    ).first()


def get_member(member: MemberId, *, session: Session) -> Member:
    row = find_member(member, session=session)
    if row is None:
        raise Unknown(f"member {member} is not registered")
    return row


def find_subsystem(subsystem: SubsystemId, *, session: Session) -> tuple[Member, Subsystem] | None:
    row = session.exec(
        select(Member, Subsystem)
        .join(Subsystem, col(Subsystem.member_id) == col(Member.id))
        .where(
            Member.member_class == subsystem.member.member_class,
            Member.member_code == subsystem.member.member_code,
            Subsystem.code == subsystem.subsystem_code,
        )
    ).first()
    return None if row is None else (row[0], row[1])


def get_subsystem(subsystem: SubsystemId, *, session: Session) -> tuple[Member, Subsystem]:
    found = find_subsystem(subsystem, session=session)
    if found is None:
        raise Unknown(f"subsystem {subsystem} is not registered")
    return found


def find_server(server: ServerId, *, session: Session) -> tuple[Member, SecurityServer] | None:
    row = session.exec(
        select(Member, SecurityServer)
        .join(SecurityServer, col(SecurityServer.owner_id) == col(Member.id))
        .where(
            Member.member_class == server.owner.member_class,
            Member.member_code == server.owner.member_code,
            SecurityServer.server_code == server.server_code,
        )
    ).first()
    return None if row is None else (row[0], row[1])


def get_server(server: ServerId, *, session: Session) -> tuple[Member, SecurityServer]:
    found = find_server(server, session=session)
    if found is None:
        raise Unknown(f"security server {server} is not registered")
    return found


def find_active_server_with_tls_fingerprint(
    fingerprint: str, *, session: Session
) -> ServerId | None:
    row = session.exec(
        select(Member, SecurityServer)
        .join(SecurityServer, col(SecurityServer.owner_id) == col(Member.id))
        .where(
            SecurityServer.tls_fingerprint == fingerprint,
            col(SecurityServer.revoked_at).is_(None),
            col(Member.revoked_at).is_(None),
        )
    ).first()
    return None if row is None else _server_id(row[0], row[1])


def find_hosted_client(
    server_id: int, subsystem_id: int, *, session: Session
) -> HostedClient | None:
    return session.get(HostedClient, (server_id, subsystem_id))


def find_group(code: str, *, session: Session) -> GlobalGroup | None:
    return session.exec(select(GlobalGroup).where(GlobalGroup.code == code)).first()


def get_group(code: str, *, session: Session) -> GlobalGroup:
    row = find_group(code, session=session)
    if row is None:
        raise Unknown(f"global group {code} does not exist")
    return row


def find_group_member(group_id: int, subsystem_id: int, *, session: Session) -> GroupMember | None:
    return session.get(GroupMember, (group_id, subsystem_id))


def list_members(*, session: Session) -> list[Member]:
    return list(
        session.exec(select(Member).order_by(col(Member.member_class), col(Member.member_code)))
    )


def list_groups(*, session: Session) -> list[GroupState]:
    return list(load_state(session=session, instance="").groups)


def _member_id(member: Member) -> MemberId:
    return MemberId(member.member_class, member.member_code)


def _server_id(owner: Member, server: SecurityServer) -> ServerId:
    return ServerId(_member_id(owner), server.server_code)


def load_state(*, session: Session, instance: str) -> RegistryState:
    """The whole registry as the pure rules see it (revoked things included)."""
    members = {m.id: m for m in session.exec(select(Member))}
    subsystems = {s.id: s for s in session.exec(select(Subsystem))}
    subsystem_ids = {
        key: SubsystemId(_member_id(members[s.member_id]), s.code) for key, s in subsystems.items()
    }
    clients: dict[int, list[SubsystemId]] = {}
    for hosted in session.exec(select(HostedClient)):
        clients.setdefault(hosted.server_id, []).append(subsystem_ids[hosted.subsystem_id])
    group_members: dict[int, list[SubsystemId]] = {}
    for entry in session.exec(select(GroupMember)):
        group_members.setdefault(entry.group_id, []).append(subsystem_ids[entry.subsystem_id])
    return RegistryState(
        instance=instance,
        members=[
            MemberState(_member_id(m), m.name, revoked=m.revoked_at is not None)
            for m in members.values()
        ],
        subsystems=[
            SubsystemState(subsystem_ids[key], revoked=s.revoked_at is not None)
            for key, s in subsystems.items()
        ],
        servers=[
            ServerState(
                id=_server_id(members[s.owner_id], s),
                address=s.address,
                tls_fingerprint=s.tls_fingerprint,
                signing_fingerprint=s.signing_fingerprint,
                clients=tuple(sorted(clients.get(s.id or 0, []))),
                revoked=s.revoked_at is not None,
            )
            for s in session.exec(select(SecurityServer))
        ],
        groups=[
            GroupState(g.code, g.description, tuple(sorted(group_members.get(g.id or 0, []))))
            for g in session.exec(select(GlobalGroup).order_by(col(GlobalGroup.code)))
        ],
    )
