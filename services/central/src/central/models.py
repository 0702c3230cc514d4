"""central's tables, on its own SQLModel registry.

Nothing is ever deleted: a revoked member, subsystem or security server keeps its row with
``revoked_at`` and the reason, and the global configuration leaves it out. Identifiers are
therefore never reused.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from govkit.db import new_registry


class CentralModel(SQLModel, registry=new_registry()):
    """Base class of every central table."""


class Instance(CentralModel, table=True):
    """The exchange instance (X-Road's ``xRoadInstance``); the kit has one, ``JP-KIT``."""

    __tablename__ = "instance"

    code: str = Field(primary_key=True, max_length=64)
    created_at: datetime


class Member(CentralModel, table=True):
    """An organisation of the exchange: class + code (``GOV/LG-139998``)."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("member_class", "member_code"),)

    id: int | None = Field(default=None, primary_key=True)
    member_class: str = Field(max_length=64)
    member_code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)


class Subsystem(CentralModel, table=True):
    """A member's unit that consumes and provides services (``GOV/LG-139998/residence``)."""

    __tablename__ = "subsystem"
    __table_args__ = (UniqueConstraint("member_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    code: str = Field(max_length=64)
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)


class SecurityServer(CentralModel, table=True):
    """A member's security server: its SS-to-SS address and its certificates' SHA-256
    fingerprints, unknown (``None``) until the server reports them."""

    __tablename__ = "security_server"
    __table_args__ = (UniqueConstraint("owner_id", "server_code"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="member.id", index=True)
    server_code: str = Field(max_length=64)
    #: ``host:port`` other security servers connect to (mutual TLS).
    address: str | None = Field(default=None, max_length=300)
    tls_fingerprint: str | None = Field(default=None, max_length=64, index=True)
    signing_fingerprint: str | None = Field(default=None, max_length=64)
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)


class HostedClient(CentralModel, table=True):
    """A subsystem that a security server serves (a subsystem may have several servers)."""

    __tablename__ = "hosted_client"

    server_id: int = Field(foreign_key="security_server.id", primary_key=True)
    subsystem_id: int = Field(foreign_key="subsystem.id", primary_key=True, index=True)
    created_at: datetime


class GlobalGroup(CentralModel, table=True):
    """A named set of subsystems that access rights can be granted to."""

    __tablename__ = "global_group"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    description: str = Field(max_length=500)
    created_at: datetime


class GroupMember(CentralModel, table=True):
    __tablename__ = "group_member"

    group_id: int = Field(foreign_key="global_group.id", primary_key=True)
    subsystem_id: int = Field(foreign_key="subsystem.id", primary_key=True, index=True)
    created_at: datetime
