"""Settings of a security server (environment prefix ``SECURITYSERVER_``).

One process runs per exchange member; ``kit.toml`` gives each its ``SECURITYSERVER_MEMBER``.
"""

from typing import ClassVar

from pydantic import field_validator

from govkit.config import ServiceSettings
from securityserver.protocol.identifiers import identifier_problem


class SecurityServerSettings(ServiceSettings):
    service_name: ClassVar[str] = "securityserver"
    env_prefix: ClassVar[str] = "SECURITYSERVER_"

    #: The exchange instance (X-Road's ``xRoadInstance``).
    exchange_instance: str = "JP-KIT"
    #: The member this server belongs to, ``CLASS/CODE`` (e.g. ``GOV/LG-139998``).
    member: str

    @field_validator("exchange_instance")
    @classmethod
    def _instance(cls, value: str) -> str:
        problem = identifier_problem(value)
        if problem is not None:
            raise ValueError(f"the instance {problem}")
        return value

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
