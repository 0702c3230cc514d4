"""residence's privacy notice (``/privacy``, linked from every page's footer).

What the service keeps (``residence.models``), why, on what legal basis and for how long, who
else receives it (the exchange services and access rights of Sakuragi City's security server,
``services/securityserver/src/securityserver/catalogues/GOV-LG-139998.toml``), and what a
citizen should know beyond that. The retention periods are the real rules; the kit itself
deletes nothing (``make reset`` deletes everything at once), and each text says so.

Keep it true: a new table, a new item on a record or a new exchange service changes this notice.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from govkit.auth.privacy import sign_in_holdings
from govkit.notices import Holding, PrivacyNotice

_NOTHING_DELETED = _l("No period is set by law. This demonstration deletes none of these records.")

NOTICE = PrivacyNotice(
    controller=_l(
        "Sakuragi City (a fictional city), Citizens' Division. It keeps the city's Basic "
        "Resident Register and issues copies of residence records."
    ),
    holdings=(
        Holding(
            what=_l(
                "Your record in the resident register: your name, its reading in kana and its "
                "spelling in Roman letters, date of birth, sex, address and postal code, your "
                "household and your relationship to its head, the date you became a resident, "
                "the date you moved to your address and told us, and your previous address. For "
                "Japanese nationals, also the registered domicile (honseki) and the head of that "
                "family register. And the pseudonymous number the data exchange knows you by "
                "(not your My Number)."
            ),
            why=_l(
                "To keep the city's register of who lives where, which many of your rights and "
                "public services depend on, and to issue certified copies of it."
            ),
            basis=_l("Basic Resident Registration Act, Articles 6 and 7"),
            kept=_l(
                "While you live in Sakuragi City. When you move away or die, it becomes a "
                "removed resident's record (see below)."
            ),
        ),
        Holding(
            what=_l("Your My Number and your resident record code (juminhyo code)"),
            why=_l(
                "They are part of your record. They appear on a copy only if you ask for them, "
                "and only for a procedure where a law requires them."
            ),
            basis=_l(
                "Basic Resident Registration Act, Article 7 (items 8-2 and 13); My Number Act, "
                "Article 19 (a My Number may be given only in the cases it lists)"
            ),
            kept=_l("As long as the rest of your record."),
        ),
        Holding(
            what=_l(
                "If you are a foreign resident: your nationality or region, your category of "
                "foreign resident, status of residence, period of stay and the date it ends, "
                "and your residence card number"
            ),
            why=_l(
                "Foreign residents are registered like everyone else. These items take the "
                "place of the registered domicile."
            ),
            basis=_l("Basic Resident Registration Act, Article 30-45"),
            kept=_l("As long as the rest of your record."),
        ),
        Holding(
            what=_l(
                "If you asked for protection from domestic violence, stalking or abuse: that a "
                "support measure applies to you, its start and end dates, and the name and date "
                "of birth of the person it protects you from"
            ),
            why=_l(
                "To refuse copies of your record to that person, and to check other people's "
                "requests about you with extra care."
            ),
            basis=_l(
                "Basic Resident Registration Act, Articles 12 and 12-3 (refusing requests made "
                "for an improper purpose), and the national rules on support measures"
            ),
            kept=_l(
                "A measure lasts 1 year and can be renewed. The record of a measure that ended "
                "or was lifted is kept: no period is set by law, and this demonstration deletes "
                "none."
            ),
        ),
        Holding(
            what=_l(
                "If you moved out of the city or died: your record as it was, marked as "
                "removed, with the date, the reason and, for a move, your new address"
            ),
            why=_l(
                "To prove where a person lived, for example for an inheritance, and to issue "
                "copies of a removed record to those entitled to one."
            ),
            basis=_l(
                "Basic Resident Registration Act, Article 15-2; Order for Enforcement of the "
                "Act, Article 34"
            ),
            kept=_l(
                "150 years from the day the record was removed (since the 2019 amendment; "
                "before it, 5 years)."
            ),
        ),
        Holding(
            what=_l(
                "Requests for copies: who asked (their name and their sign-in identifier at the "
                "city), whose record, which people and items, the purpose, the number of copies "
                "and the fee, a postal code if a printed copy was asked for, the card signature "
                "when one was needed, the reason and evidence a third party gave, and the "
                "decision"
            ),
            why=_l(
                "To decide each request by the rules on who may have a copy, to show you your "
                "requests, and to account for every decision."
            ),
            basis=_l(
                "Basic Resident Registration Act, Article 12 (you and your household) and "
                "Article 12-3 (other people with a legitimate reason)"
            ),
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l(
                "Copies issued (the issuance register): the sealed PDF, who it was issued to, "
                "whose record it shows, the address at the time, its number and fingerprint "
                "(hash), and whether it is valid, revoked or replaced"
            ),
            why=_l(
                "So that you can download your copies again, so that anyone holding a copy can "
                "check that it is genuine and still valid, and so that a copy issued in error "
                "can be revoked."
            ),
            basis=_l("Basic Resident Registration Act, Articles 12 and 12-3"),
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l(
                "Letters of authority you sign: the name and date of birth of the person you "
                "authorise, the purpose, whether they may ask for copies showing your My "
                "Number, the dates it is valid, the text you signed and your card's signature"
            ),
            why=_l("To check that a request made for you by someone else is one you authorised."),
            basis=_l("Basic Resident Registration Act, Article 12 (requests made by a proxy)"),
            kept=_l(
                "A letter is valid for at most 3 months. Its record is kept after that: no "
                "period is set by law, and this demonstration deletes none."
            ),
        ),
        Holding(
            what=_l(
                "A log of every change to the register and every decision on a request: which "
                "clerk or resident did what, when, and on whose record. It never holds a My "
                "Number or a resident record code."
            ),
            why=_l("To show who changed what, and to detect and correct misuse."),
            basis=_l(
                "Basic Resident Registration Act, Article 36-2; Act on the Protection of "
                "Personal Information, Article 66 (keeping personal data safe)"
            ),
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l(
                "Changes to the register: moves into, within and out of the city, births, "
                "deaths and corrections, with the date each took effect"
            ),
            why=_l(
                "So that agencies that must keep their own records up to date learn of a change "
                "without asking you for a copy."
            ),
            basis=_l(
                "The law each agency names when it asks (for example Basic Resident "
                "Registration Act, Article 30-11, or My Number Act, Article 19)"
            ),
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l(
                "A record of every request another organisation made about you through the "
                "data exchange, answered or refused: who asked, which service, when, which "
                "items, the purpose and legal basis given, and the outcome"
            ),
            why=_l(
                "So that you can see who used your data (“Who used my data” on the Madoguchi "
                "portal). Each entry is chained to the one before, so a change to any of them "
                "can be detected."
            ),
            basis=_l(
                "Modelled on the record of information exchanges that the My Number Act "
                "requires (Article 23)"
            ),
            kept=_l(
                "The national network keeps such records for 7 years. This demonstration "
                "deletes none."
            ),
        ),
        Holding(
            what=_l(
                "When an organisation asks on your consent: the consent's number and whether it "
                "allowed the answer (given, withdrawn, refused, not found, not covering the "
                "request, or impossible to check). The Madoguchi portal keeps your consents; "
                "the city keeps no copy of them."
            ),
            why=_l(
                "To release your data on your consent only if you gave it, to that "
                "organisation, for those items, and to show you the outcome."
            ),
            basis=_l(
                "Act on the Protection of Personal Information, Article 69 (personal data used "
                "for another purpose only with your consent or where a law allows it)"
            ),
            kept=_l("In the record of who used your data (see above)."),
        ),
        *sign_in_holdings(
            agency=_l("Sakuragi City"),
            basis=_l(
                "Act on the Protection of Personal Information, article 61: the city keeps only "
                "what its duties need"
            ),
        ),
    ),
    shared=(
        _l(
            "Sakuragi City's child allowance and childcare service, the Japan Pension Service "
            "and the Legal Affairs Bureau: your name, reading in kana, date of birth, sex and "
            "address, the members of your household and their relationships, and changes such "
            "as moves, births and deaths. Only through the data exchange, and only when a law "
            "allows it or you consented."
        ),
        _l(
            "The Madoguchi portal (Digital Agency): your name, date of birth, sex and address "
            "to show in your account, if you consented; your copies, for “Your documents”; and "
            "the record of who used your data, to show it to you."
        ),
        _l(
            "A bank, a landlord or anyone else you give a copy to: only whether you still live "
            "at the address it shows, and only if you also gave them your check code. A "
            "government agency checking a copy may ask this when a law allows it."
        ),
        _l(
            "Anyone holding a copy can check online that it is genuine and whether it has been "
            "revoked. This tells them nothing else about you."
        ),
    ),
    notes=(
        _l(
            "A support measure for victims of domestic violence, stalking or abuse is never "
            "shown: not on a copy, not in this service's pages and not through the data "
            "exchange. Only the city's clerks see it. A request from the person you are "
            "protected from gets the same answer as a request about nobody, so it reveals "
            "nothing about you."
        ),
        _l(
            "Your My Number and resident record code are never put in web addresses or logs, "
            "are shown to clerks only in part, and are never given to a third party. A copy "
            "showing them that a proxy asks for is posted to you, never handed to the proxy."
        ),
        _l(
            "This service deletes nothing by itself: the periods above are the real rules. "
            "Running “make reset” deletes all of its data at once."
        ),
    ),
)
