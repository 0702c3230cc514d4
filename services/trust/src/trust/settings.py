"""Settings of the trust service (environment prefix ``TRUST_``)."""

from typing import ClassVar

from pydantic import Field

from govkit.config import ServiceSettings


class TrustSettings(ServiceSettings):
    service_name: ClassVar[str] = "trust"
    env_prefix: ClassVar[str] = "TRUST_"
    #: Checks the requests of its registration authority.
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset({"trust_ra_token"})
    REQUIRED_SECRETS: ClassVar[tuple[str, ...]] = ("secret_key", "trust_ra_token")

    #: How long an OCSP response may be relied on.
    ocsp_validity_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    #: How long a CRL may be relied on (its nextUpdate).
    crl_validity_hours: int = Field(default=24, ge=1, le=24 * 30)
    #: Lifetime of an agency's seal certificate.
    seal_validity_days: int = Field(default=730, ge=1, le=3650)
