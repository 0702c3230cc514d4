"""Signing citizens in with the kit's OpenID provider: the relying party's side.

Mechanisms only; each service decides which pages need which level.

* :mod:`govkit.auth.web` — :func:`init_auth` (the Flask extension and its ``/auth/…`` pages),
  :func:`login_required`, :func:`citizen_access`, :func:`current_citizen`;
* :mod:`govkit.auth.models` — :func:`auth_tables`: the two sign-in tables on a service's own
  registry (each service adds them with a migration of its own);
* :mod:`govkit.auth.registration` — the client key and the registration (``kit prepare``);
* :mod:`govkit.auth.client` — discovery, keys, token endpoint, userinfo;
* :mod:`govkit.auth.idtoken` — ID token and logout token checks;
* :mod:`govkit.auth.flow` — state, nonce and PKCE of a sign-in in progress;
* :mod:`govkit.auth.signing` — :class:`CardSignature` (a My Number card's signature from the
  provider's signing step-up) and :func:`verify_card_signature` for stored ones.

In an app factory::

    from govkit.auth import init_auth
    init_auth(app, settings, sector="GOV/LG-139998", client_name="住民票の写し", model=AUTH)

and in a service's seed: ``seed_client(settings, sector=…, client_name=…)``.
"""

from govkit.auth.client import (
    AuthError,
    ClientIdentity,
    ProviderClient,
    ProviderUnavailable,
    TokenRequestFailed,
)
from govkit.auth.idtoken import (
    IdTokenClaims,
    InvalidToken,
    LogoutClaims,
    acr_satisfies,
    validate_id_token,
    validate_logout_token,
)
from govkit.auth.models import AuthTables, auth_tables
from govkit.auth.registration import (
    NotConfigured,
    Registration,
    RegistrationError,
    load_registration,
    register_client,
    seed_client,
)
from govkit.auth.signing import CardSignature, verify_card_signature
from govkit.auth.web import (
    Citizen,
    RelyingParty,
    SignatureRefusal,
    citizen_access,
    current_citizen,
    init_auth,
    login_required,
    relying_party,
    render_signed_in,
    request_signature,
    require_citizen,
    signature_for,
    signature_refusal,
)

__all__ = [
    "AuthError",
    "AuthTables",
    "CardSignature",
    "Citizen",
    "ClientIdentity",
    "IdTokenClaims",
    "InvalidToken",
    "LogoutClaims",
    "NotConfigured",
    "ProviderClient",
    "ProviderUnavailable",
    "Registration",
    "RegistrationError",
    "RelyingParty",
    "SignatureRefusal",
    "TokenRequestFailed",
    "acr_satisfies",
    "auth_tables",
    "citizen_access",
    "current_citizen",
    "init_auth",
    "load_registration",
    "login_required",
    "register_client",
    "relying_party",
    "render_signed_in",
    "request_signature",
    "require_citizen",
    "seed_client",
    "signature_for",
    "signature_refusal",
    "validate_id_token",
    "validate_logout_token",
    "verify_card_signature",
]
