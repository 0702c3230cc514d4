"""Which claims each scope releases (the Digital Authentication App's basic four) and the
pairwise subject identifier."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

BASIC_SCOPES = ("openid", "name", "address", "birthdate", "gender")
MY_NUMBER_SCOPE = "my_number"
SUPPORTED_SCOPES = (*BASIC_SCOPES, MY_NUMBER_SCOPE, "offline_access")


@dataclass(frozen=True)
class Person:
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    name_roman: str
    birthdate: date
    gender: str
    postal_code: str
    address: str
    my_number: str | None


def released_claims(
    person: Person, scopes: set[str], *, statutory_basis: str | None
) -> dict[str, object]:
    """The claims a client may receive for ``scopes``. The My Number needs a statute."""
    claims: dict[str, object] = {}
    if "name" in scopes:
        claims.update(
            {
                "name": f"{person.family_name} {person.given_name}",
                "family_name": person.family_name,
                "given_name": person.given_name,
                "name#ja-Kana-JP": f"{person.family_name_kana} {person.given_name_kana}",
                "family_name#ja-Kana-JP": person.family_name_kana,
                "given_name#ja-Kana-JP": person.given_name_kana,
                "name#ja-Latn-JP": person.name_roman,
            }
        )
    if "address" in scopes:
        claims["address"] = {
            "formatted": person.address,
            "postal_code": person.postal_code,
            "country": "JP",
        }
    if "birthdate" in scopes:
        claims["birthdate"] = person.birthdate.isoformat()
    if "gender" in scopes:
        claims["gender"] = person.gender
    if MY_NUMBER_SCOPE in scopes and statutory_basis and person.my_number:
        claims["my_number"] = person.my_number
    return claims


def pairwise_subject(sector: str, local_id: str, salt: bytes) -> str:
    """A stable identifier for one person at one sector, unlinkable across sectors."""
    digest = hmac.new(salt, f"{sector}|{local_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
