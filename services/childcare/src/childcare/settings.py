"""Settings of childcare (environment prefix ``CHILDCARE_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class ChildcareSettings(ServiceSettings):
    service_name: ClassVar[str] = "childcare"
    env_prefix: ClassVar[str] = "CHILDCARE_"
