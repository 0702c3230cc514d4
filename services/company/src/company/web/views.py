"""Views of the company service: adapters that gather values and render them."""

from flask import render_template, url_for
from flask_babel import gettext as _

from company.web import bp
from govkit.auth import current_citizen, login_required, render_signed_in


@bp.get("/")
def start() -> str:
    signed_in = current_citizen() is not None
    return render_template(
        "govkit/start-page.html",
        start={
            "text": _("Continue") if signed_in else _("Sign in"),
            "href": url_for("company.signed_in"),
        },
        page_title=_("Start a company"),
        paragraphs=[
            _(
                "Use this service to register a stock company (KK) or a limited liability company "
                "(GK) with the Legal Affairs Bureau."
            ),
            _(
                "After registration the tax office, the prefecture, the city and the pension "
                "office are notified in one step, with details you have already given."
            ),
        ],
        not_open=_("Online registration is not open yet."),
        alternative=_("Until then you can register at the Legal Affairs Bureau."),
    )


@bp.get("/start")
@login_required(acr="aal3")
def signed_in() -> str:
    """Where the journey will begin: for now, who is signed in (single sign-on at work)."""
    return render_signed_in(_("Online registration is not open yet."))
