"""central's privacy notice (``/privacy``): the exchange's registry holds no data about residents.

Its tables (``central.models``) describe organisations: members (class, code, name),
subsystems, security servers (address, certificate fingerprints), hosted clients and global
groups. Nothing is deleted: a revoked entry keeps its row. No message between agencies passes
through central. The notice says so, with the one holding it does keep.
"""

from flask_babel import lazy_gettext as _l

from govkit.notices import Holding, PrivacyNotice

NOTICE = PrivacyNotice(
    controller=_l("Digital Agency, which runs the data exchange in this demonstration"),
    holdings=(
        Holding(
            what=_l(
                "The exchange's members, which are organisations, with their subsystems and "
                "security servers: names, identifiers, server addresses and certificate "
                "fingerprints. No data about residents."
            ),
            why=_l(
                "To publish the signed list that tells security servers who may exchange data, "
                "and how to reach each other."
            ),
            basis=_l(
                "Act for Establishment of the Digital Agency, article 4: running the "
                "government's shared information systems"
            ),
            kept=_l(
                "Not deleted. A member, subsystem or server that leaves keeps its record, so "
                "its identifier is never used again."
            ),
        ),
    ),
    shared=(
        _l(
            "The list of current members, subsystems and servers (the global configuration) is "
            "public: every security server downloads it, and anyone may."
        ),
    ),
    notes=(
        _l(
            "This service holds no personal data about residents. The data agencies exchange "
            "about you never passes through it."
        ),
    ),
)
