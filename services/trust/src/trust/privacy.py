"""trust's privacy notice (``/privacy``): what the kit's trust service provider keeps.

Its only personal data are the simulated My Number card certificates (``certificate`` rows of
profiles ``jpki-sign`` and ``jpki-auth``, holder = the card's id) and their revocation status.
The signing certificate carries the holder's basic four (and an optional kana reading, see
``trust.pki``) and their name as its common name; the authentication certificate only the
card's id. No row is ever deleted. The public status lookup (``/api/v1/certificates/<serial>``)
gives the subject, hence a signing certificate's holder name, but none of the other three.
The TSA signs the hash it is sent and stores nothing; CRLs and OCSP answers name serials only.
Agencies' and security servers' certificates name organisations, not people.
"""

from flask_babel import lazy_gettext as _l

from govkit.notices import Holding, PrivacyNotice

#: J-LIS's certification services for the My Number card (公的個人認証法).
JPKI_ACT = _l(
    "Act on Certification Services for Electronic Signatures by the Japan Agency for Local "
    "Authority Information Systems (the Public Personal Authentication Act)"
)

NOTICE = PrivacyNotice(
    controller=_l(
        "Digital Agency, in this demonstration. For real My Number cards, the Japan Agency for "
        "Local Authority Information Systems (J-LIS) issues the certificates."
    ),
    holdings=(
        Holding(
            what=_l(
                "The certificates of simulated My Number cards, filed under the card's "
                "identifier. The signing certificate carries the holder's name, address, date "
                "of birth and sex (and the name in kana, if given). The user authentication "
                "certificate carries none of these: only the card's identifier."
            ),
            why=_l(
                "To issue the card's certificates, and to check later which certificate made a "
                "signature or a sign-in."
            ),
            basis=JPKI_ACT,
            kept=_l(
                "Each certificate is valid for 5 years. Its record is not deleted when it "
                "expires or is revoked, so that signatures made with it can still be checked."
            ),
        ),
        Holding(
            what=_l(
                "Whether a card certificate has been revoked, when, and why (for example, "
                "because the card was lost)."
            ),
            why=_l("To tell services that a certificate must no longer be trusted."),
            basis=JPKI_ACT,
            kept=_l("As long as the certificate's record: it is not deleted."),
        ),
    ),
    shared=(
        _l(
            "Anyone can download the revocation lists (CRLs) and ask the OCSP service about a "
            "certificate. These name a certificate only by its serial number."
        ),
        _l(
            "Anyone who knows a certificate's serial number can look up its status here: the "
            "card's identifier, the name the certificate is issued to (for a signing "
            "certificate, the holder's name), its dates and whether it was revoked. The answer "
            "never gives the address, date of birth or sex."
        ),
    ),
    notes=(
        _l(
            "The time-stamping service keeps nothing. It receives only a hash of a document, "
            "never the document itself, and it does not store the time stamps it signs."
        ),
        _l(
            "The other certificates this service issues belong to agencies and their servers, "
            "not to people."
        ),
        _l("The holder's name, address, date of birth and sex are never written to our logs."),
    ),
)
