"""Checking the tokens an OpenID provider sends a relying party: ID tokens and back-channel
logout tokens.

Both are JWS compact tokens signed with one of the provider's published keys. Every check of
OpenID Connect Core §3.1.3.7 and Back-Channel Logout 1.0 §2.6 is made here, with the clock
and the key lookup passed in, so each failure can be tested on its own:

* the algorithm is on an allow-list of asymmetric algorithms (never ``none`` or ``HS*``), the
  header names a ``kid`` and the key of that ``kid`` suits the algorithm;
* ``iss`` is the issuer exactly, ``aud`` holds the client (and ``azp`` names it when several
  audiences are listed), ``exp`` is ahead, ``iat`` is not in the future (beyond the leeway);
* ID tokens: ``nonce`` is the one this browser's flow sent, ``sub`` and ``auth_time`` are there,
  ``acr`` is at least the level asked for, ``auth_time`` is within ``max_age``, and ``at_hash``
  (when present) matches the access token;
* logout tokens: ``typ`` is ``logout+jwt`` when given, ``events`` holds the back-channel logout
  event, there is no ``nonce``, there is a ``sid`` (the kit's clients require one) and the
  ``jti`` was not seen before (the caller remembers jtis, in its own database).

:class:`InvalidToken` carries a short ``reason`` code that is safe to log; nothing here logs
or returns the token itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

#: Signing algorithms accepted from the provider: asymmetric only.
ALLOWED_ALGS: tuple[str, ...] = ("RS256", "ES256")
#: Authentication levels, weakest first (the kit's identity provider defines them).
LEVELS: tuple[str, ...] = ("aal1", "aal2", "aal3")
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TYP = "logout+jwt"
#: Seconds of clock difference tolerated between the provider and this service.
DEFAULT_LEEWAY = 60
#: How long a logout token's jti is remembered at least, in seconds (it also lives until exp).
JTI_MEMORY = 600

_KEY_TYPES = {"RS": RSAKey, "PS": RSAKey, "ES": ECKey}
_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}

Key = RSAKey | ECKey
#: ``kid`` → the provider's public key; raises :class:`InvalidToken` (``unknown_kid``) if none.
KeyLookup = Callable[[str], Key]
#: Remember a logout token's ``jti`` until the given time (epoch seconds); False if already seen.
RememberJti = Callable[[str, float], bool]


class InvalidToken(Exception):
    """A token failed a check. ``reason`` is a short code, safe to log."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class IdTokenClaims:
    """What a checked ID token says about the sign-in."""

    sub: str
    sid: str | None
    acr: str | None
    amr: tuple[str, ...]
    auth_time: int
    iat: int
    exp: int
    claims: Mapping[str, Any]


@dataclass(frozen=True)
class LogoutClaims:
    """A checked back-channel logout token: which sign-in session ended."""

    sid: str
    sub: str | None
    jti: str
    iat: int
    exp: int


def acr_rank(acr: str | None) -> int:
    """0 for an unknown level, 1 for ``aal1`` … 3 for ``aal3``."""
    return LEVELS.index(acr) + 1 if acr in LEVELS else 0


def acr_satisfies(acr: str | None, required: str | None) -> bool:
    """Whether a sign-in at ``acr`` is good enough for ``required`` (None: anything)."""
    return required is None or acr_rank(acr) >= acr_rank(required) > 0


def half_hash(value: str, alg: str) -> str:
    """``at_hash``: base64url of the left half of the hash that ``alg`` uses."""
    hasher = _HASHES.get(alg[-3:])
    if hasher is None:
        raise InvalidToken("at_hash", f"no hash for {alg}")
    digest = hasher(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


# -- signature ---------------------------------------------------------------------------------


def _header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > 16_384:
        raise InvalidToken("malformed", "not a token")
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, UnicodeError, ValueError) as exc:
        raise InvalidToken("malformed", "not a JWS in compact form") from exc
    return dict(header)


