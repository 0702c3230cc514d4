"""Passkeys (WebAuthn): added after a card sign-in, then a way to sign in at ``aal2``.

A citizen who signed in with their My Number card (``aal3``) may register up to
:data:`MAX_PASSKEYS` passkeys. Later, when a relying party accepts ``aal2``, a passkey signs
them in with ``amr`` ``hwk user mfa``: a phishing-resistant key bound to an account that a
card has already proved, never an identity proof of its own.

Credentials are *discoverable* (the sign-in page does not know who is signing in) and user
verification is required (the device's PIN, fingerprint or face: the second factor). Attestation
is not asked for (``none``): the kit trusts the card sign-in that came before, not the maker of
the authenticator.

One function per intent; each takes the clock and owns its transaction. The challenge a browser
answers is kept by the caller (the web layer keeps it in the Flask session) and is burnt here on
first use, whatever the outcome, in the replay guard, so an old cookie cannot bring it back.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, func, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, options_to_json_dict
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from idp import audit, repository, signin
from idp.domain.authorization import AuthorizationRequest
from idp.domain.levels import PASSKEY_AMR, satisfies
from idp.models import Citizen, LoginTransaction, OPSession, Passkey

log = logging.getLogger(__name__)

#: A citizen may keep this many passkeys (a phone, a laptop, a security key… and spares).
MAX_PASSKEYS = 10
#: How long a browser has to answer a challenge.
CHALLENGE_LIFETIME = timedelta(minutes=5)
#: What the browser may spend on the ceremony (a hint to it, in milliseconds).
CEREMONY_TIMEOUT_MS = 120_000
#: Longest name a citizen may give a passkey (characters).
MAX_NAME = 60
#: Longest credential id accepted, base64url (the ``passkey.credential_id`` column).
MAX_CREDENTIAL_ID = 400
#: ES256 (every platform), EdDSA, RS256 (Windows Hello).
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
ACR = "aal2"
_GUARD_KIND = "passkey"
_UNPRINTABLE = frozenset({"Cc", "Cs", "Co", "Cn"})
#: Characters that reorder text on screen (a name that reads differently than it is).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class PasskeyRefused(Exception):
    """A passkey could not be registered or used; ``reason`` says why (a code the web layer
    turns into a sentence; never anything secret), ``citizen_id`` whose passkey it was, if
    known."""

    def __init__(self, reason: str, citizen_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.citizen_id = citizen_id


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: the RP ID (a host name) and the one origin allowed."""

    id: str
    name: str
    origin: str

    @classmethod
    def from_public_url(cls, public_url: str, name: str) -> RelyingParty:
        """``http://localhost:8001`` → RP ID ``localhost``, origin ``http://localhost:8001``
        (WebAuthn needs a secure context: https, or http on localhost)."""
        parts = urlsplit(public_url)
        if not parts.hostname:
            raise ValueError(f"no host name in {public_url!r}")
        return cls(id=parts.hostname, name=name, origin=f"{parts.scheme}://{parts.netloc}")


@dataclass(frozen=True)
class Ceremony:
    """Options for ``navigator.credentials.create/get`` (JSON, base64url bytes) and the
    challenge (base64url) the caller keeps until the answer comes back."""

    options: dict[str, Any]
    challenge: str
    expires_at: datetime


# -- rules (pure) ------------------------------------------------------------------------------
def may_register(current: OPSession | None) -> bool:
    """Only a card sign-in (``aal3``) may add a passkey: a passkey never vouches for another."""
    return current is not None and current.acr == "aal3"


def allowed_for(request: AuthorizationRequest) -> bool:
    """A passkey's ``aal2`` is enough unless the relying party asks for the card (``aal3``)
    or a revocation check (only a card has a certificate to check)."""
    requirement = request.requirement
    return satisfies(ACR, requirement) and not requirement.check_revocation


def counter_advanced(stored: int, reported: int) -> bool:
    """The signature counter must grow, unless the authenticator keeps none (both zero, as
    synced passkeys do). A counter that stops growing suggests a cloned authenticator."""
    return (stored == 0 and reported == 0) or reported > stored


