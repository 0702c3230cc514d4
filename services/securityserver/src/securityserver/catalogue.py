"""What a security server offers: its member's services and who may call them (a TOML file).

One file per member, read at start (``SECURITYSERVER_CATALOGUE``, default the packaged
``catalogues/<CLASS>-<CODE>.toml``)::

    [[services]]
    subsystem = "residence"          # a subsystem of this server's member
    code = "basic-four"              # the service code in /r1/…/residence/basic-four/…
    base_url = "{residence_url}/exchange/basic-four"   # {<service>_url}: the kit's URLs
    timeout = 10                     # seconds the provider may take (default 30)
    openapi = "{residence_url}/exchange/openapi.json"  # optional, for getOpenAPI
    enabled = true                   # false: Server.ServerProxy.ServiceDisabled with the notice
    notice = ""

    [[services.rights]]              # default deny: only these may call it
    client = "JP-KIT/GOV/JPS/pension"    # a subsystem …
    # group = "statutory-users"          # … or a global group (central's)
    method = "GET"                   # or "*"
    path = "/people/*"               # '*' one segment, '**' any number

Everything is checked when the file is read: a mistake names its place (``services[2].rights
[0].path``) and the server does not start with it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from securityserver.protocol.access import AccessRight, Endpoint, GroupId
from securityserver.protocol.identifiers import ClientId, InvalidIdentifier, ServiceId
from securityserver.protocol.request import RESERVED_SERVICE_CODES

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 300.0


class CatalogueError(ValueError):
    """A catalogue that cannot be used; the message names the place."""


@dataclass(frozen=True)
class OfferedService:
    """A service this security server forwards to its member's information system."""

    id: ServiceId
    base_url: str
    timeout: float
    openapi_url: str | None
    enabled: bool
    notice: str


@dataclass(frozen=True)
class Catalogue:
    member: ClientId
    services: Mapping[ServiceId, OfferedService]
    rights: tuple[AccessRight, ...]

    @property
    def subsystems(self) -> tuple[ClientId, ...]:
        """The member's subsystems that offer something here, in file order."""
        return tuple(dict.fromkeys(service.provider for service in self.services))

    def service(self, service: ServiceId) -> OfferedService | None:
        return self.services.get(service)


def parse(text: str, *, member: ClientId, urls: Mapping[str, str]) -> Catalogue:
    """Read a catalogue for ``member`` (``INSTANCE/CLASS/CODE``); ``urls`` fills the
    ``{name}`` placeholders of URLs (e.g. ``residence_url``)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"not TOML: {exc}") from None
    unknown = set(document) - {"services"}
    if unknown:
        raise CatalogueError(f"unknown top-level keys: {', '.join(sorted(unknown))}")
    entries = document.get("services", [])
    if not isinstance(entries, list):
        raise CatalogueError("services: a list of [[services]] tables")
    services: dict[ServiceId, OfferedService] = {}
    rights: list[AccessRight] = []
    for index, entry in enumerate(entries):
        where = f"services[{index}]"
        offered = _service(entry, where, member, urls)
        if offered.id in services:
            raise CatalogueError(f"{where}: {offered.id} is offered twice")
        services[offered.id] = offered
        raw_rights = entry.get("rights", [])
        if not isinstance(raw_rights, list):
            raise CatalogueError(f"{where}.rights: a list of [[services.rights]] tables")
        for number, raw in enumerate(raw_rights):
            rights.append(_right(raw, f"{where}.rights[{number}]", offered.id))
    return Catalogue(member, services, tuple(rights))


_SERVICE_KEYS = {"subsystem", "code", "base_url", "timeout", "openapi", "enabled", "notice"}
_RIGHT_KEYS = {"client", "group", "method", "path"}


def _table(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: a table")
    unknown = set(value) - allowed - {"rights"}
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    return value


def _text(table: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise CatalogueError(f"{where}.{key}: a non-empty string")
    return value


def _url(template: str, where: str, urls: Mapping[str, str]) -> str:
    try:
        url = template.format_map(urls)
    except (KeyError, ValueError) as exc:
        raise CatalogueError(f"{where}: unknown placeholder {exc} in {template!r}") from None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise CatalogueError(f"{where}: {url!r} is not an http(s) URL without query")
    return url.rstrip("/")


def _service(raw: Any, where: str, member: ClientId, urls: Mapping[str, str]) -> OfferedService:
    table = _table(raw, where, _SERVICE_KEYS)
    subsystem = _text(table, "subsystem", where)
    code = _text(table, "code", where)
    if code in RESERVED_SERVICE_CODES:
        raise CatalogueError(f"{where}.code: {code!r} is a metaservice name")
    try:
        provider = ClientId(member.instance, member.member_class, member.member_code, subsystem)
        service = ServiceId(provider, code)
    except InvalidIdentifier as exc:
        raise CatalogueError(f"{where}: {exc}") from None
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise CatalogueError(f"{where}.timeout: a number of seconds")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise CatalogueError(f"{where}.timeout: more than 0 and at most {MAX_TIMEOUT:.0f} s")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise CatalogueError(f"{where}.enabled: true or false")
    openapi = table.get("openapi")
    return OfferedService(
        id=service,
        base_url=_url(_text(table, "base_url", where), f"{where}.base_url", urls),
        timeout=float(timeout),
        openapi_url=None if openapi is None else _url(str(openapi), f"{where}.openapi", urls),
        enabled=enabled,
        notice=_text(table, "notice", where, default=""),
    )


def _right(raw: Any, where: str, service: ServiceId) -> AccessRight:
    table = _table(raw, where, _RIGHT_KEYS)
    if ("client" in table) == ("group" in table):
        raise CatalogueError(f"{where}: name either a client subsystem or a group")
    try:
        if "client" in table:
            parts = _text(table, "client", where).split("/")
            if len(parts) != 4:
                raise CatalogueError(f"{where}.client: INSTANCE/CLASS/MEMBER/SUBSYSTEM")
            subject: ClientId | GroupId = ClientId(*parts)
        else:
            subject = GroupId(_text(table, "group", where), service.provider.instance)
        endpoint = Endpoint(
            _text(table, "method", where, default="*").upper(),
            _text(table, "path", where, default="**"),
        )
        return AccessRight(service, subject, endpoint)
    except (InvalidIdentifier, ValueError) as exc:
        if isinstance(exc, CatalogueError):
            raise
        raise CatalogueError(f"{where}: {exc}") from None
