"""Access rights: default deny, per service and per endpoint (xroad.md §3.6).

A right grants one **subject** (a client subsystem, or a group of them) one **endpoint** of one
service: an HTTP method (or ``*`` for any) and a path glob. A service-level right is the
endpoint ``*`` + ``**``. Publishing a service grants nobody anything.

Path globs: ``*`` matches within one segment (never ``/``), ``**`` matches anything; a whole
``/**`` segment also matches nothing at all, so ``/foo/**`` covers ``/foo``, ``/foo/`` and
``/foo/a/b``, and ``/foo/**/bar`` covers ``/foo/bar``. Before matching, the request's service
path is percent-decoded and normalised, and a path still holding ``..`` is refused (the 2025
fix XRDDEV-3054 for path traversal through wildcard rules).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from securityserver.protocol import percent
from securityserver.protocol.errors import ExchangeError, FaultCode
from securityserver.protocol.identifiers import (
    ClientId,
    InvalidIdentifier,
    ServiceId,
    identifier_problem,
)
from securityserver.protocol.request import METHODS

__all__ = [
    "ANY",
    "AccessRight",
    "Endpoint",
    "GroupId",
    "allowed",
    "allowed_endpoints",
    "allowed_services",
    "check_access",
    "glob_matches",
    "normalise_path",
]

#: The method and path of a service-level right.
ANY = "*"
ANY_PATH = "**"

_GLOB_TOKEN = re.compile(r"/\*\*(?=/|$)|\*\*|\*")
_SEPARATORS = re.compile(r"[/\\]")
_SLASHES = re.compile(r"/{2,}")


@dataclass(frozen=True, slots=True)
class GroupId:
    """A group of clients: global (defined centrally, with its ``instance``) or local to this
    security server (``instance=None``)."""

    code: str
    instance: str | None = None

    def __post_init__(self) -> None:
        for value, name in ((self.code, "group code"), (self.instance, "instance")):
            problem = None if value is None else identifier_problem(value)
            if problem is not None:
                raise InvalidIdentifier(f"The {name} {problem}")

    def __str__(self) -> str:
        return self.code if self.instance is None else f"{self.instance}/{self.code}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An HTTP method (``*`` for any) and a path glob (``**`` for any path)."""

    method: str = ANY
    path: str = ANY_PATH

    def __post_init__(self) -> None:
        if self.method != ANY and self.method not in METHODS:
            raise ValueError(f"not an HTTP method: {self.method!r}")
        if not (self.path.startswith("/") or self.path == ANY_PATH):
            raise ValueError(f"a path glob starts with '/' or is '**': {self.path!r}")
        if any(seg == ".." for seg in _SEPARATORS.split(self.path)) or "\x00" in self.path:
            raise ValueError(f"a path glob may not contain '..' or NUL: {self.path!r}")

    def matches(self, method: str, normalised_path: str) -> bool:
        """Whether a request with ``method`` on an already normalised path falls under it."""
        return (self.method in (ANY, method)) and glob_matches(self.path, normalised_path)


@dataclass(frozen=True)
class AccessRight:
    """``subject`` may call ``endpoint`` of ``service``."""

    service: ServiceId
    subject: ClientId | GroupId
    endpoint: Endpoint = field(default_factory=Endpoint)

    def __post_init__(self) -> None:
        if isinstance(self.subject, ClientId) and not self.subject.is_subsystem:
            raise ValueError("access rights are granted to subsystems or groups, not members")

    def applies_to(self, client: ClientId, client_groups: Collection[GroupId]) -> bool:
        if isinstance(self.subject, GroupId):
            return self.subject in client_groups
        return self.subject == client


@lru_cache(maxsize=1024)
def _compile(glob: str) -> re.Pattern[str]:
    pieces, last = [], 0
    for token in _GLOB_TOKEN.finditer(glob):
        pieces.append(re.escape(glob[last : token.start()]))
        pieces.append({"*": "[^/]*", "**": ".*"}.get(token.group(), "(?:/.*)?"))
        last = token.end()
    pieces.append(re.escape(glob[last:]))
    return re.compile("".join(pieces), re.DOTALL)


def glob_matches(glob: str, normalised_path: str) -> bool:
    """Whether ``normalised_path`` matches ``glob`` (``*`` one segment, ``**`` anything)."""
    return _compile(glob).fullmatch(normalised_path) is not None


