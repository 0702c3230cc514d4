"""The state of a sign-in in progress: ``state``, ``nonce`` and the PKCE verifier.

A flow starts when the browser is sent to the provider and ends at the callback. It is kept
in the browser's (signed) session cookie, keyed by its ``state``, so a citizen may start
sign-in in two tabs; only the last few flows are kept and each expires after a few minutes.
A signing step-up is a flow too, with the digest the card is asked to sign (``sign_digest``).
Pure functions over plain dicts (what the session stores): no Flask here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import asdict, dataclass
from typing import Any

#: Flows older than this are refused at the callback ("start again").
FLOW_LIFETIME = 600
#: At most this many sign-ins in progress per browser.
MAX_FLOWS = 4
MAX_STATE_LENGTH = 128


def new_verifier() -> str:
    """A PKCE code verifier: 64 random bytes, base64url (86 characters; RFC 7636 allows 43-128)."""
    return secrets.token_urlsafe(64)


def s256(verifier: str) -> str:
    """The S256 code challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class PendingFlow:
    state: str
    nonce: str
    verifier: str
    next_url: str
    acr: str | None
    max_age: int | None
    prompt: str | None
    started_at: float
    #: base64url SHA-256 the card is asked to sign: a signing step-up, not a sign-in.
    sign_digest: str | None = None

    @classmethod
    def start(
        cls,
        *,
        next_url: str,
        acr: str | None,
        max_age: int | None,
        prompt: str | None,
        now: float,
        sign_digest: str | None = None,
    ) -> PendingFlow:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            verifier=new_verifier(),
            next_url=next_url,
            acr=acr,
            max_age=max_age,
            prompt=prompt,
            started_at=now,
            sign_digest=sign_digest,
        )

    @property
    def challenge(self) -> str:
        return s256(self.verifier)

    def expired(self, now: float) -> bool:
        return not 0 <= now - self.started_at <= FLOW_LIFETIME

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> PendingFlow | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})
        except TypeError:  # a field without a default is missing
            return None


def remember(flows: Any, flow: PendingFlow, *, keep: int = MAX_FLOWS) -> dict[str, dict[str, Any]]:
    """``flows`` plus ``flow``, keeping only the newest ``keep``."""
    kept = dict(flows) if isinstance(flows, dict) else {}
    kept[flow.state] = flow.as_dict()
    return newest(kept, keep)


def newest(flows: Any, keep: int = MAX_FLOWS) -> dict[str, dict[str, Any]]:
    """The ``keep`` newest of ``flows``."""
    kept = dict(flows) if isinstance(flows, dict) else {}
    ordered = sorted(kept.items(), key=lambda item: _started(item[1]))
    return dict(ordered[-keep:]) if keep > 0 else {}


def take(flows: Any, state: str | None) -> tuple[PendingFlow | None, dict[str, dict[str, Any]]]:
    """The flow ``state`` names (if this browser started it), and the flows left."""
    kept = dict(flows) if isinstance(flows, dict) else {}
    if not state or len(state) > MAX_STATE_LENGTH:
        return None, kept
    return PendingFlow.from_dict(kept.pop(state, None)), kept


def _started(data: Any) -> float:
    value = data.get("started_at") if isinstance(data, dict) else None
    return float(value) if isinstance(value, (int, float)) else 0.0
