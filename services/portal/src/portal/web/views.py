"""Views of the portal: adapters that gather values and render them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _

from govkit.auth import current_citizen, login_required
from govkit.auth.presenters import signed_in_as, signed_in_rows
from govkit.web import get_settings
from portal.journeys import JOURNEYS, Journey
from portal.web import bp


@dataclass(frozen=True)
class JourneyCard:
    journey: Journey
    url: str


@bp.get("/")
def home() -> str:
    settings = get_settings()
    cards = [JourneyCard(j, f"{settings.service_url(j.service)}/") for j in JOURNEYS]
    return render_template(
        "portal/home.html", page_title=_("Government services online, in one place"), cards=cards
    )


@bp.get("/account")
@login_required(acr="aal2")
def account() -> str:
    """The citizen's account: who is signed in (from userinfo), and signing out."""
    citizen = current_citizen()
    assert citizen is not None  # login_required
    settings = get_settings()
    cards = [JourneyCard(j, f"{settings.service_url(j.service)}/") for j in JOURNEYS]
    return render_template(
        "portal/account.html",
        page_title=_("Your account"),
        signed_in_as=signed_in_as(citizen),
        rows=signed_in_rows(citizen),
        cards=cards,
    )
