"""Views of the childcare service: adapters that gather values and render them."""

from flask import render_template
from flask_babel import gettext as _

from childcare.web import bp


@bp.get("/")
def start() -> str:
    return render_template(
        "govkit/start-page.html",
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
