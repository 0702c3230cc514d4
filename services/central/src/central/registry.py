"""The registry's use cases: one function per intent, each owning its transaction.

Each takes the session and ``now`` as keyword arguments, validates with the pure rules of
``central.domain``, writes through ``central.repository`` (which never commits) and commits
once; on any error nothing is written (the caller's session is rolled back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from central import repository
from central.domain.errors import AlreadyRevoked, Duplicate, Unknown
from central.domain.identifiers import (
    MemberId,
    ServerId,
    SubsystemId,
    check_description,
    check_identifier,
    check_name,
    check_reason,
)
from central.domain.registration import (
    ServerDetails,
    ensure_changes,
    ensure_not_revoked,
    ensure_tls_fingerprint_free,
)
from central.models import (
    GlobalGroup,
    GroupMember,
    HostedClient,
    Instance,
    Member,
    SecurityServer,
    Subsystem,
)


@contextmanager
def _transaction(session: Session, duplicate: Callable[[], str]) -> Iterator[None]:
    """Commit at the end, roll back on error; a unique-constraint race becomes a Duplicate."""
    try:
        yield
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Duplicate(duplicate()) from None
    except BaseException:
        session.rollback()
        raise


def ensure_instance(code: str, *, session: Session, now: datetime) -> bool:
    """Record the exchange instance once; True if it was new."""
    check_identifier(code, "instance")
    with _transaction(session, lambda: f"instance {code} is set already"):
        existing = repository.find_instance(session=session)
        if existing is not None:
            if existing.code != code:
                raise Duplicate(f"this registry is for instance {existing.code}, not {code}")
            return False
        repository.save(Instance(code=code, created_at=now), session=session)
    return True


def register_member(member: MemberId, name: object, *, session: Session, now: datetime) -> Member:
    clean_name = check_name(name)
    with _transaction(session, lambda: f"member {member} is registered already"):
        if repository.find_member(member, session=session) is not None:
            raise Duplicate(f"member {member} is registered already")
        row = repository.save(
            Member(
                member_class=member.member_class,
                member_code=member.member_code,
                name=clean_name,
                created_at=now,
            ),
            session=session,
        )
    return row


def register_subsystem(subsystem: SubsystemId, *, session: Session, now: datetime) -> Subsystem:
    with _transaction(session, lambda: f"subsystem {subsystem} is registered already"):
        member = repository.get_member(subsystem.member, session=session)
        ensure_not_revoked("member", subsystem.member, member.revoked_at is not None)
        if repository.find_subsystem(subsystem, session=session) is not None:
            raise Duplicate(f"subsystem {subsystem} is registered already")
        row = _new_subsystem(member, subsystem, session=session, now=now)
    return row


def register_server(
    server: ServerId,
    details: ServerDetails = ServerDetails(),  # noqa: B008 - frozen, immutable default
    *,
    session: Session,
    now: datetime,
) -> SecurityServer:
    with _transaction(session, lambda: f"security server {server} is registered already"):
        owner = repository.get_member(server.owner, session=session)
        ensure_not_revoked("member", server.owner, owner.revoked_at is not None)
        if repository.find_server(server, session=session) is not None:
            raise Duplicate(f"security server {server} is registered already")
        row = _new_server(owner, server, details, session=session, now=now)
    return row


def update_server(
    server: ServerId, details: ServerDetails, *, session: Session, now: datetime
) -> SecurityServer:
    """Set a server's address and/or certificate fingerprints (the fields given; others kept)."""
    ensure_changes(details)
    with _transaction(session, lambda: f"security server {server} changed concurrently"):
        owner, row = repository.get_server(server, session=session)
        ensure_not_revoked("member", server.owner, owner.revoked_at is not None)
        ensure_not_revoked("security server", server, row.revoked_at is not None)
        _change_server(row, server, details, session=session, now=now)
    return row


@dataclass(frozen=True)
class Report:
    """What central made of a security server's report about itself."""

    server: SecurityServer
    #: The server was not registered before (approved automatically).
    new_server: bool
    #: The reported subsystems the server hosts now, and those it hosts since this report.
    hosted: tuple[SubsystemId, ...]
    added: tuple[SubsystemId, ...]
    #: Reported subsystems it does not host, each with the reason.
    refused: tuple[tuple[SubsystemId, str], ...]


