"""Settings of a security server (environment prefix ``SECURITYSERVER_``).

One process runs per exchange member; ``kit.toml`` gives each its ``SECURITYSERVER_MEMBER``.
"""

import re
from typing import ClassVar

from pydantic import field_validator

from govkit.config import ServiceSettings

_IDENTIFIER = re.compile(r"^[A-Za-z0-9_-]+$")


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
        if not _IDENTIFIER.match(value):
            raise ValueError("letters, digits, '-' and '_' only")
        return value

    @field_validator("member")
    @classmethod
    def _member(cls, value: str) -> str:
        parts = value.split("/")
        if len(parts) != 2 or not all(_IDENTIFIER.match(p) for p in parts):
            raise ValueError("must be CLASS/CODE, e.g. GOV/LG-139998")
        return value
