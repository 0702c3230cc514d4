"""Settings of the portal (environment prefix ``PORTAL_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class PortalSettings(ServiceSettings):
    service_name: ClassVar[str] = "portal"
    env_prefix: ClassVar[str] = "PORTAL_"
