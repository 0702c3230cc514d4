"""Settings of residence (environment prefix ``RESIDENCE_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class ResidenceSettings(ServiceSettings):
    service_name: ClassVar[str] = "residence"
    env_prefix: ClassVar[str] = "RESIDENCE_"
