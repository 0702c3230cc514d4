"""company's privacy notice (``/privacy``): what the service keeps about a citizen.

Online applications are not open yet, so the service keeps only what signing in needs
(``govkit.auth.privacy.sign_in_holdings``). Change this notice when applications open.
"""

from flask_babel import lazy_gettext as _l

from govkit.auth.privacy import sign_in_holdings
from govkit.notices import PrivacyNotice

#: The legal basis of signing in: a public body holds what its duties need (APPI art. 61).
SIGN_IN_BASIS = _l(
    "Act on the Protection of Personal Information, article 61: the ministry keeps only what "
    "its duties need"
)

NOTICE = PrivacyNotice(
    controller=_l("Ministry of Justice (Legal Affairs Bureau)"),
    holdings=sign_in_holdings(agency=_l("the Ministry of Justice"), basis=SIGN_IN_BASIS),
    notes=(
        _l(
            "Online applications are not open yet. Until they open, this service keeps nothing "
            "about you except what signing in needs."
        ),
        _l(
            "When they open, the Legal Affairs Bureau will keep what your registration needs "
            "under the Commercial Registration Act and the Companies Act. This notice will then "
            "say what, and for how long."
        ),
        _l("This service never receives your My Number. It does not keep your address or sex."),
    ),
)
