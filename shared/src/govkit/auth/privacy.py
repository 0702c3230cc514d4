"""What signing in through :mod:`govkit.auth` keeps, for a service's privacy notice.

Every service that signs citizens in keeps the same two things, so their notice rows live
beside the code that keeps them: the signed-in session in the browser's session cookie (the
pairwise ``sub``, names, date of birth, exchange pseudonym, the provider's ``sid``; it ends
after :data:`~govkit.auth.web.IDLE_TIMEOUT` idle and
:data:`~govkit.auth.web.SESSION_LIFETIME` at most) and, in the database, the provider sessions
ended by back-channel logout (kept :data:`~govkit.auth.models.ENDED_SESSION_MEMORY`) and the
logout tokens already received (until they expire).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from govkit.auth.models import ENDED_SESSION_MEMORY
from govkit.auth.web import IDLE_TIMEOUT, SESSION_LIFETIME
from govkit.notices import Holding


def sign_in_holdings(*, agency: Any, basis: Any) -> tuple[Holding, Holding]:
    """The notice rows for what signing in keeps; ``agency`` is who the citizen's pairwise
    identifier is for ("Sakuragi City"), ``basis`` the service's legal basis for it."""
    return (
        Holding(
            what=_l(
                "Your sign-in: the identifier Madoguchi ID gives you for %(agency)s (each agency "
                "gets a different one), your name, your date of birth, your exchange pseudonym "
                "and a reference to your Madoguchi ID session. They are kept in your browser's "
                "session cookie, not in our database.",
                agency=agency,
            ),
            why=_l("To know it is you on each page while you are signed in."),
            basis=basis,
            kept=_l(
                "Until you sign out or close your browser. The sign-in ends after %(idle)d "
                "minutes without activity, and after %(hours)d hours at most.",
                idle=IDLE_TIMEOUT // 60,
                hours=SESSION_LIFETIME // 3600,
            ),
        ),
        Holding(
            what=_l(
                "Sign-ins that Madoguchi ID ended: the session reference and when it ended. "
                "Also the reference of each sign-out message we receive from Madoguchi ID."
            ),
            why=_l(
                "To sign you out here when you sign out of Madoguchi ID, and to refuse a "
                "sign-out message sent twice."
            ),
            basis=basis,
            kept=_l(
                "Session references: %(days)d days after the session ended. Message references: "
                "until the message has expired. Both are then deleted when the next sign-out "
                "message arrives.",
                days=ENDED_SESSION_MEMORY.days,
            ),
        ),
    )
