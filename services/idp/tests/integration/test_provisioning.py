"""The demo seed against the real trust service: a card for every persona (certificates from the
RA, chained to the pinned kit root, the basic four in signing certificates), minors without a
signing certificate, a second run that does nothing, the counter clerk, demo logins, and OCSP
saying good, then revoked, for a card the trust service revokes."""

from __future__ import annotations

import os
import secrets
import socket
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from pydantic import SecretStr
from sqlmodel import Session, func, select

from govkit.certificates.keys import load_pem_chain
from govkit.db import get_database
from govkit.testing.plugin import RunningTrust, ServiceAppFactory
from govkit.web import get_settings
from idp import provisioning
from idp.card.simulator import SimulatedCardReader
from idp.domain.people import synthetic_my_number
from idp.hashing import check_secret
from idp.jpki import BasicFour, CardRejected, JpkiVerifier
from idp.models import AuditEvent, CardRecord, CardSecret, Citizen, StaffUser
from idp.settings import IdpSettings

TODAY = date(2026, 5, 20)  # 170 days after the persona file's reference date (2025-12-01)
MINORS = {"H1-3", "H1-4", "H1-5", "H3-4", "H3-5"}  # under 15 on TODAY
CHALLENGE = secrets.token_bytes(32)

#: Two residents: an adult and a child (keeps the tests that need only a card or two fast).
SMALL_SEED = """
reference_date = 2025-12-01
demo_pin = "1234"
demo_signing_password = "Sakura2025"

[households.H1]
address = "桜木市中央一丁目2番3号"
postal_code = "000-0101"

[[people]]
id = "H1-1"
household = "H1"
family_name = "森下"
given_name = "健太"
family_name_kana = "モリシタ"
given_name_kana = "ケンタ"
name_roman = "MORISHITA Kenta"
sex = "male"
born = 1990-05-12

[[people]]
id = "H1-3"
household = "H1"
family_name = "森下"
given_name = "蒼"
family_name_kana = "モリシタ"
given_name_kana = "アオイ"
name_roman = "MORISHITA Aoi"
sex = "male"
born = 2020-06-15
"""


def settings_of(app: Flask) -> IdpSettings:
    with app.app_context():
        settings = get_settings()
    assert isinstance(settings, IdpSettings)
    return settings


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def count(session: Session, table: Any) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


@pytest.fixture
def seeded_app(service_app: ServiceAppFactory, trust_service: RunningTrust) -> Flask:
    """An idp seeded with every persona from the real trust service."""
    return service_app("idp", today=TODAY, **trust_service.settings_for_issuers())


@pytest.fixture
def small_app(service_app: ServiceAppFactory, trust_service: RunningTrust, tmp_path: Path) -> Flask:
    """An idp seeded with two residents (an adult and a child) from the real trust service."""
    seed_file = tmp_path / "personas.toml"
    seed_file.write_text(SMALL_SEED, encoding="utf-8")
    return service_app(
        "idp", today=TODAY, seed_file=str(seed_file), **trust_service.settings_for_issuers()
    )


def card_of(session: Session, persona: str) -> CardRecord:
    citizen = session.exec(select(Citizen).where(Citizen.persona == persona)).one()
    return session.exec(select(CardRecord).where(CardRecord.citizen_id == citizen.id)).one()


# -- the full seed ------------------------------------------------------------------------------


