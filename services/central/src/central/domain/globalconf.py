"""What the global configuration says: a pure function of the registry's state and ``now``.

Revoked things stay in the registry but never reach the configuration, nor does anything that
hangs on them: the subsystems and servers of a revoked member, a revoked subsystem among a
server's clients or a group's members, the clients of a revoked server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from central.domain.identifiers import MemberId, ServerId, SubsystemId

#: How long a configuration may be relied on (X-Road's confExpireIntervalSeconds).
LIFETIME = timedelta(minutes=10)
#: How often it is regenerated at most (X-Road regenerates every 60 s).
REFRESH = timedelta(seconds=60)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class MemberState:
    id: MemberId
    name: str
    revoked: bool = False


@dataclass(frozen=True)
class SubsystemState:
    id: SubsystemId
    revoked: bool = False


@dataclass(frozen=True)
class ServerState:
    id: ServerId
    address: str | None
    tls_fingerprint: str | None
    signing_fingerprint: str | None
    clients: tuple[SubsystemId, ...] = ()
    revoked: bool = False


@dataclass(frozen=True)
class GroupState:
    code: str
    description: str
    members: tuple[SubsystemId, ...] = ()


@dataclass(frozen=True)
class RegistryState:
    """Everything the registry holds, revoked things included."""

    instance: str
    members: Sequence[MemberState] = ()
    subsystems: Sequence[SubsystemState] = ()
    servers: Sequence[ServerState] = ()
    groups: Sequence[GroupState] = ()


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second (``2026-11-21T09:00:00Z``)."""
    if moment.utcoffset() is None:
        raise ValueError("the time must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(state: RegistryState, now: datetime) -> dict[str, Any]:
    """The configuration payload (a JSON object) generated at ``now``; sorted, so the same
    state at the same second gives the same document."""
    if now.utcoffset() is None:
        raise ValueError("the time must be timezone-aware")
    generated = now.astimezone(UTC).replace(microsecond=0)
    active_members = {m.id: m for m in state.members if not m.revoked}
    active_subsystems = {
        s.id for s in state.subsystems if not s.revoked and s.id.member in active_members
    }
    servers = [s for s in state.servers if not s.revoked and s.id.owner in active_members]
    return {
        "version": FORMAT_VERSION,
        "instance": state.instance,
        "generated_at": timestamp(generated),
        "expires_at": timestamp(generated + LIFETIME),
        "members": [
            {"id": str(m.id), "class": m.id.member_class, "code": m.id.member_code, "name": m.name}
            for m in sorted(active_members.values(), key=lambda m: m.id)
        ],
        "subsystems": [
            {"id": str(s), "member": str(s.member), "code": s.subsystem_code}
            for s in sorted(active_subsystems)
        ],
        "security_servers": [
            {
                "id": str(s.id),
                "owner": str(s.id.owner),
                "code": s.id.server_code,
                "address": s.address,
                "tls_fingerprint": s.tls_fingerprint,
                "signing_fingerprint": s.signing_fingerprint,
                "clients": sorted({str(c) for c in s.clients if c in active_subsystems}),
            }
            for s in sorted(servers, key=lambda s: s.id)
        ],
        "groups": [
            {
                "code": g.code,
                "description": g.description,
                "members": sorted({str(m) for m in g.members if m in active_subsystems}),
            }
            for g in sorted(state.groups, key=lambda g: g.code)
        ],
    }
