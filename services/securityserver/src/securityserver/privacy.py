"""securityserver's privacy notice (``/privacy``), built from the server's settings.

One server runs per exchange member, so the controller is that member (``settings.member``),
and the retention periods are the server's own (``SECURITYSERVER_MESSAGELOG_ARCHIVE_EVERY_SECONDS``,
``…_MESSAGELOG_KEEP_RECORDS_DAYS``, ``…_OPMON_KEEP_RECORDS_DAYS``): hence :func:`notice`, called
by the app factory, rather than a module constant.

What it keeps: the message log (``messagelog_record``: every request and response relayed,
header part and body, hash-chained, sealed with a TSA token over a Merkle root, archived to
ZIP files that the server never deletes; archived records leave the database after the keep
period) and the operational monitoring records (``opmon_record``: ids, ``X-Road-UserId``,
client, service, path without query, times, sizes, outcome). Kit services put the citizen's
exchange pseudonym in ``X-Road-UserId``, never the My Number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l

from govkit.notices import Holding, PrivacyNotice

if TYPE_CHECKING:
    from securityserver.settings import SecurityServerSettings

#: The kit's exchange members (``kit.toml``), by code; another member is named by its code.
MEMBER_NAMES = {
    "GOV/DA": _l("Digital Agency"),
    "GOV/LG-139998": _l("Sakuragi City"),
    "GOV/MOJ": _l("Ministry of Justice"),
    "GOV/JPS": _l("Japan Pension Service"),
}

#: Keeping exchanged personal data secure, and the evidence of who sent what (APPI art. 66).
SECURITY_BASIS = _l(
    "Act on the Protection of Personal Information, article 66: keeping personal data secure"
)


def _period(seconds: float) -> LazyString:
    """A length of time in the page's language: whole days, else hours, else minutes."""
    whole = round(seconds)
    if whole >= 86_400 and whole % 86_400 == 0:
        days = whole // 86_400
        return LazyString(lambda: ngettext("%(num)d day", "%(num)d days", days))
    if whole >= 3_600 and whole % 3_600 == 0:
        hours = whole // 3_600
        return LazyString(lambda: ngettext("%(num)d hour", "%(num)d hours", hours))
    minutes = max(1, round(seconds / 60))
    return LazyString(lambda: ngettext("%(num)d minute", "%(num)d minutes", minutes))


def _controller(member: str) -> Any:
    name = MEMBER_NAMES.get(member)
    if name is None:
        return _l("The exchange member %(member)s, which runs this security server", member=member)
    return _l(
        "%(name)s (exchange member %(member)s), which runs this security server",
        name=name,
        member=member,
    )


def notice(settings: SecurityServerSettings) -> PrivacyNotice:
    """The notice of the server these settings describe."""
    keep_log = _period(settings.messagelog_keep_records_days * 86_400)
    if settings.messagelog_archive_every_seconds > 0:
        archived = _l(
            "Copied to an archive file every %(every)s.",
            every=_period(settings.messagelog_archive_every_seconds),
        )
    else:
        archived = _l("Copied to an archive file when the operator runs the archive command.")
    return PrivacyNotice(
        controller=_controller(settings.member),
        holdings=(
            Holding(
                what=_l(
                    "The message log: a copy of every request and response this server relays, "
                    "with its headers and body. A body may hold personal data, such as the "
                    "details a register sends about a resident. The headers name the resident "
                    "only by their exchange pseudonym (X-Road-UserId), never by their My Number."
                ),
                why=_l(
                    "To prove later what was sent and received, by whom and when. Each record "
                    "is linked to the one before it and sealed with a time stamp, so no one can "
                    "change it unnoticed."
                ),
                basis=SECURITY_BASIS,
                kept=_l(
                    "%(archived)s Removed from the database %(keep)s after it was logged, once "
                    "it is in an archive. The server does not delete the archive files.",
                    archived=archived,
                    keep=keep_log,
                ),
            ),
            Holding(
                what=_l(
                    "Monitoring records: for each message, when it came and went, which system "
                    "called which service, the path without its query, sizes and whether it "
                    "succeeded. If the call gives them, also the resident's exchange pseudonym "
                    "and a case reference."
                ),
                why=_l(
                    "To check that the exchange works, and to show this member's systems how "
                    "their calls went."
                ),
                basis=SECURITY_BASIS,
                kept=_l(
                    "%(keep)s, then deleted.",
                    keep=_period(settings.opmon_keep_records_days * 86_400),
                ),
            ),
        ),
        shared=(
            _l(
                "The security server of the other agency in each exchange keeps its own copy of "
                "the message, under that agency's notice."
            ),
            _l(
                "The kit's time-stamping service receives only a hash of each batch of records, "
                "never the records."
            ),
        ),
        notes=(
            _l(
                "The kit's services never send your My Number through the exchange. Your "
                "exchange pseudonym links to nothing without a key that this server does not "
                "hold."
            ),
        ),
    )