def test_the_seed_gives_every_persona_a_card_that_chains_to_the_pinned_root(
    seeded_app: Flask, trust_service: RunningTrust
) -> None:
    """22 people, 22 cards; the 5 under 15 have no signing key or certificate; every card's
    authentication answer verifies against the root and JPKI CA saved in <data>/trust (the same
    the trust service publishes); every signing certificate carries its holder's basic four."""
    settings = settings_of(seeded_app)
    folder = settings.data_dir / "trust"
    published = requests.get(f"{trust_service.url}/pki/root.pem", timeout=10).content
    assert load_pem_chain((folder / "root.pem").read_bytes()) == load_pem_chain(published)
    verifier = JpkiVerifier.from_folder(folder)
    now = datetime.now(UTC)
    personas = provisioning.load_personas()

    with get_database(seeded_app).session() as session:
        citizens = {c.persona: c for c in session.exec(select(Citizen)).all()}
        assert set(citizens) == {p.id for p in personas.people}
        assert count(session, CardRecord) == 22
        reader = SimulatedCardReader(session, now)
        without_signing = set()
        for persona in personas.people:
            citizen = citizens[persona.id]
            assert citizen.my_number == synthetic_my_number(persona.index)
            assert citizen.birthdate == persona.born + (TODAY - personas.reference_date)
            card = card_of(session, persona.id)
            secret = session.get(CardSecret, card.card_id)
            card_answer = reader.authenticate(card.card_id, "1234", CHALLENGE)
            verified = verifier.verify_authentication(
                card_answer, CHALLENGE, now=now, check_revocation=False
            )
            assert (verified.serial, verified.common_name) == (card.auth_serial, card.card_id)
            if card.sign_certificate is None:
                without_signing.add(persona.id)
                assert (secret.sign_key_pem, secret.sign_password_hash) == (None, None)
                continue
            signed = reader.sign(card.card_id, "Sakura2025", b"document digest")
            signer = verifier.verify_signing(
                signed, b"document digest", now=now, check_revocation=False
            )
            assert signer.basic_four == BasicFour(
                name=f"{citizen.family_name} {citizen.given_name}",
                birthdate=citizen.birthdate,
                gender=citizen.gender,
                address=citizen.address,
                name_kana=f"{citizen.family_name_kana} {citizen.given_name_kana}",
            )
        assert without_signing == MINORS
        newborn = citizens["H1-5"]
        assert newborn.birthdate == TODAY - timedelta(days=11)  # always 11 days old


def test_a_second_seed_does_nothing_and_asks_the_trust_service_nothing(
    seeded_app: Flask,
) -> None:
    """Run again (even with the trust service out of reach): it says so and changes nothing."""
    settings = settings_of(seeded_app).model_copy(update={"trust_url": closed_port_url()})
    database = get_database(seeded_app)
    with database.session() as session:
        cards_before = sorted(session.exec(select(CardRecord.card_id)).all())
        events_before = count(session, AuditEvent)
    staff_file = (settings.data_dir / "demo-staff.json").read_text(encoding="utf-8")

    assert provisioning.seed(settings, database) == ["22 cards already provisioned"]

    with database.session() as session:
        assert sorted(session.exec(select(CardRecord.card_id)).all()) == cards_before
        assert count(session, Citizen) == 22
        assert count(session, AuditEvent) == events_before
    assert (settings.data_dir / "demo-staff.json").read_text(encoding="utf-8") == staff_file


# -- the counter clerk and the demo logins ------------------------------------------------------


def test_the_counter_clerk_is_created_with_credentials_in_a_private_file(
    small_app: Flask,
) -> None:
    """A random password and TOTP secret, readable by the owner only, matching the stored
    (hashed) password; the demo logins show them and the residents' PIN."""
    settings = settings_of(small_app)
    path = settings.data_dir / "demo-staff.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    credentials = provisioning.read_staff_file(settings)
    assert credentials is not None
    assert credentials.username == "counter"
    assert len(credentials.password) >= 16
    with get_database(small_app).session() as session:
        clerk = session.get(StaffUser, "counter")
        assert clerk is not None
        assert clerk.display_name == "桜木市 市民課 窓口"
        assert check_secret(credentials.password, clerk.password_hash)
        assert credentials.password not in clerk.password_hash
        assert clerk.totp_secret == credentials.totp_secret

    logins = provisioning.demo_logins(settings, get_database(small_app))
    assert [login.who for login in logins] == [
        "Any seed resident (2 cards)",
        "Counter clerk, 桜木市 市民課 窓口",
    ]
    resident, counter_clerk = logins
    assert resident.how == "pick the card, PIN 1234 (signing password Sakura2025, from age 15)"
    assert f"password {credentials.password}" in counter_clerk.how
    assert (
        f"TOTP secret {credentials.totp_secret} (add to an authenticator app)" in counter_clerk.how
    )
    assert counter_clerk.where == f"{settings.public_url}/counter/sign-in"


