"""The provider's per-app parts (keys, clients, issuer, pairwise salt), built once per app."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import Flask, current_app

from govkit.db import Database
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
