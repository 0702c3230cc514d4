"""Settings of central (environment prefix ``CENTRAL_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class CentralSettings(ServiceSettings):
    service_name: ClassVar[str] = "central"
    env_prefix: ClassVar[str] = "CENTRAL_"
