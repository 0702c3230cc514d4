"""Sakuragi City's seal: the names its certificates carry, and the app's :class:`AgencySeal`."""

from __future__ import annotations

from flask import current_app

from govkit.certificates.agency import AgencyNames, AgencySeal
from residence.settings import ResidenceSettings

_EXTENSION = "residence.seal"

MUNICIPALITY_JA = "桜木市"
MUNICIPALITY_EN = "Sakuragi City"
LG_CODE = "139998"


def names(settings: ResidenceSettings) -> AgencyNames:
    return AgencyNames(
        member=settings.seal_holder,
        certificate_name="桜木市長 (Sakuragi City, Madoguchi kit)",
        issuer_ja=f"{MUNICIPALITY_JA}（地方公共団体コード {LG_CODE}）",
        issuer_en=f"{MUNICIPALITY_EN} (local government code {LG_CODE})",
        signatory_ja="桜木市長　桜木 一郎",
        signatory_en="Ichiro Sakuragi, Mayor of Sakuragi City",
        seal_text="桜木市長之印",
    )


def agency_seal(settings: ResidenceSettings) -> AgencySeal:
    token = settings.trust_ra_token
    return AgencySeal(
        settings.data_dir / "seal",
        names(settings),
        trust_url=settings.trust_url,
        ra_token=token.get_secret_value() if token is not None else None,
    )


def init_app(app: object, settings: ResidenceSettings) -> AgencySeal:
    seal = agency_seal(settings)
    app.extensions[_EXTENSION] = seal  # type: ignore[attr-defined]
    return seal


def seal() -> AgencySeal:
    return current_app.extensions[_EXTENSION]
