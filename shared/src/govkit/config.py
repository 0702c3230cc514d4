"""Typed, validated, frozen settings for every service.

Each service subclasses :class:`ServiceSettings`, names its ``env_prefix`` (``RESIDENCE_``) and
adds its own fields. Settings are built explicitly from a mapping of environment variables by
:meth:`ServiceSettings.from_env`; nothing here reads ``os.environ`` at import time.

Lookup order for a field ``database_url`` of a service with prefix ``RESIDENCE_``:

1. ``RESIDENCE_DATABASE_URL``
2. ``KIT_DATABASE_URL`` — only for kit-wide fields (see ``SERVICE_ONLY_FIELDS``); the database, the
   data directory and the secret key are never shared between services.
3. the field's default.

Services without a URL field of their own (one a forked kit adds, ``library``) are found by
``service_url("library")`` from ``KIT_LIBRARY_URL``, which `kit up` sets for every instance of
kit.toml: every ``KIT_<NAME>_URL`` that names no field and holds an http(s) URL lands in
``service_urls``.

Outside ``development`` a secret that is missing, short or a well-known placeholder stops
start-up with a message that says which variable to set and how.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

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
#: ``KIT_<NAME>_URL``: where the kit service ``<name>`` is (set by `kit up` for every instance).
_KIT_SERVICE_URL = re.compile(r"KIT_([A-Z][A-Z0-9_]*)_URL")


class SettingsError(RuntimeError):
    """Settings could not be built; the message names the variable to fix."""


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url.strip()!r} is not an http(s) origin")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(f"{url.strip()!r} has more than an origin (scheme://host:port)")
    return f"{parts.scheme}://{parts.netloc}"


def parse_routes(text: str) -> dict[str, str]:
    """``"http://localhost:8001=http://idp:8000, …"`` → ``{"http://localhost:8001":
    "http://idp:8000", …}``; ``ValueError`` naming the pair that is wrong."""
    routes: dict[str, str] = {}
    for pair in filter(None, (item.strip() for item in text.split(","))):
        public, sep, internal = pair.partition("=")
        if not sep:
            raise ValueError(f"{pair!r} is not browser-origin=internal-origin")
        routes[_origin(public)] = _origin(internal)
    return routes


#: The secrets `make up` generates once for the whole kit (``var/kit/<name>``) and gives, as
#: ``KIT_<NAME>``, to the services whose settings list them in ``USES_KIT_SECRETS``.
KIT_SECRETS = (
    "trust_ra_token",
    "idp_registration_token",
    "exchange_registration_token",
    "exchange_pseudonym_key",
)


class ServiceSettings(BaseModel):
    """Settings shared by every Madoguchi service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Service name, e.g. ``"residence"``. Set by each subclass.
    service_name: ClassVar[str] = "service"
    #: Environment variable prefix, e.g. ``"RESIDENCE_"``. Set by each subclass.
    env_prefix: ClassVar[str] = "SERVICE_"
    #: Fields never read from a ``KIT_`` variable: each service has its own.
    SERVICE_ONLY_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "secret_key",
            "database_url",
            "data_dir",
            "public_url",
            "security_server_url",
            "security_server_token",
            "exchange_client",
        }
    )
    #: Secrets that must be set (and not to a placeholder) outside development.
    REQUIRED_SECRETS: ClassVar[tuple[str, ...]] = ("secret_key",)
    #: The kit-wide secrets (of :data:`KIT_SECRETS`) this service uses: `make up` gives a
    #: process only these, so a service that is broken into holds no token it does not need.
    USES_KIT_SECRETS: ClassVar[frozenset[str]] = frozenset()

    environment: Environment = "production"
    secret_key: SecretStr = Field(default=SecretStr("changeme"), repr=False)
    #: Keys, seeds and the SQLite file. Unset: ``var/<service_name>`` under the working folder,
    #: the folder `make up` gives the service, so a service run alone (``flask run``, a
    #: script) finds the same data and never mixes its files with another's.
    data_dir: Path = Path("var")
    database_url: str = ""
    public_url: str = "http://localhost:8000"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: The kit clock. ``None`` means the real date in Japan.
    today: date | None = None
    #: Largest request body accepted, in bytes (uploads above it get 413).
    max_content_length: int = 10 * 1024 * 1024

    #: Shared with the trust service's registration authority: lets a service obtain its
    #: certificates (seal, TLS…). Generated by `make up`; required where REQUIRED_SECRETS says.
    trust_ra_token: SecretStr | None = Field(default=None, repr=False)
    #: Lets a service register its OpenID Connect client with the identity provider (RFC 7591
    #: initial access token). Generated by `make up`.
    idp_registration_token: SecretStr | None = Field(default=None, repr=False)
    #: Lets a security server report its address and certificates to the exchange's central
    #: registry. Generated by `make up`.
    exchange_registration_token: SecretStr | None = Field(default=None, repr=False)

    #: Where server-to-server calls really go when the browser-facing origins are not
    #: reachable from the services themselves (containers): comma-separated
    #: ``browser-origin=internal-origin`` pairs, e.g.
    #: ``http://localhost:8001=http://idp:8000``. Empty under `make up` (localhost works).
    internal_routes: str = ""

    # The exchange (govkit.exchange): this service's own security server (IS-facing URL) and
    # the subsystem it calls as, ``INSTANCE/CLASS/MEMBER/SUBSYSTEM``. Set by `make up` from
    # kit.toml's ``security_server`` and ``exchange_client``; empty: the service makes no calls.
    security_server_url: str = ""
    exchange_client: str = ""
    #: What the own security server sends with every request it forwards to this service's
    #: exchange endpoints (``govkit.exchange.provider``): they refuse requests without it, so
    #: no one reaches them around the exchange's access rights and logs. Set by `make up`.
    security_server_token: SecretStr | None = Field(default=None, repr=False)
    #: Derives a citizen's exchange pseudonym (``X-Road-UserId``) from their register key; held
    #: by the identity provider and the resident register only. Generated by `make up`.
    exchange_pseudonym_key: SecretStr | None = Field(default=None, repr=False)

    # Where the other parts of the kit live (browser-facing URLs).
    portal_url: str = "http://localhost:8000"
    idp_url: str = "http://localhost:8001"
    trust_url: str = "http://localhost:8002"
    central_url: str = "http://localhost:8003"
    residence_url: str = "http://localhost:8011"
    childcare_url: str = "http://localhost:8012"
    company_url: str = "http://localhost:8013"
    pension_url: str = "http://localhost:8014"
    #: Browser-facing URLs of the kit's other services that have no field above, by name
    #: (``{"library": "http://localhost:8016"}``), from ``KIT_<NAME>_URL``.
    service_urls: dict[str, str] = Field(default_factory=dict)

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

    @field_validator("security_server_url")
    @classmethod
    def _optional_http_url(cls, value: str) -> str:
        return cls._http_url(value) if value else value

    @field_validator("service_urls")
    @classmethod
    def _service_urls(cls, value: dict[str, str]) -> dict[str, str]:
        urls = {}
        for name, url in value.items():
            try:
                urls[name] = cls._http_url(url)
            except ValueError as exc:
                raise ValueError(f"KIT_{name.upper()}_URL {exc}") from None
        return urls

    @field_validator("exchange_client")
    @classmethod
    def _exchange_client(cls, value: str) -> str:
        if value:
            from govkit.exchange.identifiers import ClientRef

            ClientRef.parse(value)  # ValueError names what is wrong
        return value

    @field_validator("exchange_pseudonym_key")
    @classmethod
    def _pseudonym_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode("utf-8")) < 16:
            raise ValueError("must be at least 16 bytes (make up generates one)")
        return value

    @field_validator("internal_routes")
    @classmethod
    def _routes(cls, value: str) -> str:
        parse_routes(value)
        return value

    @property
    def routes(self) -> dict[str, str]:
        """``internal_routes`` as browser origin → internal origin."""
        return parse_routes(self.internal_routes)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if "data_dir" not in self.model_fields_set:
            object.__setattr__(self, "data_dir", Path("var") / self.service_name)
        if not self.database_url:
            path = (self.data_dir / f"{self.service_name}.sqlite3").resolve()
            object.__setattr__(self, "database_url", f"sqlite:///{path}")
        if self.environment != "development":
            for field in self.REQUIRED_SECRETS:
                value = getattr(self, field)
                secret = value.get_secret_value() if value is not None else ""
                if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
                    names = " or ".join(self.env_names(field))
                    raise ValueError(
                        f"{names} is missing, a placeholder or shorter than "
                        f"{MIN_SECRET_LENGTH} characters. Set it to a random value, for example "
                        "the output of: python3 -c 'import secrets; "
                        "print(secrets.token_urlsafe(48))'. (Placeholders are only allowed with "
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
            if name == "service_urls":
                continue
            for var in cls.env_names(name):
                if var in env and env[var] != "":
                    values[name] = env[var]
                    break
        others = {
            found.group(1).lower(): env[var]
            for var in env
            if (found := _KIT_SERVICE_URL.fullmatch(var))
            and env[var].startswith(("http://", "https://"))  # not KIT_TEST_POSTGRES_URL
            and f"{found.group(1).lower()}_url" not in cls.model_fields
        }
        if others:
            values["service_urls"] = others
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

    @property
    def verification_page_url(self) -> str:
        """The kit's public page where anyone checks a sealed document (the portal's), as
        printed on every document: a page for people, never an address to call for data."""
        return f"{self.portal_url}/verify"

    def service_url(self, name: str) -> str:
        """Browser-facing base URL of another kit service, e.g. ``service_url("idp")``."""
        key = name.lower().replace("-", "_")
        value = getattr(self, f"{key}_url", None)
        if not isinstance(value, str):
            value = self.service_urls.get(key)
        if value is None:
            raise KeyError(f"no URL setting for service {name!r} (KIT_{key.upper()}_URL)")
        return value
