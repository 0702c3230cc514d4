"""The pages every kit service links from its footer, as a public service must: how accessible
it is, which cookies it sets, and what personal data it keeps (its privacy notice).

The accessibility statement and the cookies page are the same mechanism everywhere (the
layout, the components and the two cookies are govkit's). The privacy notice is the
service's own: it says what the service keeps, why, on what legal basis and for how long, as
a :class:`PrivacyNotice` given to :func:`govkit.service.new_app`; govkit only lays it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask, current_app, render_template, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from govkit import i18n

EXTENSION = "govkit.privacy"
#: Set in ``app.config`` by a service whose session outlives the browser (the provider's
#: single sign-on session): the cookies page then gives its lifetime.
PERMANENT_SESSION = "GOVKIT_PERMANENT_SESSION"
#: When the accessibility statement was last reviewed against the kit's tests.
STATEMENT_PREPARED = date(2026, 11, 22)


@dataclass(frozen=True)
class Holding:
    """One kind of personal data a service keeps. Each field is a (lazy) translatable text."""

    what: Any  #: what is kept ("your requests for copies: …")
    why: Any  #: what it is kept for
    basis: Any  #: the legal basis (an article, a consent)
    kept: Any  #: how long it is kept


@dataclass(frozen=True)
class PrivacyNotice:
    """What a service says about the personal data it handles (APPI arts. 61–64 and 74 ask a
    public body to state its purposes and keep a register of personal information files)."""

    controller: Any  #: who is responsible ("Sakuragi City, Citizens' Division")
    holdings: Sequence[Holding]
    #: who else receives the data and how (an agency through the exchange…); empty: nobody
    shared: Sequence[Any] = field(default_factory=tuple)
    #: anything the citizen should know beyond the table (what the service never keeps…)
    notes: Sequence[Any] = field(default_factory=tuple)


def init_app(app: Flask, notice: PrivacyNotice | None) -> None:
    if notice is not None:
        app.extensions[EXTENSION] = notice


def footer_links() -> list[dict[str, str]]:
    """The footer's links, in the page's language (the privacy notice when there is one)."""
    links = [
        {"href": url_for("govkit.accessibility"), "text": _("Accessibility statement")},
        {"href": url_for("govkit.cookies"), "text": _("Cookies")},
    ]
    if EXTENSION in current_app.extensions:
        links.append({"href": url_for("govkit.privacy"), "text": _("Privacy notice")})
    return links


def _session_expiry() -> str:
    config = current_app.config
    if not config.get(PERMANENT_SESSION):
        return _("When you close your browser or sign out")
    hours = int(config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 3600)
    return ngettext(
        "After %(num)d hour, or when you sign out",
        "After %(num)d hours, or when you sign out",
        hours,
    )


def cookies_page() -> str:
    config = current_app.config
    return render_template(
        "govkit/notices/cookies.html",
        page_title=_("Cookies"),
        cookies=[
            {
                "name": config["SESSION_COOKIE_NAME"],
                "purpose": _(
                    "Keeps you signed in and remembers your answers while you use the "
                    "service, and protects its forms against forgery"
                ),
                "expires": _session_expiry(),
            },
            {
                "name": i18n.COOKIE,
                "purpose": _("Remembers the language you chose"),
                "expires": ngettext("After %(num)d year", "After %(num)d years", i18n.COOKIE_YEARS),
            },
        ],
    )


def accessibility_page() -> str:
    return render_template(
        "govkit/notices/accessibility.html",
        page_title=_("Accessibility statement"),
        prepared_on=format_date(STATEMENT_PREPARED, format="long"),
    )


def privacy_page() -> str:
    notice: PrivacyNotice | None = current_app.extensions.get(EXTENSION)
    if notice is None:
        raise NotFound()
    return render_template(
        "govkit/notices/privacy.html", page_title=_("Privacy notice"), notice=notice
    )
