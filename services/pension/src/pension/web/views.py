"""Views of the pension service: adapters that gather values and render them."""

from flask import render_template, url_for
from flask_babel import gettext as _

from govkit.auth import current_citizen, login_required, render_signed_in
from pension.web import bp


@bp.get("/")
def start() -> str:
    signed_in = current_citizen() is not None
    return render_template(
        "govkit/start-page.html",
        start={
            "text": _("Continue") if signed_in else _("Sign in"),
            "href": url_for("pension.signed_in"),
        },
        page_title=_("National Pension"),
        paragraphs=[
            _(
                "Use this service to see your National Pension record and estimate your pension "
                "if you start it at any age from 60 to 75."
            ),
            _(
                "You can also apply for an exemption from contributions, for voluntary enrolment, "
                "or for your old-age pension."
            ),
        ],
        not_open=_("Online applications are not open yet."),
        alternative=_("Until then you can apply at the pension office or the city office."),
    )


@bp.get("/start")
@login_required(acr="aal3")
def signed_in() -> str:
    """Where the journey will begin: for now, who is signed in (single sign-on at work)."""
    return render_signed_in(_("Online applications are not open yet."))