def clean_name(text: str | None, fallback: str) -> str:
    """The name a citizen gave a passkey: trimmed, one line, at most :data:`MAX_NAME`."""
    value = " ".join(unicodedata.normalize("NFC", text or "").split())
    if any(unicodedata.category(ch) in _UNPRINTABLE or ch in _BIDI_CONTROLS for ch in value):
        raise PasskeyRefused("name")
    if len(value) > MAX_NAME:
        raise PasskeyRefused("name_too_long")
    return value or fallback


def user_handle(citizen_id: str) -> bytes:
    """The account id an authenticator stores with the credential: stable per citizen (so a
    device replaces, not duplicates, its passkey), opaque (no personal data)."""
    return hashlib.sha256(b"madoguchi-passkey-user:" + citizen_id.encode()).digest()


# -- reading -----------------------------------------------------------------------------------
def list_passkeys(session: Session, citizen_id: str) -> list[Passkey]:
    return list(
        session.exec(
            select(Passkey)
            .where(Passkey.citizen_id == citizen_id)
            .order_by(col(Passkey.created_at), col(Passkey.credential_id))
        )
    )


def _count(session: Session, citizen_id: str) -> int:
    return int(
        session.exec(
            select(func.count()).select_from(Passkey).where(Passkey.citizen_id == citizen_id)
        ).one()
    )


# -- registration ------------------------------------------------------------------------------
def registration_options(
    citizen: Citizen, existing: list[Passkey], rp: RelyingParty, now: datetime
) -> Ceremony:
    """Options to create a discoverable, user-verified credential for ``citizen``; the
    passkeys they already have are excluded (a device that holds one says so)."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle(citizen.id),
        user_name=citizen.name_roman or citizen.persona,
        user_display_name=f"{citizen.family_name} {citizen.given_name}",
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(row.credential_id))
            for row in existing
        ],
        supported_pub_key_algs=ALGORITHMS,
    )
    return Ceremony(
        options_to_json_dict(options),
        bytes_to_base64url(options.challenge),
        now + CHALLENGE_LIFETIME,
    )


def register_passkey(
    session: Session,
    citizen_id: str,
    credential: Any,
    expected_challenge: str,
    expected_origin: str,
    rp_id: str,
    name: str,
    now: datetime,
) -> Passkey:
    """Check the browser's answer to :func:`registration_options` and keep the credential."""
    try:
        verified = _check_registration(
            session, citizen_id, credential, expected_challenge, expected_origin, rp_id, now
        )
    except PasskeyRefused as refusal:
        audit.record(
            session,
            "passkey_registration_failed",
            now=now,
            citizen_id=citizen_id,
            reason=refusal.reason,
        )
        session.commit()
        raise
    row = Passkey(
        credential_id=bytes_to_base64url(verified.credential_id),
        citizen_id=citizen_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        created_at=now,
    )
    session.add(row)
    audit.record(
        session,
        "passkey_registered",
        now=now,
        citizen_id=citizen_id,
        credential_id=row.credential_id,
        device_type=str(verified.credential_device_type.value),
        backed_up=verified.credential_backed_up,
    )
    session.commit()
    return row


def _check_registration(
    session: Session,
    citizen_id: str,
    credential: Any,
    expected_challenge: str,
    expected_origin: str,
    rp_id: str,
    now: datetime,
) -> VerifiedRegistration:
    _burn(session, "register", expected_challenge, now)
    if _count(session, citizen_id) >= MAX_PASSKEYS:
        raise PasskeyRefused("too_many")
    data, challenge = _as_dict(credential), _decode(expected_challenge)
    try:
        verified = verify_registration_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=expected_origin,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except Exception as error:  # noqa: BLE001 - any failure to verify untrusted bytes is a refusal
        log.info("passkey registration refused", extra={"reason": str(error)[:200]})
        raise PasskeyRefused("invalid_response") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if len(credential_id) > MAX_CREDENTIAL_ID:
        raise PasskeyRefused("invalid_response")
    if session.get(Passkey, credential_id) is not None:
        raise PasskeyRefused("duplicate")
    return verified


# -- signing in --------------------------------------------------------------------------------
def authentication_options(rp: RelyingParty, now: datetime) -> Ceremony:
    """Options to sign in with any passkey of this provider (discoverable credentials: the
    authenticator offers the ones it holds), user verification required."""
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=CEREMONY_TIMEOUT_MS,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return Ceremony(
        options_to_json_dict(options),
        bytes_to_base64url(options.challenge),
        now + CHALLENGE_LIFETIME,
    )