def verify_signature(
    token: str, keys: KeyLookup, *, allowed_algs: Collection[str] = ALLOWED_ALGS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the signature with the key the header names; the header and the claims."""
    header = _header(token)
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed_algs:
        raise InvalidToken("alg_not_allowed", f"algorithm {alg!r} is not accepted")
    if "crit" in header:
        raise InvalidToken("malformed", "critical header parameters are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("no_kid", "the header names no key")
    key = keys(kid)
    expected_type = _KEY_TYPES.get(alg[:2])
    if expected_type is None or not isinstance(key, expected_type):
        raise InvalidToken("key_mismatch", f"key {kid!r} cannot verify {alg}")
    key_alg = key.get("alg")
    if key_alg is not None and key_alg != alg:
        raise InvalidToken("key_mismatch", f"key {kid!r} is for {key_alg}, not {alg}")
    if key.get("use") not in (None, "sig"):
        raise InvalidToken("key_mismatch", f"key {kid!r} is not a signing key")
    try:
        decoded = jwt.decode(token, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidToken("signature", "the signature does not verify") from exc
    claims = decoded.claims
    if not isinstance(claims, dict):
        raise InvalidToken("malformed", "the claims are not a JSON object")
    return header, claims


# -- common claims -----------------------------------------------------------------------------


def _integer(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidToken(f"{name}_missing", f"{name} is missing or not a number")
    return int(value)


def _check_common(
    claims: Mapping[str, Any], *, issuer: str, client_id: str, now: float, leeway: int
) -> tuple[int, int]:
    if claims.get("iss") != issuer:
        raise InvalidToken("issuer", "the token is from another issuer")
    audience = claims.get("aud")
    if isinstance(audience, str):
        audiences = [audience]
    elif isinstance(audience, list) and all(isinstance(a, str) for a in audience):
        audiences = audience
    else:
        raise InvalidToken("audience", "aud is missing")
    if client_id not in audiences:
        raise InvalidToken("audience", "the token is for another client")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise InvalidToken("azp", "azp does not name this client")
    exp = _integer(claims, "exp")
    iat = _integer(claims, "iat")
    if now >= exp + leeway:
        raise InvalidToken("expired", "the token has expired")
    if iat > now + leeway:
        raise InvalidToken("issued_in_future", "the token is issued in the future")
    return iat, exp


def _text(claims: Mapping[str, Any], name: str, limit: int = 255) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise InvalidToken(f"{name}_invalid", f"{name} is not a short string")
    return value


# -- ID tokens ---------------------------------------------------------------------------------


def validate_id_token(
    token: str,
    *,
    keys: KeyLookup,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
    access_token: str | None = None,
    required_acr: str | None = None,
    max_age: int | None = None,
    leeway: int = DEFAULT_LEEWAY,
    allowed_algs: Collection[str] = ALLOWED_ALGS,
) -> IdTokenClaims:
    """Check an ID token from the token endpoint (authorization code flow); its claims."""
    header, claims = verify_signature(token, keys, allowed_algs=allowed_algs)
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in ("jwt", "application/jwt"):
        raise InvalidToken("typ", f"a {typ!r} token is not an ID token")
    iat, exp = _check_common(claims, issuer=issuer, client_id=client_id, now=now, leeway=leeway)
    if "events" in claims:
        raise InvalidToken("typ", "a logout token is not an ID token")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(
        token_nonce.encode(), nonce.encode()
    ):
        raise InvalidToken("nonce", "the nonce is not the one this sign-in sent")
    sub = _text(claims, "sub")
    if sub is None:
        raise InvalidToken("sub_missing", "sub is missing")
    auth_time = _integer(claims, "auth_time")
    if auth_time > now + leeway:
        raise InvalidToken("auth_time_in_future", "auth_time is in the future")
    acr = _text(claims, "acr")
    if not acr_satisfies(acr, required_acr):
        raise InvalidToken("acr", f"signed in at {acr!r}, {required_acr!r} is needed")
    if max_age is not None and now - auth_time > max_age + leeway:
        raise InvalidToken("max_age", "the sign-in is older than max_age allows")
    at_hash = claims.get("at_hash")
    if access_token is not None and at_hash is not None:
        expected = half_hash(access_token, str(header["alg"]))
        if not isinstance(at_hash, str) or not hmac.compare_digest(at_hash, expected):
            raise InvalidToken("at_hash", "at_hash does not match the access token")
    amr = claims.get("amr", [])
    if not isinstance(amr, list) or not all(isinstance(m, str) for m in amr):
        raise InvalidToken("amr_invalid", "amr is not a list of strings")
    return IdTokenClaims(
        sub=sub,
        sid=_text(claims, "sid"),
        acr=acr,
        amr=tuple(amr),
        auth_time=auth_time,
        iat=iat,
        exp=exp,
        claims=claims,
    )


# -- logout tokens -----------------------------------------------------------------------------


def validate_logout_token(
    token: str,
    *,
    keys: KeyLookup,
    issuer: str,
    client_id: str,
    now: float,
    remember_jti: RememberJti,
    leeway: int = DEFAULT_LEEWAY,
    allowed_algs: Collection[str] = ALLOWED_ALGS,
) -> LogoutClaims:
    """Check a back-channel logout token; the session it ends.

    ``remember_jti(jti, until)`` is called last, once every other check passed, and must
    return False when the jti was already seen (a replay).
    """
    header, claims = verify_signature(token, keys, allowed_algs=allowed_algs)
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in (LOGOUT_TYP, f"application/{LOGOUT_TYP}"):
        raise InvalidToken("typ", f"a {typ!r} token is not a logout token")
    iat, exp = _check_common(claims, issuer=issuer, client_id=client_id, now=now, leeway=leeway)
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise InvalidToken("events", "the back-channel logout event is missing")
    if "nonce" in claims:
        raise InvalidToken("nonce_present", "a logout token must not carry a nonce")
    sub = _text(claims, "sub")
    sid = _text(claims, "sid")
    if sid is None:
        raise InvalidToken("sid_missing", "this client needs the session id (sid)")
    jti = _text(claims, "jti")
    if jti is None:
        raise InvalidToken("jti_missing", "jti is missing")
    if not remember_jti(jti, max(float(exp + leeway), now + JTI_MEMORY)):
        raise InvalidToken("replayed", "this logout token was already received")
    return LogoutClaims(sid=sid, sub=sub, jti=jti, iat=iat, exp=exp)
