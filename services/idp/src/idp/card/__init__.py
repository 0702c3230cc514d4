"""The My Number card, as the provider talks to it.

The provider never sees a PIN check or a private key: it asks a :class:`CardReader` to have a
card sign a challenge (after the card checks the PIN) and gets back a signature and the card's
certificate, which it verifies itself. :class:`idp.card.simulator.SimulatedCardReader` plays
the card for the kit; a real reader, or the Digital Authentication App, can take its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class CardError(Exception):
    """Something the card refused."""


class WrongPin(CardError):
    def __init__(self, remaining: int) -> None:
        super().__init__(f"wrong PIN; {remaining} attempt(s) left")
        self.remaining = remaining


class CardLocked(CardError):
    """Three wrong PINs: only the municipal counter can unlock the card."""


class WrongPassword(CardError):
    def __init__(self, remaining: int) -> None:
        super().__init__(f"wrong signing password; {remaining} attempt(s) left")
        self.remaining = remaining


class SigningLocked(CardError):
    """Five wrong signing passwords: the signing certificate is locked."""


class NoSigningCertificate(CardError):
    """The card has no signing certificate (its holder is under 15)."""


class UnknownCard(CardError):
    pass


@dataclass(frozen=True)
class CardAnswer:
    signature: bytes
    certificate_der: bytes


@dataclass(frozen=True)
class CardState:
    card_id: str
    pin_failures: int
    locked: bool
    can_sign: bool
    sign_failures: int
    sign_locked: bool


class CardReader(Protocol):
    def authenticate(self, card_id: str, pin: str, challenge: bytes) -> CardAnswer:
        """Check the PIN; sign ``challenge`` with the user-authentication key."""

    def sign(self, card_id: str, password: str, data: bytes) -> CardAnswer:
        """Check the signing password; sign ``data`` with the signing key."""

    def state(self, card_id: str) -> CardState: ...

    def reset_pin(self, card_id: str, new_pin: str) -> None:
        """At the municipal counter: unlock the card and set a new PIN."""

    def reset_signing_password(self, card_id: str, new_password: str) -> None: ...
