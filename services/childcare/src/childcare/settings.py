"""Settings of childcare (environment prefix ``CHILDCARE_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class ChildcareSettings(ServiceSettings):
    service_name: ClassVar[str] = "childcare"
    env_prefix: ClassVar[str] = "CHILDCARE_"
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset({"idp_registration_token"})
