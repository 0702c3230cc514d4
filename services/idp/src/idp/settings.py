"""Settings of idp (environment prefix ``IDP_``)."""

from typing import ClassVar

from govkit.config import ServiceSettings


class IdpSettings(ServiceSettings):
    service_name: ClassVar[str] = "idp"
    env_prefix: ClassVar[str] = "IDP_"
