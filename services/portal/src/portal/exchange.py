"""The portal's exchange client: one per app, made at first use from the settings.

Views hand it to use cases as a keyword collaborator (``exchange=exchange_client()``); tests
put a fake in its place with :func:`install`. A portal without a security server or an
exchange client id in its settings gets an :class:`~portal.providers.UnconfiguredExchange`,
whose calls end as "not configured" rather than as server errors.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from govkit.config import ServiceSettings
from govkit.exchange import ExchangeClient
from portal.providers import Exchange, UnconfiguredExchange

EXTENSION = "portal.exchange"


@dataclass
class _Holder:
    settings: ServiceSettings
    client: Exchange | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask, settings: ServiceSettings) -> None:
    app.extensions[EXTENSION] = _Holder(settings)


def install(app: Flask, client: Exchange) -> None:
    """Use ``client`` for this app's exchange calls (tests)."""
    app.extensions[EXTENSION].client = client


def exchange_client() -> Exchange:
    holder: _Holder = current_app.extensions[EXTENSION]
    if holder.client is None:
        with holder.lock:
            if holder.client is None:
                try:
                    holder.client = ExchangeClient.from_settings(holder.settings)
                except ValueError as exc:
                    holder.client = UnconfiguredExchange(str(exc))
    return holder.client
