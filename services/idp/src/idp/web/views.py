"""Views of the identity provider: adapters that gather values and render them."""

from flask import render_template
from flask_babel import gettext as _

from idp.web import bp


@bp.get("/")
def start() -> str:
    return render_template(
        "govkit/start-page.html",
        page_title=_("Madoguchi ID"),
        paragraphs=[
            _(
                "Madoguchi ID lets you sign in to every government service in this kit with your "
                "My Number card and its PIN. Services send you here when you need to sign in."
            ),
        ],
        not_open=_("Sign-in is not available yet."),
        alternative=_("The services that need you to sign in will open when it is."),
    )
