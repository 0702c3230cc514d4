"""Settings of company (environment prefix ``COMPANY_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class CompanySettings(ServiceSettings):
    service_name: ClassVar[str] = "company"
    env_prefix: ClassVar[str] = "COMPANY_"
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset({"idp_registration_token"})
