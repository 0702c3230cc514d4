"""Settings of a security server (environment prefix ``SECURITYSERVER_``).

One process runs per exchange member; ``kit.toml`` gives each its ``SECURITYSERVER_MEMBER``.
"""

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from govkit.config import ServiceSettings
from securityserver.messagelog.chain import DEFAULT_MAX_BODY_BYTES
from securityserver.protocol.identifiers import identifier_problem


class SecurityServerSettings(ServiceSettings):
    service_name: ClassVar[str] = "securityserver"
    env_prefix: ClassVar[str] = "SECURITYSERVER_"
    #: TLS and signing certificates from trust's RA; its report to central.
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset(
        {
            "trust_ra_token",
            "exchange_registration_token",
        }
    )

    #: The exchange instance (X-Road's ``xRoadInstance``).
    exchange_instance: str = "JP-KIT"
    #: The member this server belongs to, ``CLASS/CODE`` (e.g. ``GOV/LG-139998``).
    member: str
    #: This server's code at central (``GOV/DA/ss-da`` → ``ss-da``); kit.toml sets it.
    server_code: str = "ss"
    #: The SS-to-SS mutual-TLS port (gunicorn binds it; `make up` sets it). None: this server
    #: only consumes and cannot be reached by other security servers.
    tls_port: int | None = Field(default=None, ge=1, le=65535)
    #: The ``host:port`` other security servers reach the TLS port at, when it is not
    #: ``<host of public_url>:<tls_port>`` (containers: ``ss-da:8200``).
    advertised_address: str | None = None
    #: The services this server offers and their access rights (TOML, see
    #: securityserver.catalogue); default the packaged ``catalogues/<CLASS>-<CODE>.toml``.
    catalogue: Path | None = None
    #: The subsystems of this server's member whose information systems use it, comma-separated
    #: ``INSTANCE/CLASS/CODE/SUBSYSTEM`` (`make up` lists every kit.toml service naming this
    #: instance as its ``security_server``). The server reports them to central as its clients.
    hosted_clients: str = ""
    #: Sent with every request forwarded to the member's information systems (and every
    #: OpenAPI fetch), which refuse requests without it (``govkit.exchange.provider``); `make
    #: up` shares one per server with the services behind it (their ``SECURITY_SERVER_TOKEN``).
    information_system_token: SecretStr | None = Field(default=None, repr=False)
    #: Maintenance mode: the health endpoint answers 503 (load balancers stop sending).
    maintenance: bool = False
    #: The most a provider's information system may keep a call waiting when its catalogue
    #: entry says nothing (seconds); also the SS-to-SS read timeout is this plus a margin.
    exchange_timeout: float = Field(default=30.0, gt=0, le=300)

    # The message log (xroad.md §3.7; see securityserver.messagelog).
    #: ``max-loggable-message-body-size``: larger bodies are refused, never logged.
    messagelog_max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=0)
    #: Seal as soon as this many records wait; also the most one seal covers.
    messagelog_seal_every_records: int = Field(default=10_000, ge=1)
    #: Seal when the oldest unsealed record has waited this long (seconds).
    messagelog_seal_every_seconds: float = Field(default=60.0, ge=0)
    #: Write the sealed records to a new archive in ``<data dir>/archives`` this often
    #: (seconds; X-Road's ``archive-interval`` is 6 hours); 0 leaves archiving to
    #: ``python -m securityserver.messagelog archive``.
    messagelog_archive_every_seconds: float = Field(default=21_600.0, ge=0)
    #: Archived records stay in the database this many days, then are removed
    #: (X-Road's ``keep-records-for``); records not archived yet are never removed.
    messagelog_keep_records_days: float = Field(default=30.0, gt=0)
    #: Operational monitoring records are kept this many days (X-Road's op-monitor: 7).
    opmon_keep_records_days: float = Field(default=7.0, gt=0)

    @field_validator("exchange_instance", "server_code")
    @classmethod
    def _instance(cls, value: str) -> str:
        problem = identifier_problem(value)
        if problem is not None:
            raise ValueError(f"the identifier {problem}")
        return value

    @field_validator("hosted_clients")
    @classmethod
    def _hosted_clients(cls, value: str, info: ValidationInfo) -> str:
        if {"exchange_instance", "member"} <= info.data.keys():  # else their own errors show
            client_codes(value, f"{info.data['exchange_instance']}/{info.data['member']}")
        return value

    @property
    def client_codes(self) -> tuple[str, ...]:
        """The subsystem codes of ``hosted_clients``, in order, each once."""
        return client_codes(self.hosted_clients, f"{self.exchange_instance}/{self.member}")

    @field_validator("member")
    @classmethod
    def _member(cls, value: str) -> str:
        parts = value.split("/")
        if len(parts) != 2:
            raise ValueError("must be CLASS/CODE, e.g. GOV/LG-139998")
        for field, part in zip(("member class", "member code"), parts, strict=True):
            problem = identifier_problem(part)
            if problem is not None:
                raise ValueError(f"the {field} {problem}")
        return value


def client_codes(text: str, member: str) -> tuple[str, ...]:
    """``"JP-KIT/GOV/DA/portal, …"`` of ``member`` ``"JP-KIT/GOV/DA"`` → ``("portal", …)``."""
    codes: dict[str, None] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        code = item.removeprefix(f"{member}/")
        if code == item or "/" in code:
            raise ValueError(f"{item!r} is not a subsystem of {member}")
        problem = identifier_problem(code)
        if problem is not None:
            raise ValueError(f"in {item!r} the subsystem code {problem}")
        codes[code] = None
    return tuple(codes)
