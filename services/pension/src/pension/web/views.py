"""Views of the pension service: adapters that gather values and render them."""

from flask import render_template
from flask_babel import gettext as _

from pension.web import bp


@bp.get("/")
def start() -> str:
    return render_template(
        "govkit/start-page.html",
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
