"""Views of the company service: adapters that gather values and render them."""

from flask import render_template
from flask_babel import gettext as _

from company.web import bp


@bp.get("/")
def start() -> str:
    return render_template(
        "govkit/start-page.html",
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
