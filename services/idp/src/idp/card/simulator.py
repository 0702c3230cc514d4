"""A simulated My Number card: keys and secrets in the provider's database, card rules in code.

The rules are the card's: three wrong PINs lock it (the right PIN is then refused until the
municipal counter resets it), five wrong signing passwords lock the signing certificate, and a
correct entry resets the counter. Secrets are stored as scrypt hashes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import Session

from idp.card import (
    CardAnswer,
    CardLocked,
    CardState,
    NoSigningCertificate,
    SigningLocked,
    UnknownCard,
    WrongPassword,
    WrongPin,
)
from idp.domain.people import PIN, PIN_ATTEMPTS, SIGNING_ATTEMPTS, SIGNING_PASSWORD
from idp.hashing import check_secret, hash_secret
from idp.models import CardRecord, CardSecret


def _key(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


class SimulatedCardReader:
    """Cards in the ``card_secret`` table; the caller owns the transaction (it commits)."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or datetime.now(UTC)

    def _card(self, card_id: str) -> tuple[CardSecret, CardRecord]:
        secret = self.session.get(CardSecret, card_id)
        record = self.session.get(CardRecord, card_id)
        if secret is None or record is None:
            raise UnknownCard(card_id)
        return secret, record

    def authenticate(self, card_id: str, pin: str, challenge: bytes) -> CardAnswer:
        secret, record = self._card(card_id)
        if secret.locked_at is not None:
            raise CardLocked(card_id)
        if not PIN.match(pin) or not check_secret(pin, secret.pin_hash):
            secret.pin_failures += 1
            if secret.pin_failures >= PIN_ATTEMPTS:
                secret.locked_at = self.now
            self.session.add(secret)
            self.session.flush()
            if secret.locked_at is not None:
                raise CardLocked(card_id)
            raise WrongPin(PIN_ATTEMPTS - secret.pin_failures)
        if secret.pin_failures:
            secret.pin_failures = 0
            self.session.add(secret)
            self.session.flush()
        signature = _key(secret.auth_key_pem).sign(challenge, ec.ECDSA(hashes.SHA256()))
        return CardAnswer(signature, record.auth_certificate)

    def sign(self, card_id: str, password: str, data: bytes) -> CardAnswer:
        secret, record = self._card(card_id)
        if secret.sign_key_pem is None or record.sign_certificate is None:
            raise NoSigningCertificate(card_id)
        if secret.sign_locked_at is not None:
            raise SigningLocked(card_id)
        stored = secret.sign_password_hash or ""
        if not SIGNING_PASSWORD.match(password) or not check_secret(password, stored):
            secret.sign_failures += 1
            if secret.sign_failures >= SIGNING_ATTEMPTS:
                secret.sign_locked_at = self.now
            self.session.add(secret)
            self.session.flush()
            if secret.sign_locked_at is not None:
                raise SigningLocked(card_id)
            raise WrongPassword(SIGNING_ATTEMPTS - secret.sign_failures)
        if secret.sign_failures:
            secret.sign_failures = 0
            self.session.add(secret)
            self.session.flush()
        signature = _key(secret.sign_key_pem).sign(data, ec.ECDSA(hashes.SHA256()))
        return CardAnswer(signature, record.sign_certificate)

    def state(self, card_id: str) -> CardState:
        secret, record = self._card(card_id)
        return CardState(
            card_id=card_id,
            pin_failures=secret.pin_failures,
            locked=secret.locked_at is not None,
            can_sign=record.sign_certificate is not None,
            sign_failures=secret.sign_failures,
            sign_locked=secret.sign_locked_at is not None,
        )

    def reset_pin(self, card_id: str, new_pin: str) -> None:
        if not PIN.match(new_pin):
            raise ValueError("a PIN is 4 digits")
        secret, _record = self._card(card_id)
        secret.pin_hash = hash_secret(new_pin)
        secret.pin_failures = 0
        secret.locked_at = None
        self.session.add(secret)
        self.session.flush()

    def reset_signing_password(self, card_id: str, new_password: str) -> None:
        if not SIGNING_PASSWORD.match(new_password):
            raise ValueError("a signing password is 6 to 16 letters and digits")
        secret, _record = self._card(card_id)
        secret.sign_password_hash = hash_secret(new_password)
        secret.sign_failures = 0
        secret.sign_locked_at = None
        self.session.add(secret)
        self.session.flush()