def accept_report(
    server: ServerId,
    details: ServerDetails,
    clients: Sequence[str] = (),
    *,
    approve_servers: bool,
    approve_clients: bool,
    session: Session,
    now: datetime,
) -> Report:
    """A security server reports its address, certificates and the subsystems of its owner it
    hosts (its authentication-certificate and client registration requests, in X-Road's words).

    With ``approve_servers`` an unknown server of a registered member is registered (X-Road's
    ``auto-approve-auth-cert-reg-requests``); with ``approve_clients`` an unknown subsystem is
    registered and hosted (``auto-approve-client-reg-requests``). Without them only what an
    operator registered is accepted. Nothing revoked comes back: a revoked subsystem is refused
    with the reason, a revoked member or server refuses the whole report.
    """
    wanted = [SubsystemId(server.owner, check_identifier(c, "subsystem code")) for c in clients]
    with _transaction(session, lambda: f"security server {server} changed concurrently"):
        owner = repository.get_member(server.owner, session=session)
        ensure_not_revoked("member", server.owner, owner.revoked_at is not None)
        found = repository.find_server(server, session=session)
        if found is None and not approve_servers:
            raise Unknown(f"security server {server} is not registered")
        if found is None:
            row = _new_server(owner, server, details, session=session, now=now)
        else:
            row = found[1]
            ensure_not_revoked("security server", server, row.revoked_at is not None)
            if (row.address, row.tls_fingerprint, row.signing_fingerprint) != (
                details.address,
                details.tls_fingerprint,
                details.signing_fingerprint,
            ):
                _change_server(row, server, details, session=session, now=now)
        hosted: list[SubsystemId] = []
        added: list[SubsystemId] = []
        refused: list[tuple[SubsystemId, str]] = []
        for subsystem in dict.fromkeys(wanted):
            new, refusal = _host(row, owner, subsystem, approve_clients, session=session, now=now)
            if refusal is not None:
                refused.append((subsystem, refusal))
                continue
            hosted.append(subsystem)
            if new:
                added.append(subsystem)
    return Report(row, found is None, tuple(hosted), tuple(added), tuple(refused))


def _host(
    server: SecurityServer,
    owner: Member,
    subsystem: SubsystemId,
    approve: bool,
    *,
    session: Session,
    now: datetime,
) -> tuple[bool, str | None]:
    """Host ``subsystem`` on ``server`` if allowed: (whether that is new, why not or None)."""
    found = repository.find_subsystem(subsystem, session=session)
    if found is None and not approve:
        return False, "not registered at central"
    if found is None:
        row = _new_subsystem(owner, subsystem, session=session, now=now)
    else:
        row = found[1]
        if row.revoked_at is not None:
            return False, f"revoked ({row.revoked_reason})"
    assert server.id is not None
    assert row.id is not None
    if repository.find_hosted_client(server.id, row.id, session=session) is not None:
        return False, None
    if not approve:
        return False, "not a client of this server at central"
    _new_hosting(server, row, session=session, now=now)
    return True, None


def _new_subsystem(
    member: Member, subsystem: SubsystemId, *, session: Session, now: datetime
) -> Subsystem:
    assert member.id is not None
    return repository.save(
        Subsystem(member_id=member.id, code=subsystem.subsystem_code, created_at=now),
        session=session,
    )


def _new_hosting(
    server: SecurityServer, subsystem: Subsystem, *, session: Session, now: datetime
) -> HostedClient:
    assert server.id is not None
    assert subsystem.id is not None
    return repository.save(
        HostedClient(server_id=server.id, subsystem_id=subsystem.id, created_at=now),
        session=session,
    )


def _new_server(
    owner: Member, server: ServerId, details: ServerDetails, *, session: Session, now: datetime
) -> SecurityServer:
    _check_tls_fingerprint(server, details, session=session)
    assert owner.id is not None
    return repository.save(
        SecurityServer(
            owner_id=owner.id,
            server_code=server.server_code,
            address=details.address,
            tls_fingerprint=details.tls_fingerprint,
            signing_fingerprint=details.signing_fingerprint,
            created_at=now,
            updated_at=now,
        ),
        session=session,
    )


def _change_server(
    row: SecurityServer,
    server: ServerId,
    details: ServerDetails,
    *,
    session: Session,
    now: datetime,
) -> None:
    _check_tls_fingerprint(server, details, session=session)
    if details.address is not None:
        row.address = details.address
    if details.tls_fingerprint is not None:
        row.tls_fingerprint = details.tls_fingerprint
    if details.signing_fingerprint is not None:
        row.signing_fingerprint = details.signing_fingerprint
    row.updated_at = now
    repository.save(row, session=session)


