"""The portal's privacy notice (``/privacy``): what it keeps, why, on what basis, how long.

It must stay true to the code. The portal keeps only its own records (``portal.models``): the
citizen's consent decisions and their audit trail, the specimen certificates it issued (about a
fictional person, with a hash that ties each to the browser that asked for it), and the
sign-out notices of Madoguchi ID (``govkit.auth``, pruned after two days). What it reads
through the exchange (the citizen's details, their certificates, their data-usage record) is
shown and forgotten, and a document checked on ``/verify`` is never saved: the verdict lives
only in the browser's session cookie. Nothing here deletes consents, their events or
documents, and the notice says so.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from govkit.auth.privacy import sign_in_holdings
from govkit.notices import Holding, PrivacyNotice

NOTICE = PrivacyNotice(
    controller=_l("The Digital Agency, which runs the Madoguchi portal (in this demonstration)."),
    holdings=(
        Holding(
            what=_l(
                "Your consent decisions: for each consent you give, refuse or withdraw, its "
                "number (your check code is one), what it covers, who may use it and why, and "
                "when you decided. You are known only by your exchange pseudonym, never by your "
                "name or My Number."
            ),
            why=_l(
                "To show you your consents and let you withdraw them, and to tell Sakuragi City "
                "whether a consent you gave still holds when it is asked for your data."
            ),
            basis=_l(
                "Your consent. The portal keeps the record of it as part of the Digital "
                "Agency's duties (Act for Establishment of the Digital Agency, art. 4; Act on "
                "the Protection of Personal Information, art. 61)."
            ),
            kept=_l(
                "The kit deletes nothing: kept for as long as the portal's database exists. "
                "Withdrawing a consent marks it withdrawn but does not delete it, because its "
                "number may appear in your data-usage record."
            ),
        ),
        Holding(
            what=_l(
                "The history of each consent: every decision (given, refused or withdrawn), "
                "when it was made and the number of the web request that made it."
            ),
            why=_l("To prove what was decided about each consent, and when."),
            basis=_l(
                "The security measures a public body must take (Act on the Protection of "
                "Personal Information, art. 66)."
            ),
            kept=_l("The kit deletes nothing: kept for as long as the portal's database exists."),
        ),
        Holding(
            what=_l(
                "Specimen certificates issued here: the signed PDF, its number, dates and "
                "status. They describe a fictional person, not you. With each we keep a hash of "
                "a random code from your browser's session cookie, so that only your browser "
                "can revoke it."
            ),
            why=_l(
                "So that anyone can check the certificate and whether it has been revoked, and "
                "so that you can revoke it."
            ),
            basis=_l("Your request for a specimen certificate."),
            kept=_l(
                "The kit deletes nothing: the record is kept so that the certificate's status "
                "can still be checked. A specimen is valid for 90 days. Once you close your "
                "browser, nobody can revoke it."
            ),
        ),
        *sign_in_holdings(
            agency=_l("the Digital Agency"),
            basis=_l(
                "The security measures a public body must take (Act on the Protection of "
                "Personal Information, art. 66)."
            ),
        ),
    ),
    shared=(
        _l(
            "Sakuragi City's resident register, through the data exchange: each time you ask "
            "for your details or open your documents or who used your data, the portal sends "
            "your exchange pseudonym (never your name or My Number), a case number, the "
            "purpose and, for your details, the number of your consent. Sakuragi City records "
            "each request for your details in your data-usage record."
        ),
        _l(
            "Sakuragi City, when it checks one of your consents through the exchange: the "
            "consent's status, your exchange pseudonym, what it covers, why, and its dates."
        ),
        _l(
            "When a bank or landlord checks your residence certificate with your check code: "
            "the certificate's number and the check code go to Sakuragi City, which answers "
            "only whether you have moved since it was issued and records the check in your "
            "data-usage record. A government agency that checks a certificate through the "
            "exchange is named to Sakuragi City, with its legal basis."
        ),
        _l("The exchange's security servers keep a signed log of every message sent through them."),
    ),
    notes=(
        _l(
            "The portal does not keep your details from the resident register, the list of "
            "your certificates, their PDFs or your data-usage record. It asks Sakuragi City "
            "for them through the exchange each time you ask, shows them only to you, and "
            "does not save them."
        ),
        _l(
            "Documents checked on the “Check a document” page are not saved: the file or QR "
            "text is read to check it and then discarded. The result (the verdict, the "
            "document's number, issuer and dates) is kept only in your browser's session "
            "cookie until you close your browser."
        ),
        _l(
            "Who you are, as Madoguchi ID told the portal when you signed in, is kept only in "
            "your browser's session cookie until you sign out or close your browser. The "
            "portal never receives your My Number."
        ),
    ),
)
