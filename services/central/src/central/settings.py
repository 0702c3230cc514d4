"""Settings of central (environment prefix ``CENTRAL_``)."""

from typing import ClassVar

from pydantic import Field, SecretStr, field_validator

from central.domain.errors import RegistryError
from central.domain.identifiers import ServerId, check_address, check_identifier
from govkit.config import ServiceSettings


class CentralSettings(ServiceSettings):
    service_name: ClassVar[str] = "central"
    env_prefix: ClassVar[str] = "CENTRAL_"

    #: The exchange instance this registry serves (X-Road's ``xRoadInstance``).
    exchange_instance: str = "JP-KIT"
    #: The admin API's bearer token. Unset (the usual case), `kit prepare central` makes one in
    #: ``<data_dir>/admin_token`` (0600) and the API reads it from there.
    admin_token: SecretStr | None = Field(default=None, repr=False)
    #: SS-to-SS addresses of the seeded security servers, comma-separated
    #: ``CLASS/CODE/SERVERCODE=host:port`` pairs (e.g. ``GOV/DA/ss-da=localhost:8200``).
    #: Servers not listed are seeded without an address until they report one.
    security_server_addresses: str = ""

    @field_validator("exchange_instance")
    @classmethod
    def _instance(cls, value: str) -> str:
        try:
            return check_identifier(value, "instance")
        except RegistryError as exc:
            raise ValueError(exc.message) from None

    @field_validator("security_server_addresses")
    @classmethod
    def _addresses(cls, value: str) -> str:
        parse_addresses(value)
        return value

    @property
    def server_addresses(self) -> dict[ServerId, str]:
        return parse_addresses(self.security_server_addresses)


def parse_addresses(text: str) -> dict[ServerId, str]:
    """``"GOV/DA/ss-da=localhost:8200, …"`` → ``{ServerId(…): "localhost:8200"}``."""
    addresses: dict[ServerId, str] = {}
    for pair in filter(None, (item.strip() for item in text.split(","))):
        server, sep, address = pair.partition("=")
        if not sep:
            raise ValueError(f"{pair!r} is not CLASS/CODE/SERVERCODE=host:port")
        try:
            addresses[ServerId.parse(server.strip())] = check_address(address.strip())
        except RegistryError as exc:
            raise ValueError(exc.message) from None
    return addresses
