"""Views of the childcare service: adapters that gather values and render them."""

from flask import render_template, url_for
from flask_babel import gettext as _

from childcare.web import bp
from govkit.auth import current_citizen, login_required, render_signed_in


@bp.get("/")
def start() -> str:
    signed_in = current_citizen() is not None
    return render_template(
        "govkit/start-page.html",
        start={
            "text": _("Continue") if signed_in else _("Sign in"),
            "href": url_for("childcare.signed_in"),
        },
        page_title=_("Child allowance and childcare"),
        paragraphs=[
            _(
                "Use this service to apply for the child allowance, to update it when a child is "
                "born, and to apply for childcare certification."
            ),
            _(
                "With your consent, your household, income and bank account come from the agencies "
                "that already hold them, so you do not send certificates."
            ),
        ],
        not_open=_("Online applications are not open yet."),
        alternative=_("Until then you can apply at the Sakuragi City office counter."),
    )


@bp.get("/start")
@login_required(acr="aal3")
def signed_in() -> str:
    """Where the journey will begin: for now, who is signed in (single sign-on at work)."""
    return render_signed_in(_("Online applications are not open yet."))
