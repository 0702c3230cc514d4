"""The simulated My Number card (idp.card.simulator) and how cards are made (idp.provisioning),
on a throwaway SQLite database with a local stand-in for the trust service's RA."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlmodel import Session

from govkit.db import Database
from idp.card import (
    CardAnswer,
    CardLocked,
    NoSigningCertificate,
    SigningLocked,
    UnknownCard,
    WrongPassword,
    WrongPin,
)
from idp.card.simulator import SimulatedCardReader
from idp.domain.people import synthetic_my_number
from idp.models import CardRecord, CardSecret, Citizen, IdpModel
from idp.provisioning import (
    AlreadyEnrolled,
    IssuedCertificate,
    Persona,
    enrol_citizen,
    issue_card,
)

TODAY = date(2027, 5, 30)  # 545 days after the persona file's reference date
NOW = datetime(2027, 5, 30, 1, 0, tzinfo=UTC)
REFERENCE = date(2025, 12, 1)
PIN, PASSWORD = "1234", "Sakura2025"
CHALLENGE = b"challenge from the provider"


@dataclass
class LocalAuthority:
    """Signs every request with one key, remembering what was asked (no network)."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    requests: list[tuple[str, str, str, Mapping[str, str] | None]] = field(default_factory=list)

    def certify(
        self,
        *,
        profile: str,
        holder: str,
        csr_pem: str,
        subject_attributes: Mapping[str, str] | None = None,
    ) -> IssuedCertificate:
        request = x509.load_pem_x509_csr(csr_pem.encode())
        common_name = str(request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
        self.requests.append((profile, holder, common_name, subject_attributes))
        issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Local test CA")])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(request.subject)
            .issuer_name(issuer)
            .public_key(request.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )
        return IssuedCertificate(certificate, ())


def persona(persona_id: str, born: date, index: int = 1) -> Persona:
    return Persona(
        id=persona_id, index=index, family_name="森下", given_name="健太",
        family_name_kana="モリシタ", given_name_kana="ケンタ", name_roman="MORISHITA Kenta",
        sex="male", born=born, address="桜木市中央一丁目2番3号", postal_code="000-0101",
    )  # fmt: skip


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    database = Database(f"sqlite:///{tmp_path / 'cards.sqlite3'}")
    IdpModel.metadata.create_all(database.engine)
    with database.session() as opened:
        yield opened
    database.dispose()


def make_card(
    session: Session, born: date, authority: LocalAuthority | None = None, persona_id: str = "P-1"
) -> str:
    """Enrol a resident born on ``born`` (at the reference date) and issue their card."""
    citizen = enrol_citizen(
        session, persona=persona(persona_id, born), reference_date=REFERENCE, today=TODAY, now=NOW
    )
    card = issue_card(
        session,
        citizen=citizen,
        authority=authority or LocalAuthority(),
        pin=PIN,
        signing_password=PASSWORD,
        today=TODAY,
        now=NOW,
    )
    return card.card_id


@pytest.fixture
def adult(session: Session) -> str:
    return make_card(session, date(1990, 5, 12))


def reader(session: Session) -> SimulatedCardReader:
    return SimulatedCardReader(session, NOW)


def verify(answer: CardAnswer, data: bytes) -> None:
    """The signature checks out with the public key in the answer's certificate."""
    key = x509.load_der_x509_certificate(answer.certificate_der).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(answer.signature, data, ec.ECDSA(hashes.SHA256()))


# -- the PIN ------------------------------------------------------------------------------------


def test_the_right_pin_signs_the_challenge_with_the_authentication_key(
    session: Session, adult: str
) -> None:
    answer = reader(session).authenticate(adult, PIN, CHALLENGE)
    verify(answer, CHALLENGE)
    assert answer.certificate_der == session.get(CardRecord, adult).auth_certificate
    with pytest.raises(InvalidSignature):
        verify(answer, b"another challenge")


def test_three_wrong_pins_lock_the_card_and_then_even_the_right_pin_is_refused(
    session: Session, adult: str
) -> None:
    card = reader(session)
    remaining = []
    for _attempt in range(2):
        with pytest.raises(WrongPin) as wrong:
            card.authenticate(adult, "0000", CHALLENGE)
        remaining.append(wrong.value.remaining)
    assert remaining == [2, 1]
    with pytest.raises(CardLocked):
        card.authenticate(adult, "0000", CHALLENGE)
    with pytest.raises(CardLocked):
        card.authenticate(adult, PIN, CHALLENGE)
    state = card.state(adult)
    assert (state.locked, state.pin_failures) == (True, 3)
    assert session.get(CardSecret, adult).locked_at == NOW


def test_a_right_pin_before_the_third_clears_the_count(session: Session, adult: str) -> None:
    card = reader(session)
    for _attempt in range(2):
        with pytest.raises(WrongPin):
            card.authenticate(adult, "9999", CHALLENGE)
    card.authenticate(adult, PIN, CHALLENGE)
    assert card.state(adult).pin_failures == 0
    with pytest.raises(WrongPin) as wrong:
        card.authenticate(adult, "9999", CHALLENGE)
    assert wrong.value.remaining == 2


@pytest.mark.parametrize("pin", ["", "123", "12345", "abcd", "１２３４", "1234\n", " 1234"])
def test_malformed_pins_count_as_wrong(session: Session, adult: str, pin: str) -> None:
    """Whatever is typed, it is a wrong PIN (and counts): the card never errs otherwise."""
    with pytest.raises(WrongPin) as wrong:
        reader(session).authenticate(adult, pin, CHALLENGE)
    assert wrong.value.remaining == 2


def test_the_counter_reset_unlocks_the_card_with_a_new_pin(session: Session, adult: str) -> None:
    card = reader(session)
    for _attempt in range(3):
        with pytest.raises((WrongPin, CardLocked)):
            card.authenticate(adult, "0000", CHALLENGE)
    card.reset_pin(adult, "9876")
    assert card.state(adult).locked is False
    verify(card.authenticate(adult, "9876", CHALLENGE), CHALLENGE)
    with pytest.raises(WrongPin):
        card.authenticate(adult, PIN, CHALLENGE)


@pytest.mark.parametrize("pin", ["123", "12a4", "1234\n", ""])
def test_a_reset_needs_a_4_digit_pin(session: Session, adult: str, pin: str) -> None:
    with pytest.raises(ValueError, match="4 digits"):
        reader(session).reset_pin(adult, pin)
    reader(session).authenticate(adult, PIN, CHALLENGE)  # the old PIN still works


def test_an_unknown_card_is_said_so(session: Session) -> None:
    with pytest.raises(UnknownCard):
        reader(session).authenticate("no-such-card", PIN, CHALLENGE)
    with pytest.raises(UnknownCard):
        reader(session).state("no-such-card")


# -- the signing password -----------------------------------------------------------------------


def test_the_signing_password_signs_with_the_signing_key(session: Session, adult: str) -> None:
    answer = reader(session).sign(adult, PASSWORD, b"articles of incorporation")
    verify(answer, b"articles of incorporation")
    record = session.get(CardRecord, adult)
    assert answer.certificate_der == record.sign_certificate != record.auth_certificate


def test_five_wrong_signing_passwords_lock_signing_but_not_the_pin(
    session: Session, adult: str
) -> None:
    card = reader(session)
    remaining = []
    for _attempt in range(4):
        with pytest.raises(WrongPassword) as wrong:
            card.sign(adult, "WrongPass1", b"data")
        remaining.append(wrong.value.remaining)
    assert remaining == [4, 3, 2, 1]
    with pytest.raises(SigningLocked):
        card.sign(adult, "WrongPass1", b"data")
    with pytest.raises(SigningLocked):
        card.sign(adult, PASSWORD, b"data")
    state = card.state(adult)
    assert (state.sign_locked, state.sign_failures, state.locked) == (True, 5, False)
    card.authenticate(adult, PIN, CHALLENGE)  # signing is locked, sign-in is not
    card.reset_signing_password(adult, "NewPass2026")
    verify(card.sign(adult, "NewPass2026", b"data"), b"data")
    assert card.state(adult).sign_locked is False


@pytest.mark.parametrize("password", ["short", "x" * 17, "has space1", "記号パスワード12"])
def test_a_signing_password_reset_keeps_the_rules(
    session: Session, adult: str, password: str
) -> None:
    with pytest.raises(ValueError, match="6 to 16"):
        reader(session).reset_signing_password(adult, password)


# -- who gets a signing certificate -------------------------------------------------------------


def test_a_resident_under_15_has_no_signing_certificate(session: Session) -> None:
    """JPKI issues no signing certificate before 15: none is even asked for."""
    authority = LocalAuthority()
    card_id = make_card(session, date(2017, 4, 20), authority)
    assert [profile for profile, *_rest in authority.requests] == ["jpki-auth"]
    record, secret = session.get(CardRecord, card_id), session.get(CardSecret, card_id)
    assert record.sign_certificate is None
    assert (secret.sign_key_pem, secret.sign_password_hash) == (None, None)
    card = reader(session)
    assert card.state(card_id).can_sign is False
    with pytest.raises(NoSigningCertificate):
        card.sign(card_id, PASSWORD, b"data")
    card.authenticate(card_id, PIN, CHALLENGE)  # but the card signs in


def test_the_day_before_the_15th_birthday_counts_as_15(session: Session) -> None:
    """Born so that the 15th birthday is tomorrow (kit clock): age 15 in law, may sign."""
    born_at_reference = date(2012, 5, 31) - (TODAY - REFERENCE)
    authority = LocalAuthority()
    card_id = make_card(session, born_at_reference, authority)
    citizen = session.get(Citizen, session.get(CardRecord, card_id).citizen_id)
    assert citizen.birthdate == date(2012, 5, 31)
    assert [profile for profile, *_rest in authority.requests] == ["jpki-auth", "jpki-sign"]


def test_an_adults_card_asks_for_both_certificates_with_the_basic_four_only_for_signing(
    session: Session,
) -> None:
    """jpki-auth: common name = the card id, no personal data; jpki-sign: the basic four, the
    name in kanji as common name; both for holder card-<id>."""
    authority = LocalAuthority()
    card_id = make_card(session, date(1990, 5, 12), authority)
    (auth, sign) = authority.requests
    assert auth == ("jpki-auth", f"card-{card_id}", card_id, None)
    assert sign[:3] == ("jpki-sign", f"card-{card_id}", "森下 健太")
    assert sign[3] == {
        "name": "森下 健太",
        "name_kana": "モリシタ ケンタ",
        "birthdate": "1991-11-08",  # 1990-05-12 shifted by kit today − reference (+545 days)
        "gender": "male",
        "address": "桜木市中央一丁目2番3号",
    }


def test_secrets_are_stored_hashed(session: Session, adult: str) -> None:
    secret = session.get(CardSecret, adult)
    assert secret.pin_hash.startswith("scrypt$")
    assert PIN not in secret.pin_hash
    assert secret.sign_password_hash.startswith("scrypt$")
    assert secret.auth_key_pem.startswith("-----BEGIN PRIVATE KEY-----")


def test_a_resident_gets_one_card(session: Session, adult: str) -> None:
    citizen = session.get(Citizen, session.get(CardRecord, adult).citizen_id)
    with pytest.raises(AlreadyEnrolled):
        issue_card(
            session, citizen=citizen, authority=LocalAuthority(), pin=PIN,
            signing_password=PASSWORD, today=TODAY, now=NOW,
        )  # fmt: skip


@pytest.mark.parametrize(("pin", "password"), [("123", PASSWORD), (PIN, "short")])
def test_bad_demo_secrets_stop_before_any_certificate(
    session: Session, pin: str, password: str
) -> None:
    citizen = enrol_citizen(
        session, persona=persona("P-9", date(1990, 1, 1)), reference_date=REFERENCE,
        today=TODAY, now=NOW,
    )  # fmt: skip
    authority = LocalAuthority()
    with pytest.raises(ValueError, match="digits"):
        issue_card(
            session, citizen=citizen, authority=authority, pin=pin, signing_password=password,
            today=TODAY, now=NOW,
        )  # fmt: skip
    assert authority.requests == []


def test_enrolment_shifts_dates_and_is_idempotent(session: Session) -> None:
    """Born 11 days before the reference date: 11 days old on the kit's today; My Number from
    the persona's position; enrolling again returns the same resident."""
    first = enrol_citizen(
        session, persona=persona("H1-5", REFERENCE - timedelta(days=11), index=5),
        reference_date=REFERENCE, today=TODAY, now=NOW,
    )  # fmt: skip
    assert first.birthdate == TODAY - timedelta(days=11)
    assert first.my_number == synthetic_my_number(5)
    again = enrol_citizen(
        session, persona=persona("H1-5", date(2000, 1, 1), index=5),
        reference_date=REFERENCE, today=TODAY, now=NOW,
    )  # fmt: skip
    assert again.id == first.id
    assert again.birthdate == first.birthdate
