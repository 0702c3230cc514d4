"""Typed, validated, frozen settings for every service.

Each service subclasses :class:`ServiceSettings`, names its ``env_prefix`` (``RESIDENCE_``) and
adds its own fields. Settings are built explicitly from a mapping of environment variables by
:meth:`ServiceSettings.from_env`; nothing here reads ``os.environ`` at import time.

Lookup order for a field ``database_url`` of a service with prefix ``RESIDENCE_``:

1. ``RESIDENCE_DATABASE_URL``
2. ``KIT_DATABASE_URL`` — only for kit-wide fields (see ``SERVICE_ONLY_FIELDS``); the database, the
   data directory and the secret key are never shared between services.
3. the field's default.

Outside ``development`` a secret that is missing, short or a well-known placeholder stops
start-up with a message that says which variable to set and how.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

Environment = Literal["development", "test", "production"]

#: Values that are never acceptable as a secret outside development.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "changethis",
        "change-me",
        "secret",
        "dev",
        "development",
        "placeholder",
        "password",
        "xxx",
        "todo",
        "test",
        "insecure",
    }
)
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """Settings could not be built; the message names the variable to fix."""


class ServiceSettings(BaseModel):
    """Settings shared by every Madoguchi service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Service name, e.g. ``"residence"``. Set by each subclass.
    service_name: ClassVar[str] = "service"
    #: Environment variable prefix, e.g. ``"RESIDENCE_"``. Set by each subclass.
    env_prefix: ClassVar[str] = "SERVICE_"
    #: Fields never read from a ``KIT_`` variable: each service has its own.
    SERVICE_ONLY_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"secret_key", "database_url", "data_dir", "public_url"}
    )

    environment: Environment = "production"
    secret_key: SecretStr = Field(default=SecretStr("changeme"), repr=False)
    data_dir: Path = Path("var")
    database_url: str = ""
    public_url: str = "http://localhost:8000"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: The kit clock. ``None`` means the real date in Japan.
    today: date | None = None
    #: Largest request body accepted, in bytes (uploads above it get 413).
    max_content_length: int = 10 * 1024 * 1024

    # Where the other parts of the kit live (browser-facing URLs).
    portal_url: str = "http://localhost:8000"
    idp_url: str = "http://localhost:8001"
    trust_url: str = "http://localhost:8002"
    central_url: str = "http://localhost:8003"
    residence_url: str = "http://localhost:8011"
    childcare_url: str = "http://localhost:8012"
    company_url: str = "http://localhost:8013"
    pension_url: str = "http://localhost:8014"

    @field_validator(
        "public_url",
        "portal_url",
        "idp_url",
        "trust_url",
        "central_url",
        "residence_url",
        "childcare_url",
        "company_url",
        "pension_url",
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.database_url:
            path = (self.data_dir / f"{self.service_name}.sqlite3").resolve()
            object.__setattr__(self, "database_url", f"sqlite:///{path}")
        if self.environment != "development":
            secret = self.secret_key.get_secret_value()
            if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"{self.env_prefix}SECRET_KEY is missing, a placeholder or shorter than "
                    f"{MIN_SECRET_LENGTH} characters. Set it to a random value, for example the "
                    "output of: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'. "
                    "(Placeholders are only allowed with "
                    f"{self.env_prefix}ENVIRONMENT=development.)"
                )
        return self

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def env_names(cls, field: str) -> tuple[str, ...]:
        """The environment variables that can set ``field``, most specific first."""
        own = f"{cls.env_prefix}{field.upper()}"
        if field in cls.SERVICE_ONLY_FIELDS:
            return (own,)
        return (own, f"KIT_{field.upper()}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Build settings from ``environ`` (default: the process environment) plus overrides.

        Raises :class:`SettingsError` with one line per problem, naming the variables.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            for var in cls.env_names(name):
                if var in env and env[var] != "":
                    values[name] = env[var]
                    break
        values.update(overrides)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise SettingsError(cls._explain(exc)) from None

    @classmethod
    def _explain(cls, exc: ValidationError) -> str:
        lines = [f"invalid settings for {cls.service_name}:"]
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            message = error["msg"].removeprefix("Value error, ")
            if field in cls.model_fields:
                lines.append(f"  {' or '.join(cls.env_names(field))}: {message}")
            else:
                lines.append(f"  {message}")
        return "\n".join(lines)

    # -- helpers ------------------------------------------------------------------------------

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def uses_https(self) -> bool:
        return self.public_url.startswith("https://")

    def service_url(self, name: str) -> str:
        """Browser-facing base URL of another kit service, e.g. ``service_url("idp")``."""
        value = getattr(self, f"{name}_url", None)
        if not isinstance(value, str):
            raise KeyError(f"no URL setting for service {name!r}")
        return value
