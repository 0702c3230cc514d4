"""Settings of trust (environment prefix ``TRUST_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class TrustSettings(ServiceSettings):
    service_name: ClassVar[str] = "trust"
    env_prefix: ClassVar[str] = "TRUST_"