def passkey_sign_in(
    session: Session,
    journey: signin.Journey,
    txn: LoginTransaction,
    credential: Any,
    expected_challenge: str,
    origin: str,
    rp_id: str,
    browser_sid: str | None,
    now: datetime,
) -> tuple[OPSession, signin.Step]:
    """Check a passkey's assertion, start an ``aal2`` session and move the transaction on."""
    try:
        row, verified = _check_assertion(
            session, txn, credential, expected_challenge, origin, rp_id, now
        )
    except PasskeyRefused as refusal:
        audit.record(
            session,
            "login_failed",
            now=now,
            citizen_id=refusal.citizen_id,
            client_id=txn.client_id,
            method="passkey",
            reason=refusal.reason,
        )
        session.commit()
        raise
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    session.add(row)
    return signin.complete_login(
        session,
        journey,
        txn,
        row.citizen_id,
        ACR,
        PASSKEY_AMR,
        revocation_checked=False,
        browser_sid=browser_sid,
        now=now,
        audit_details={
            "client_id": txn.client_id,
            "method": "passkey",
            "credential_id": row.credential_id,
        },
    )


def _check_assertion(
    session: Session,
    txn: LoginTransaction,
    credential: Any,
    expected_challenge: str,
    origin: str,
    rp_id: str,
    now: datetime,
) -> tuple[Passkey, VerifiedAuthentication]:
    _burn(session, "sign_in", expected_challenge, now)
    if not allowed_for(signin.request_from(txn)):
        raise PasskeyRefused("not_allowed")
    data = _as_dict(credential)
    credential_id = data.get("id")
    row = None
    if isinstance(credential_id, str) and 0 < len(credential_id) <= MAX_CREDENTIAL_ID:
        row = session.get(Passkey, credential_id)
    if row is None:
        raise PasskeyRefused("unknown_credential")
    response = data.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if handle and handle != bytes_to_base64url(user_handle(row.citizen_id)):
        raise PasskeyRefused("unknown_credential", row.citizen_id)
    challenge = _decode(expected_challenge)
    try:
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=row.public_key,
            # The counter is checked below, after the signature: a stale counter on a
            # genuine signature is told apart (a cloned authenticator).
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except Exception as error:  # noqa: BLE001 - any failure to verify untrusted bytes is a refusal
        log.info("passkey sign-in refused", extra={"reason": str(error)[:200]})
        raise PasskeyRefused("invalid_response", row.citizen_id) from None
    if not counter_advanced(row.sign_count, verified.new_sign_count):
        raise PasskeyRefused("sign_count", row.citizen_id)
    return row, verified


# -- removing ----------------------------------------------------------------------------------
def remove_passkey(session: Session, citizen_id: str, credential_id: str, now: datetime) -> bool:
    """Forget one of the citizen's passkeys; ``False`` if they have none with that id."""
    row = session.get(Passkey, credential_id) if len(credential_id) <= MAX_CREDENTIAL_ID else None
    if row is None or row.citizen_id != citizen_id:
        return False
    session.delete(row)
    audit.record(
        session, "passkey_removed", now=now, citizen_id=citizen_id, credential_id=credential_id
    )
    session.commit()
    return True


# -- helpers -----------------------------------------------------------------------------------
def _burn(session: Session, purpose: str, challenge: str, now: datetime) -> None:
    """Use a challenge once: a second answer to it (a replay) is refused."""
    if not challenge or len(challenge) > 128:
        raise PasskeyRefused("challenge")
    digest = hashlib.sha256(challenge.encode()).hexdigest()
    if not repository.remember_once(
        session, _GUARD_KIND, purpose, digest, now + CHALLENGE_LIFETIME
    ):
        raise PasskeyRefused("challenge")


def _decode(value: str) -> bytes:
    try:
        return base64url_to_bytes(value)
    except ValueError:
        raise PasskeyRefused("challenge") from None


def _as_dict(credential: Any) -> dict[str, Any]:
    if not isinstance(credential, dict):
        raise PasskeyRefused("invalid_response")
    return credential