def _check_tls_fingerprint(server: ServerId, details: ServerDetails, *, session: Session) -> None:
    if details.tls_fingerprint is None:
        return
    holder = repository.find_active_server_with_tls_fingerprint(
        details.tls_fingerprint, session=session
    )
    ensure_tls_fingerprint_free(details.tls_fingerprint, server, holder)


def add_client(
    server: ServerId, client: SubsystemId, *, session: Session, now: datetime
) -> HostedClient:
    """Let ``server`` host ``client`` (the subsystem's traffic goes through that server)."""
    with _transaction(session, lambda: f"{server} hosts {client} already"):
        owner, row = repository.get_server(server, session=session)
        ensure_not_revoked("member", server.owner, owner.revoked_at is not None)
        ensure_not_revoked("security server", server, row.revoked_at is not None)
        member, subsystem = repository.get_subsystem(client, session=session)
        ensure_not_revoked("member", client.member, member.revoked_at is not None)
        ensure_not_revoked("subsystem", client, subsystem.revoked_at is not None)
        assert row.id is not None
        assert subsystem.id is not None
        if repository.find_hosted_client(row.id, subsystem.id, session=session) is not None:
            raise Duplicate(f"{server} hosts {client} already")
        hosted = _new_hosting(row, subsystem, session=session, now=now)
    return hosted


def create_group(code: str, description: object, *, session: Session, now: datetime) -> GlobalGroup:
    check_identifier(code, "group code")
    clean = check_description(description)
    with _transaction(session, lambda: f"global group {code} exists already"):
        if repository.find_group(code, session=session) is not None:
            raise Duplicate(f"global group {code} exists already")
        row = repository.save(
            GlobalGroup(code=code, description=clean, created_at=now), session=session
        )
    return row


def add_group_member(
    code: str, subsystem: SubsystemId, *, session: Session, now: datetime
) -> GroupMember:
    check_identifier(code, "group code")
    with _transaction(session, lambda: f"{subsystem} is in group {code} already"):
        group = repository.get_group(code, session=session)
        member, row = repository.get_subsystem(subsystem, session=session)
        ensure_not_revoked("member", subsystem.member, member.revoked_at is not None)
        ensure_not_revoked("subsystem", subsystem, row.revoked_at is not None)
        assert group.id is not None
        assert row.id is not None
        if repository.find_group_member(group.id, row.id, session=session) is not None:
            raise Duplicate(f"{subsystem} is in group {code} already")
        entry = repository.save(
            GroupMember(group_id=group.id, subsystem_id=row.id, created_at=now), session=session
        )
    return entry


@dataclass(frozen=True)
class Revocation:
    what: str
    identifier: str
    revoked_at: datetime
    reason: str


def revoke_member(
    member: MemberId, reason: object, *, session: Session, now: datetime
) -> Revocation:
    """Revoke a member: it, its subsystems and its servers leave the configuration."""
    clean = check_reason(reason)
    with _transaction(session, lambda: f"member {member} changed concurrently"):
        row = repository.get_member(member, session=session)
        _revoke(row, "member", str(member), clean, now)
        repository.save(row, session=session)
    return Revocation("member", str(member), now, clean)


def revoke_subsystem(
    subsystem: SubsystemId, reason: object, *, session: Session, now: datetime
) -> Revocation:
    clean = check_reason(reason)
    with _transaction(session, lambda: f"subsystem {subsystem} changed concurrently"):
        _member, row = repository.get_subsystem(subsystem, session=session)
        _revoke(row, "subsystem", str(subsystem), clean, now)
        repository.save(row, session=session)
    return Revocation("subsystem", str(subsystem), now, clean)


def revoke_server(
    server: ServerId, reason: object, *, session: Session, now: datetime
) -> Revocation:
    """Revoke a security server (a compromised key, say): peers stop trusting it as soon as
    they load the next configuration."""
    clean = check_reason(reason)
    with _transaction(session, lambda: f"security server {server} changed concurrently"):
        _owner, row = repository.get_server(server, session=session)
        _revoke(row, "security server", str(server), clean, now)
        repository.save(row, session=session)
    return Revocation("security server", str(server), now, clean)


def _revoke(
    row: Member | Subsystem | SecurityServer, what: str, identifier: str, reason: str, now: datetime
) -> None:
    if row.revoked_at is not None:
        raise AlreadyRevoked(f"{what} {identifier} was revoked already")
    row.revoked_at = now
    row.revoked_reason = reason
