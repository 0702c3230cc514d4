"""The provider's per-app parts (keys, clients, issuer, pairwise salt), built once per app."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import Flask, current_app

from govkit.db import Database
from govkit.exchange import exchange_pseudonym
from govkit.http import kit_session
from idp.clients import ClientDirectory, RegisteredClient
from idp.domain.claims import pairwise_subject
from idp.keys import KeyStore
from idp.settings import IdpSettings

EXTENSION = "idp.provider"


@dataclass
class Provider:
    settings: IdpSettings
    issuer: str
    keys: KeyStore
    clients: ClientDirectory
    pairwise_salt: bytes
    #: Outgoing calls to relying parties (back-channel logout), with the kit's routes.
    outbound: requests.Session

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    def subject(self, client: RegisteredClient, citizen_id: str) -> str:
        """The citizen's ``sub`` at this client's sector: stable, and unlinkable across sectors."""
        return pairwise_subject(client.sector_identifier, citizen_id, self.pairwise_salt)

    def exchange_id(self, client: RegisteredClient, persona: str) -> str | None:
        """The citizen's exchange pseudonym (claim ``exchange_id``, the ``X-Road-UserId`` of
        the calls a kit service makes for them), or ``None``.

        Only the kit's own services (``first_party`` clients, registered with the kit's
        registration token by `make up`) receive it, and only when the pseudonym key is
        configured (``KIT_EXCHANGE_PSEUDONYM_KEY``). It is the same for every kit service and
        every sign-in: the resident register files the citizen's data uses under it.
        """
        key = self.settings.exchange_pseudonym_key
        if not client.first_party or key is None or not key.get_secret_value():
            return None
        return exchange_pseudonym(key.get_secret_value(), persona)


def read_or_create_salt(folder: Path) -> bytes:
    """The pairwise-subject salt: made once, never changed (changing it changes every ``sub``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pairwise-salt"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(value.hex())
    return value


def check_pseudonym_key(settings: IdpSettings) -> None:
    """Refuse to start with a pseudonym key the pseudonym function would reject at the first
    token request (``ValueError`` naming the variable)."""
    key = settings.exchange_pseudonym_key
    if key is None or not key.get_secret_value():
        return
    try:
        exchange_pseudonym(key.get_secret_value(), "check")
    except ValueError as exc:
        names = " or ".join(settings.env_names("exchange_pseudonym_key"))
        raise ValueError(f"{names}: {exc}") from None


def install(app: Flask, settings: IdpSettings, database: Database) -> Provider:
    provider = Provider(
        settings=settings,
        issuer=settings.public_url,
        keys=KeyStore(database),
        clients=ClientDirectory(database),
        pairwise_salt=read_or_create_salt(settings.data_dir),
        outbound=kit_session(settings, user_agent="madoguchi-idp/1"),
    )
    app.extensions[EXTENSION] = provider
    return provider


def provider() -> Provider:
    return current_app.extensions[EXTENSION]
