"""Text about a signed-in citizen, ready for a template (templates display, never decide)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from govkit.i18n import format_instant

if TYPE_CHECKING:  # govkit.auth.web imports this module (for every page's context)
    from govkit.auth.web import Citizen


def signed_in_as(citizen: Citizen) -> str:
    """ "Signed in as 森下 健太" (or just "Signed in" when no name was released)."""
    if citizen.display_name:
        return _("Signed in as %(name)s", name=citizen.display_name)
    return _("Signed in")


def how_signed_in(acr: str | None) -> str:
    if acr == "aal3":
        return _("My Number card and PIN")
    if acr == "aal2":
        return _("Passkey")
    return _("Another way")


def signed_in_rows(citizen: Citizen) -> list[dict[str, Any]]:
    """GOV.UK summary-list rows: name (with kana), how and when they signed in."""
    rows: list[dict[str, Any]] = []
    if citizen.display_name:
        rows.append({"key": {"text": _("Name")}, "value": {"text": citizen.display_name}})
    if citizen.name_kana:
        rows.append({"key": {"text": _("Name in kana")}, "value": {"text": citizen.name_kana}})
    rows.append(
        {"key": {"text": _("Signed in with")}, "value": {"text": how_signed_in(citizen.acr)}}
    )
    when = format_instant(citizen.auth_time)
    rows.append({"key": {"text": _("Signed in at")}, "value": {"text": when}})
    return rows


def agency_identifier(citizen: Citizen) -> dict[str, str]:
    """The citizen's pairwise identifier at this agency (the ID token's ``sub``), and why it
    differs at every other agency: what the signed-in page shows under "Your identifier"."""
    return {
        "label": _("Your identifier at this agency:"),
        "sub": citizen.sub,
        "explanation": _(
            "Madoguchi ID gives each agency a different identifier for you, so agencies cannot "
            "link their records about you on their own. When one agency needs data from another, "
            "it must ask through the data exchange, which records every request."
        ),
    }
