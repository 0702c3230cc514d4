"""Settings of residence (environment prefix ``RESIDENCE_``)."""

from typing import ClassVar

from pydantic import Field

from govkit.config import ServiceSettings


class ResidenceSettings(ServiceSettings):
    service_name: ClassVar[str] = "residence"
    env_prefix: ClassVar[str] = "RESIDENCE_"
    #: The seal from trust's RA; its sign-in client; residents' exchange pseudonyms.
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset(
        {
            "trust_ra_token",
            "idp_registration_token",
            "exchange_pseudonym_key",
        }
    )

    #: The exchange member whose seal signs the city's certificates (Sakuragi City).
    seal_holder: str = "GOV/LG-139998"
    #: The fee per copy in yen when the city's ordinance differs from the dated rule in
    #: ``residence.domain.fees`` (``None``: the rule's fee for the day).
    certificate_fee_yen: int | None = Field(default=None, ge=0, le=10_000)
    #: How many copies one request may ask for.
    max_copies: int = Field(default=5, ge=1, le=20)
    #: Test-only endpoints (issuing backdated copies); never on outside the test suite.
    testing_endpoints: bool = False
