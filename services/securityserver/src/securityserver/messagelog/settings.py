"""The message log's knobs (xroad.md §3.7), read from ``SECURITYSERVER_MESSAGELOG_*``.

They live here rather than on :class:`securityserver.settings.SecurityServerSettings` for now;
the proxy builds one with :meth:`MessageLogSettings.from_env` (or passes values explicitly).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from securityserver.messagelog.chain import DEFAULT_MAX_BODY_BYTES

ENV_PREFIX = "SECURITYSERVER_MESSAGELOG_"


@dataclass(frozen=True)
class MessageLogSettings:
    #: ``max-loggable-message-body-size``: larger bodies are refused, never logged.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Seal as soon as this many records wait; also the most one seal covers
    #: (X-Road's ``timestamp-records-limit``).
    seal_every_records: int = 10_000
    #: Seal when the oldest unsealed record has waited this long
    #: (X-Road's ``timeStampingIntervalSeconds``).
    seal_every_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.max_body_bytes < 0:
            raise ValueError("max_body_bytes must not be negative")
        if self.seal_every_records < 1:
            raise ValueError("seal_every_records must be at least 1")
        if self.seal_every_seconds < 0:
            raise ValueError("seal_every_seconds must not be negative")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MessageLogSettings:
        environ = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for name, kind in (
            ("max_body_bytes", int),
            ("seal_every_records", int),
            ("seal_every_seconds", float),
        ):
            text = environ.get(ENV_PREFIX + name.upper())
            if text is not None:
                values[name] = kind(text)
        return cls(**values)  # type: ignore[arg-type]
