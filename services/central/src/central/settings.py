"""Settings of central (environment prefix ``CENTRAL_``)."""

from typing import ClassVar

from pydantic import Field, SecretStr, field_validator

from central.domain.errors import RegistryError
from central.domain.identifiers import check_identifier
from govkit.config import ServiceSettings


class CentralSettings(ServiceSettings):
    service_name: ClassVar[str] = "central"
    env_prefix: ClassVar[str] = "CENTRAL_"
    #: Checks security servers' reports about themselves.
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset({"exchange_registration_token"})

    #: The exchange instance this registry serves (X-Road's ``xRoadInstance``).
    exchange_instance: str = "JP-KIT"
    #: The admin API's bearer token. Unset (the usual case), `kit prepare central` makes one in
    #: ``<data_dir>/admin_token`` (0600) and the API reads it from there.
    admin_token: SecretStr | None = Field(default=None, repr=False)
    #: A security server of a registered member that reports itself with the exchange
    #: registration token is registered without an operator (X-Road's
    #: ``auto-approve-auth-cert-reg-requests``); false: only servers registered through the
    #: admin API may report.
    auto_approve_servers: bool = True
    #: The subsystems a security server reports as its clients are registered and hosted without
    #: an operator (X-Road's ``auto-approve-client-reg-requests``); false: only those registered
    #: and hosted through the admin API.
    auto_approve_clients: bool = True

    @field_validator("exchange_instance")
    @classmethod
    def _instance(cls, value: str) -> str:
        try:
            return check_identifier(value, "instance")
        except RegistryError as exc:
            raise ValueError(exc.message) from None
