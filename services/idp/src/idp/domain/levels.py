"""Authentication levels (``acr``) and methods (``amr``, RFC 8176).

* ``aal1`` — a password (counter staff only);
* ``aal2`` — a passkey registered after a card sign-in, or staff password + TOTP;
* ``aal3`` — the My Number card (possession) and its 4-digit PIN (knowledge).

Relying parties ask with ``acr_values`` (space separated, in order of preference); the
Digital Agency's extra value ``crl`` asks the provider to check the card's revocation.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("aal1", "aal2", "aal3")
REVOCATION_CHECK = "crl"
CARD_AMR = ("sc", "pin", "mfa")
PASSKEY_AMR = ("hwk", "user", "mfa")


def rank(acr: str) -> int:
    return LEVELS.index(acr) + 1 if acr in LEVELS else 0


@dataclass(frozen=True)
class Requirement:
    minimum: str | None  # the lowest acceptable level, None: any
    check_revocation: bool


def parse_acr_values(text: str | None) -> Requirement:
    """The weakest level the relying party accepts, and whether to check revocation.

    Unknown values are ignored (OIDC: acr_values are voluntary); if none is known, any level.
    """
    values = (text or "").split()
    known = [v for v in values if v in LEVELS]
    minimum = min(known, key=rank) if known else None
    return Requirement(minimum, REVOCATION_CHECK in values)


def satisfies(acr: str, requirement: Requirement) -> bool:
    return requirement.minimum is None or rank(acr) >= rank(requirement.minimum)
