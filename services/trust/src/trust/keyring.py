"""The trust service's private keys, loaded once per process from the data folder."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.certificates.keys import load_private_key


@dataclass(frozen=True)
class Signer:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


class Keyring:
    """Keys by name (``root``, ``seal``, ``tsa``…), read from ``<data_dir>/keys/<name>.pem``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.pem"

    def key(self, name: str) -> ec.EllipticCurvePrivateKey:
        with self._lock:
            if name not in self._keys:
                self._keys[name] = load_private_key(self.path(name))
            return self._keys[name]
