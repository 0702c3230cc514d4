"""Settings of pension (environment prefix ``PENSION_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class PensionSettings(ServiceSettings):
    service_name: ClassVar[str] = "pension"
    env_prefix: ClassVar[str] = "PENSION_"
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset({"idp_registration_token"})