def test_without_a_registration_token_no_card_is_provisioned(
    service_app: ServiceAppFactory,
) -> None:
    """No RA token: a clear line, no residents, no anchors; the clerk exists all the same."""
    app = service_app("idp", today=TODAY, trust_url=closed_port_url())
    settings = settings_of(app)
    database = get_database(app)
    assert provisioning.seed(settings, database) == [
        "no cards provisioned: no registration token (KIT_TRUST_RA_TOKEN) to obtain "
        "certificates from the trust service, so card sign-in is disabled"
    ]
    with database.session() as session:
        assert count(session, Citizen) == 0
        assert session.get(StaffUser, "counter") is not None
    assert not (settings.data_dir / "trust").exists()
    assert [login.who for login in provisioning.demo_logins(settings, database)] == [
        "Counter clerk, 桜木市 市民課 窓口"
    ]


def test_a_refused_registration_is_a_clear_error(
    service_app: ServiceAppFactory, trust_service: RunningTrust, tmp_path: Path
) -> None:
    """A wrong RA token: provisioning stops with the trust service's reason; no card is made."""
    app = service_app("idp", today=TODAY, trust_url=closed_port_url())
    settings = settings_of(app).model_copy(
        update={"trust_url": trust_service.url, "trust_ra_token": SecretStr("wrong-" + "x" * 40)}
    )
    (settings.data_dir / "trust").mkdir(parents=True)
    for name in ("root", "jpki"):  # anchors already pinned: the card request itself is refused
        pem = requests.get(f"{trust_service.url}/pki/{name}.pem", timeout=10).content
        (settings.data_dir / "trust" / f"{name}.pem").write_bytes(pem)
    database = get_database(app)
    with pytest.raises(provisioning.ProvisioningError, match=r"refused a jpki-auth .*\(401\)"):
        provisioning.seed(settings, database)
    with database.session() as session:
        assert count(session, CardRecord) == 0


def test_a_dead_trust_service_is_a_clear_error(service_app: ServiceAppFactory) -> None:
    app = service_app("idp", today=TODAY, trust_url=closed_port_url())
    url = closed_port_url()
    settings = settings_of(app).model_copy(
        update={"trust_url": url, "trust_ra_token": SecretStr("t" * 40)}
    )
    with pytest.raises(provisioning.ProvisioningError, match="did not give its root"):
        provisioning.seed(settings, get_database(app))


# -- revocation through the trust service's OCSP responder --------------------------------------


def revoke(trust: RunningTrust, serial: str) -> None:
    answer = requests.post(
        f"{trust.url}/api/v1/certificates/{serial}/revocation",
        json={"reason": "key_compromise"},
        headers={"Authorization": f"Bearer {trust.ra_token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_ocsp_says_good_then_revoked(small_app: Flask, trust_service: RunningTrust) -> None:
    """The verifier asks the OCSP responder named in the certificate: a fresh card is good; once
    the trust service revokes its authentication certificate the card is refused as revoked,
    while a check without revocation still passes (the signature and chain are fine)."""
    settings = settings_of(small_app)
    verifier = JpkiVerifier.from_folder(settings.data_dir / "trust")
    with get_database(small_app).session() as session:
        card = card_of(session, "H1-1")
        reader = SimulatedCardReader(session, datetime.now(UTC))
        answer = reader.authenticate(card.card_id, "1234", CHALLENGE)
        signed = reader.sign(card.card_id, "Sakura2025", b"digest")
    now = datetime.now(UTC)
    verifier.verify_authentication(answer, CHALLENGE, now=now, check_revocation=True)
    verifier.verify_signing(signed, b"digest", now=now, check_revocation=True)

    revoke(trust_service, card.auth_serial)

    with pytest.raises(CardRejected) as refused:
        verifier.verify_authentication(answer, CHALLENGE, now=now, check_revocation=True)
    assert refused.value.reason == "revoked"
    verifier.verify_authentication(answer, CHALLENGE, now=now, check_revocation=False)
    # The signing certificate is a certificate of its own: still good.
    verifier.verify_signing(signed, b"digest", now=now, check_revocation=True)
