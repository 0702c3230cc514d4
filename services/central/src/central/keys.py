"""central's secrets in its data folder, never in the database and never committed:

* ``keys/globalconf.pem``: the ES256 key that signs the global configuration (its public half
  is the trust anchor every security server pins);
* ``admin_token``: the bearer token of the admin API.

Both are made by ``kit prepare central`` (the seed) as files readable by the owner only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from govkit.certificates.keys import generate_key, load_private_key, save_private_key

SIGNING_KEY = Path("keys") / "globalconf.pem"
ADMIN_TOKEN = Path("admin_token")


def signing_key_path(data_dir: Path) -> Path:
    return data_dir / SIGNING_KEY


def admin_token_path(data_dir: Path) -> Path:
    return data_dir / ADMIN_TOKEN


def ensure_signing_key(data_dir: Path) -> bool:
    """Create the configuration signing key unless it exists; True if it was created."""
    path = signing_key_path(data_dir)
    if path.exists():
        return False
    save_private_key(path, generate_key())
    return True


def load_signing_key(data_dir: Path) -> ec.EllipticCurvePrivateKey | None:
    path = signing_key_path(data_dir)
    return load_private_key(path) if path.exists() else None


def ensure_admin_token(data_dir: Path) -> bool:
    """Create the admin token file (0600) unless it exists; True if it was created."""
    path = admin_token_path(data_dir)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return True


def read_admin_token(data_dir: Path) -> str | None:
    path = admin_token_path(data_dir)
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").strip() or None
