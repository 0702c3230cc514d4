"""Madoguchi ID's privacy notice (``/privacy``): what the provider keeps, why, on what basis
and for how long.

It must stay true to the code (``idp.models`` and the code that writes and deletes rows):

* residents (``citizen``) and their cards (``card``), enrolled by ``idp.provisioning``; the
  simulated chip (``card_secret``) holds the card's keys and only scrypt hashes of the PIN and
  the signing password;
* passkeys, removed by the citizen (``idp.passkeys.remove_passkey``);
* sign-in requests in progress (``login_transaction``: deleted when the sign-in finishes, 15
  minutes to finish it), single sign-on sessions (``op_session``, ``session_client``: they end
  after ``session_lifetime`` or at sign-out, and stay as ended rows);
* codes and tokens as SHA-256 hashes (``authorization_code``: purged by the token endpoint's
  housekeeping an hour after expiry; ``token``: kept, revoked at sign-out or withdrawal);
* consents per client (``consent``: marked revoked, not deleted), the audit trail
  (``audit_event``: never a PIN, password, code or token) and counter staff (``staff_user``).

The lifetimes quoted are the defaults of ``idp.settings.IdpSettings``. Pairwise subjects and
the exchange pseudonym are computed when needed (``idp.provider``), never stored. Nothing else
is ever deleted, and the notice says so.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from govkit.notices import Holding, PrivacyNotice

_NOTHING_DELETED = _l(
    "The kit deletes nothing: kept for as long as the provider's database exists."
)
_SECURITY = _l(
    "The security measures a public body must take (Act on the Protection of Personal "
    "Information, art. 66)."
)

NOTICE = PrivacyNotice(
    controller=_l(
        "The Digital Agency, which runs Madoguchi ID (in this demonstration). Locked cards are "
        "reset at the counter of Sakuragi City's Citizens' Division."
    ),
    holdings=(
        Holding(
            what=_l(
                "Your name (in kanji, kana and roman letters), date of birth, gender and "
                "address with postcode (the basic four), as on your My Number card's signing "
                "certificate, and an internal number for you."
            ),
            why=_l(
                "To tell the services you sign in to who you are, with only the details they "
                "asked for and you agreed to."
            ),
            basis=_l(
                "Public Personal Authentication Act (JPKI); the "
                "Digital Agency's duties (Act on the Protection of Personal Information, "
                "art. 61)."
            ),
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l("Your My Number (12 digits)."),
            why=_l(
                "To give it to a service only when the service is registered with a statutory "
                "basis for receiving it and asks for it. Every release is recorded in the "
                "audit log."
            ),
            basis=_l("My Number Act, arts. 19 and 20."),
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l(
                "Your card's certificates: the user authentication certificate with its serial "
                "number and, from the age of 15, the signing certificate, and when the card was "
                "issued."
            ),
            why=_l(
                "To check that it is your card that signs in, and to check signatures you make "
                "with it."
            ),
            basis=_l("Public Personal Authentication Act (JPKI)."),
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l(
                "The simulated chip of your card: its keys, and your 4-digit PIN and signing "
                "password, only as scrypt hashes (never the PIN or password itself), with the "
                "number of wrong tries and when the card or signing was locked."
            ),
            why=_l(
                "To check your PIN and signing password, and to lock the card after 3 wrong "
                "PINs, or signing after 5 wrong signing passwords. With a real card this stays "
                "on the card's chip."
            ),
            basis=_l(
                "Public Personal Authentication Act (JPKI); the "
                "security measures a public body must take (Act on the Protection of Personal "
                "Information, art. 66)."
            ),
            kept=_l(
                "The kit deletes nothing. A lock lasts until a counter clerk resets your PIN or "
                "signing password."
            ),
        ),
        Holding(
            what=_l(
                "Passkeys you add: the name you gave each, its identifier and public key, a "
                "use counter, and when it was added and last used."
            ),
            why=_l("To let you sign in with a passkey instead of your card."),
            basis=_l("Your choice to add a passkey."),
            kept=_l("Until you remove it on your account page."),
        ),
        Holding(
            what=_l(
                "Your sign-in sessions: when and how you signed in (card or passkey), whether "
                "your card's certificate was checked for revocation, and which services "
                "received tokens in the session. While you sign in, the request of the service "
                "that sent you is kept too."
            ),
            why=_l(
                "To sign you in once for every service, and to sign you out of all of them at once."
            ),
            basis=_l(
                "The Digital Agency's duties (Act on the Protection of Personal Information, "
                "art. 61)."
            ),
            kept=_l(
                "A session ends after 8 hours or when you sign out; the record of it is not "
                "deleted. A request is deleted when you finish signing in, and stops working "
                "after 15 minutes (an abandoned one is not deleted)."
            ),
        ),
        Holding(
            what=_l(
                "Authorization codes and tokens given to services, only as SHA-256 hashes, with "
                "the service, the details they release and when they expire."
            ),
            why=_l(
                "To check a code or token when a service uses it, and to revoke it when you "
                "sign out or withdraw a consent."
            ),
            basis=_SECURITY,
            kept=_l(
                "A code works for 60 seconds and is deleted at a clean-up at least an hour "
                "later. An access token and an ID token work for 10 minutes, a refresh token "
                "for 30 days. Token records are not deleted."
            ),
        ),
        Holding(
            what=_l(
                "Your consents: which details each service may receive, when you agreed and "
                "when you withdrew."
            ),
            why=_l(
                "To release your details only to the services you agreed to, and to show them "
                "on your account page."
            ),
            basis=_l(
                "Your consent (Act on the Protection of Personal Information, art. 69(2)(i))."
            ),
            kept=_l(
                "Until you withdraw the consent on your account page. The record is then marked "
                "withdrawn, not deleted, and the service's tokens are revoked."
            ),
        ),
        Holding(
            what=_l(
                "The audit log: sign-ins and failed attempts, locks and counter resets, tokens "
                "issued and revoked, consents, passkeys, releases of your My Number and "
                "sign-outs, with the time and the service. It never holds a PIN, password, code "
                "or token."
            ),
            why=_l("To detect misuse, and to know which service received your My Number and when."),
            basis=_SECURITY,
            kept=_NOTHING_DELETED,
        ),
        Holding(
            what=_l(
                "Counter staff accounts: user name, display name, password (only as a scrypt "
                "hash), the secret for their one-time codes, failed attempts and locks."
            ),
            why=_l(
                "To let municipal counter clerks sign in and reset locked cards, and to record "
                "who did it."
            ),
            basis=_SECURITY,
            kept=_NOTHING_DELETED,
        ),
    ),
    shared=(
        _l(
            "Each service you sign in to receives only the details it asked for and you agreed "
            "to. Madoguchi's own services show no consent page: using one of them counts as "
            "your agreement."
        ),
        _l(
            "Each agency receives a different identifier for you (a pairwise identifier), so "
            "agencies cannot link your sign-ins by it. Madoguchi's own services also receive "
            "your exchange pseudonym, which they use to ask other agencies for your data "
            "through the data exchange."
        ),
        _l(
            "Your My Number goes only to a service registered with a statutory basis for "
            "receiving it (My Number Act, art. 19). Each release is recorded in the audit log."
        ),
        _l(
            "The kit's certificate authority (the trust service, playing the JPKI authority) "
            "receives your basic four when your card's signing certificate is issued, and the "
            "serial number of your card's certificate when a service asks us to check whether "
            "it has been revoked."
        ),
        _l(
            "When you sign out, each service you used in the session is told, so that it signs "
            "you out too."
        ),
    ),
    notes=(
        _l(
            "Madoguchi ID never holds your PIN, your signing password, or any authorization "
            "code or token itself: only their hashes."
        ),
        _l(
            "Pairwise identifiers and your exchange pseudonym are not stored. They are "
            "computed when needed from your record and a secret value the provider holds."
        ),
    ),
)
