"""Views of the residence service: adapters that gather values and render them."""

from flask import render_template, url_for
from flask_babel import gettext as _

from govkit.auth import current_citizen, login_required, render_signed_in
from residence.web import bp


@bp.get("/")
def start() -> str:
    signed_in = current_citizen() is not None
    return render_template(
        "govkit/start-page.html",
        start={
            "text": _("Continue") if signed_in else _("Sign in"),
            "href": url_for("residence.signed_in"),
        },
        page_title=_("Get a copy of your residence record (juminhyo)"),
        paragraphs=[
            _(
                "Use this service to get a signed digital copy of your entry in Sakuragi City's "
                "resident register (juminhyo no utsushi), for yourself or your household."
            ),
            _(
                "Banks, landlords and employers can check the copy themselves, online or from its "
                "QR code. Other agencies do not need a copy: they ask the city directly."
            ),
        ],
        not_open=_("Online requests are not open yet."),
        alternative=_(
            "Until then you can get a copy at the Sakuragi City office counter, "
            "at a convenience store with your My Number card, or by post."
        ),
    )


@bp.get("/start")
@login_required(acr="aal3")
def signed_in() -> str:
    """Where the journey will begin: for now, who is signed in (single sign-on at work)."""
    return render_signed_in(_("Online requests are not open yet."))