def normalise_path(raw: str) -> str:
    """The service path as access rights see it: decoded, ``//`` collapsed, ``.`` dropped.

    ``""`` becomes ``"/"``. A path not starting with ``/``, a bad percent escape, bytes that are
    not UTF-8, a NUL (raw or ``%00``), or a ``..`` segment in any form (``..``, ``%2e%2e``,
    ``%2E.``, behind ``\\`` or ``%2F``, or still encoded once more as ``%252e%252e``) raise
    ``Client.BadRequest``: nothing is matched and nothing is forwarded.
    """
    bad = FaultCode.BAD_REQUEST
    if raw == "":
        return "/"
    if not raw.startswith("/"):
        raise ExchangeError(bad, "The service path must start with '/'")
    try:
        path = percent.decode(raw)
    except percent.PercentDecodingError as exc:
        message = f"The service path is not percent-encoded correctly: {exc}"
        raise ExchangeError(bad, message) from exc
    once_more = _decode_again(path)
    if "\x00" in path or "\x00" in once_more:
        raise ExchangeError(bad, "The service path contains a NUL byte")
    if any(seg == ".." for form in (path, once_more) for seg in _SEPARATORS.split(form)):
        raise ExchangeError(bad, "The service path may not contain a '..' segment")
    segments = [seg for seg in _SLASHES.sub("/", path).split("/") if seg != "."]
    normalised = "/".join(segments)
    if path.endswith("/.") and not normalised.endswith("/"):
        normalised += "/"
    return normalised if normalised.startswith("/") else "/" + normalised


def _decode_again(path: str) -> str:
    # What a careless provider that decodes a second time would see ("%252e%252e" -> "..").
    try:
        return percent.decode(path)
    except percent.PercentDecodingError:
        return path


def allowed(
    rights: Iterable[AccessRight],
    client: ClientId,
    client_groups: Collection[GroupId],
    service: ServiceId,
    method: str,
    path: str,
) -> bool:
    """Whether ``client`` (member of ``client_groups``) may call ``method`` on the raw service
    ``path`` of ``service``. Default deny: ``False`` unless one right covers the call.

    The path is normalised first; traversal raises ``Client.BadRequest`` (see
    :func:`normalise_path`). A method PR-REST does not know is never allowed, not even by ``*``.
    """
    normalised = normalise_path(path)
    if method not in METHODS:
        return False
    return any(
        right.service == service
        and right.applies_to(client, client_groups)
        and right.endpoint.matches(method, normalised)
        for right in rights
    )


def check_access(
    rights: Iterable[AccessRight],
    client: ClientId,
    client_groups: Collection[GroupId],
    service: ServiceId,
    method: str,
    path: str,
) -> None:
    """:func:`allowed`, raising ``Server.ServerProxy.AccessDenied`` when it is not (§1.7)."""
    if not allowed(rights, client, client_groups, service, method, path):
        raise ExchangeError(
            FaultCode.ACCESS_DENIED,
            f"Request is not allowed: SERVICE:{service} ({method} {path or '/'}) "
            f"for client {client}",
        )


def allowed_endpoints(
    rights: Iterable[AccessRight],
    client: ClientId,
    client_groups: Collection[GroupId],
    service: ServiceId,
) -> list[Endpoint]:
    """The endpoints of ``service`` open to ``client``, without duplicates, sorted by path
    then method (the ``endpoint_list`` of ``allowedMethods``, xroad.md §2)."""
    return allowed_services(rights, client, client_groups, service.provider).get(service, [])


def allowed_services(
    rights: Iterable[AccessRight],
    client: ClientId,
    client_groups: Collection[GroupId],
    provider: ClientId,
) -> Mapping[ServiceId, list[Endpoint]]:
    """Every service of the ``provider`` subsystem that ``client`` may call, with its open
    endpoints: what ``allowedMethods`` lists (metaservices are never rights, so never listed).
    """
    found: dict[ServiceId, set[Endpoint]] = {}
    for right in rights:
        if right.service.provider == provider and right.applies_to(client, client_groups):
            found.setdefault(right.service, set()).add(right.endpoint)
    return {
        service: sorted(endpoints, key=lambda e: (e.path, e.method))
        for service, endpoints in sorted(found.items(), key=lambda item: item[0].service_code)
    }
