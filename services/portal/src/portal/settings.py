"""Settings of the portal (environment prefix ``PORTAL_``)."""

from typing import ClassVar

from pydantic import Field

from govkit.config import ServiceSettings


class PortalSettings(ServiceSettings):
    service_name: ClassVar[str] = "portal"
    env_prefix: ClassVar[str] = "PORTAL_"
    #: The specimen seal from trust's RA; its sign-in client.
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset(
        {
            "trust_ra_token",
            "idp_registration_token",
        }
    )

    #: The exchange member the portal's specimen seal belongs to (the Digital Agency).
    seal_holder: str = "GOV/DA"
    #: How long a specimen certificate stays valid.
    specimen_validity_days: int = Field(default=90, ge=1, le=3650)
    #: Requests up to a 10 MB PDF plus the form around it (the PDF itself is capped at 10 MB).
    max_content_length: int = 10 * 1024 * 1024 + 256 * 1024
    #: Test-only endpoints (seeding backdated specimens); never on outside the test suite.
    testing_endpoints: bool = False
