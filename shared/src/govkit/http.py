"""Outgoing HTTP between the kit's services: one ``requests`` session that knows the routes.

Under `make up` every service reaches every other at its browser-facing URL
(``http://localhost:8001``). In containers it cannot: ``localhost`` is the container itself.
``KIT_INTERNAL_ROUTES`` maps browser-facing origins to the addresses services use among
themselves (``http://localhost:8001=http://idp:8000``); :func:`kit_session` sends each request
to the mapped origin while everything above it (discovery, the ID token's ``iss``, audiences,
registered redirect and logout URIs) keeps the browser-facing URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from govkit.config import ServiceSettings


def route(url: str, routes: Mapping[str, str]) -> str:
    """``url`` with its origin replaced by the route's (unchanged when none matches)."""
    for public, internal in routes.items():
        if url == public or url.startswith(public + "/") or url.startswith(public + "?"):
            return internal + url[len(public) :]
    return url


class RoutingAdapter(HTTPAdapter):
    """Sends each request to its origin's internal address (redirects are never followed by
    the kit's clients, so only the first hop matters)."""

    def __init__(self, routes: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.routes = dict(routes)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.url:
            request.url = route(request.url, self.routes)
        return super().send(request, **kwargs)


def kit_session(settings: ServiceSettings, *, user_agent: str | None = None) -> requests.Session:
    """A keep-alive session for calls to other parts of the kit, honouring
    ``KIT_INTERNAL_ROUTES``."""
    session = requests.Session()
    routes = settings.routes
    if routes:
        adapter = RoutingAdapter(routes)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    if user_agent:
        session.headers["User-Agent"] = user_agent
    return session
