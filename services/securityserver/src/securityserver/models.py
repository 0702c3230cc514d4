"""securityserver's tables, on its own SQLModel registry (see migrations/)."""

from datetime import datetime

from sqlmodel import BigInteger, Column, Field, LargeBinary, SQLModel, Text

from govkit.db import new_registry


class SecurityServerModel(SQLModel, registry=new_registry()):
    """Base class of every securityserver table."""


class MessageLogRecord(SecurityServerModel, table=True):
    """One logged message (xroad.md §3.7 ``logrecord``), hash-chained to the one before it.

    ``number`` is the record's place in the chain (1, 2, …), handed out under the head row's
    lock; ``hash`` covers every other column but ``seal_number`` (see messagelog/chain.py).
    """

    __tablename__ = "messagelog_record"

    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    x_road_id: str = Field(index=True, max_length=255)
    request_id: str = Field(index=True, max_length=64)
    side: str = Field(max_length=10)  # consumer | provider
    direction: str = Field(max_length=10)  # request | response
    client: str = Field(max_length=300)
    service: str = Field(max_length=400)
    logged_at: datetime = Field(index=True)
    header: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signature: str = Field(sa_type=Text)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(unique=True, max_length=64)
    #: The seal that covers the record, once sealed.
    seal_number: int | None = Field(default=None, index=True)


class MessageLogHead(SecurityServerModel, table=True):
    """The one row (``id`` 1) every append locks: the chain head, and how far sealing and
    archiving have got."""

    __tablename__ = "messagelog_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = 0
    last_hash: str = Field(max_length=64)
    last_sealed_number: int = 0
    last_seal_number: int = 0
    last_archived_number: int = 0
    last_archive_digest: str = Field(max_length=64)
    last_archive_name: str = Field(default="", max_length=255)


class MessageLogSeal(SecurityServerModel, table=True):
    """A batch seal: the Merkle root over records ``first_number``…``last_number`` and the
    TSA's RFC 3161 token over that root."""

    __tablename__ = "messagelog_seal"

    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    first_number: int
    last_number: int
    root: str = Field(max_length=64)
    token: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_at: datetime


class MessageLogSealFailure(SecurityServerModel, table=True):
    """A sealing attempt that failed (the records stay pending and are sealed on a retry)."""

    __tablename__ = "messagelog_seal_failure"

    id: int | None = Field(default=None, primary_key=True)
    attempted_at: datetime = Field(index=True)
    first_number: int
    last_number: int
    error: str = Field(sa_type=Text)


class MessageLogArchive(SecurityServerModel, table=True):
    """An exported archive, and the digest the next archive links to."""

    __tablename__ = "messagelog_archive"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=255)
    first_number: int
    last_number: int
    prev_digest: str = Field(max_length=64)
    digest: str = Field(max_length=64)
    created_at: datetime


class OpMonitoringRecord(SecurityServerModel, table=True):
    """One message as operational monitoring sees it (xroad.md §4.2): one per request per
    server, ``side`` ``Client`` (consumer) or ``Producer`` (provider). Timestamps are Unix
    milliseconds; ``rest_path`` is the service path without the query (which may hold data)."""

    __tablename__ = "opmon_record"

    id: int | None = Field(default=None, primary_key=True)
    side: str = Field(max_length=10)
    x_road_id: str | None = Field(default=None, index=True, max_length=255)
    request_id: str | None = Field(default=None, max_length=64)
    user_id: str | None = Field(default=None, max_length=255)
    issue: str | None = Field(default=None, max_length=255)
    client: str | None = Field(default=None, index=True, max_length=300)
    service: str | None = Field(default=None, max_length=400)
    rest_method: str | None = Field(default=None, max_length=10)
    rest_path: str | None = Field(default=None, max_length=500)
    peer_address: str | None = Field(default=None, max_length=300)
    request_in_ts: int = Field(index=True, sa_type=BigInteger)
    request_out_ts: int | None = Field(default=None, sa_type=BigInteger)
    response_in_ts: int | None = Field(default=None, sa_type=BigInteger)
    response_out_ts: int | None = Field(default=None, sa_type=BigInteger)
    request_size: int | None = None
    response_size: int | None = None
    status_code: int | None = None
    succeeded: bool
    fault_code: str | None = Field(default=None, max_length=200)
    fault_string: str | None = Field(default=None, max_length=1000)
