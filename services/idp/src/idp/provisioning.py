"""The provider's own administration: enrolling residents, issuing their cards, the demo seed.

* :func:`enrol_citizen` records a resident from a seed persona (dates shifted to the kit clock,
  a synthetic My Number);
* :func:`issue_card` makes their simulated My Number card: a P-256 key for user authentication
  and, from 15, one for signing, each certified by the trust service's registration authority
  (``jpki-auth`` without personal data, ``jpki-sign`` with the basic four), then stores what the
  provider knows (:class:`~idp.models.CardRecord`) and what the card keeps
  (:class:`~idp.models.CardSecret`: keys, hashed PIN and signing password);
* :func:`enrol_staff` creates a municipal counter clerk (password + TOTP);
* :func:`seed` / :func:`demo_logins` are what ``kit prepare`` and ``make up`` call.

Each use case owns its transaction (it commits). Secrets never reach logs or the audit trail.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import Session, col, func, select

from govkit.certificates.keys import der, generate_key, load_pem_chain, pem, signing_request
from govkit.certificates.ra import IssuedCertificate, ProvisioningError, request_certificate
from govkit.clock import seed_date
from govkit.clock import today as kit_today
from govkit.db import Database
from govkit.service import DemoLogin
from govkit.staff import new_password, new_totp_secret
from idp import audit
from idp.domain.people import PIN, SIGNING_PASSWORD, may_sign, synthetic_my_number
from idp.hashing import hash_secret
from idp.jpki import JpkiVerifier
from idp.keys import rotate_on_schedule
from idp.models import CardRecord, CardSecret, Citizen, StaffUser
from idp.settings import IdpSettings

PERSONAS = Path(__file__).parent / "seed" / "personas.toml"
STAFF_USERNAME = "counter"
STAFF_DISPLAY_NAME = "桜木市 市民課 窓口"
#: X.509 limits a common name to 64 bytes of UTF-8.
COMMON_NAME_BYTES = 64


class AlreadyEnrolled(ValueError):
    """The resident already has a card: issuing another is not this use case."""


# -- personas ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    """A fictional resident from the seed file; dates as of the file's reference date."""

    id: str
    index: int  # 1-based position in the file: gives the synthetic My Number
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    name_roman: str
    sex: str
    born: date
    address: str
    postal_code: str


@dataclass(frozen=True)
class PersonaFile:
    reference_date: date
    demo_pin: str
    demo_signing_password: str
    people: tuple[Persona, ...]


def load_personas(path: Path = PERSONAS) -> PersonaFile:
    """Read a persona file (see ``idp/seed/personas.toml``)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    households: Mapping[str, Mapping[str, Any]] = data["households"]
    people = tuple(
        Persona(
            id=str(entry["id"]),
            index=index,
            family_name=entry["family_name"],
            given_name=entry["given_name"],
            family_name_kana=entry["family_name_kana"],
            given_name_kana=entry["given_name_kana"],
            name_roman=entry["name_roman"],
            sex=entry["sex"],
            born=entry["born"],
            address=households[entry["household"]]["address"],
            postal_code=households[entry["household"]]["postal_code"],
        )
        for index, entry in enumerate(data["people"], start=1)
    )
    return PersonaFile(
        reference_date=data["reference_date"],
        demo_pin=str(data["demo_pin"]),
        demo_signing_password=str(data["demo_signing_password"]),
        people=people,
    )


def persona_path(settings: IdpSettings) -> Path:
    return Path(settings.seed_file) if settings.seed_file else PERSONAS


def certificate_name(citizen: Citizen) -> str:
    """The signing certificate's common name: the name in kanji, else romanised, in 64 bytes."""
    for name in (f"{citizen.family_name} {citizen.given_name}", citizen.name_roman):
        if 0 < len(name.encode("utf-8")) <= COMMON_NAME_BYTES:
            return name
    return citizen.name_roman.encode("utf-8")[:COMMON_NAME_BYTES].decode("utf-8", "ignore")


def basic_four(citizen: Citizen) -> dict[str, str]:
    """What the signing certificate says about its holder (the RA's ``subject_attributes``)."""
    return {
        "name": f"{citizen.family_name} {citizen.given_name}",
        "name_kana": f"{citizen.family_name_kana} {citizen.given_name_kana}",
        "birthdate": citizen.birthdate.isoformat(),
        "gender": citizen.gender,
        "address": citizen.address,
    }


# -- the trust service's registration authority --------------------------------------------------


class CertificateAuthority(Protocol):
    def certify(
        self,
        *,
        profile: str,
        holder: str,
        csr_pem: str,
        subject_attributes: Mapping[str, str] | None = None,
    ) -> IssuedCertificate: ...


class TrustRegistration:
    """The trust service's RA over HTTP (``POST /api/v1/certificates``, bearer RA token)."""

    def __init__(self, trust_url: str, ra_token: str, *, timeout: float = 10.0) -> None:
        self.trust_url = trust_url.rstrip("/")
        self._token = ra_token
        self.timeout = timeout
        self._http = requests.Session()

    def certify(
        self,
        *,
        profile: str,
        holder: str,
        csr_pem: str,
        subject_attributes: Mapping[str, str] | None = None,
    ) -> IssuedCertificate:
        extra = (
            {} if subject_attributes is None else {"subject_attributes": dict(subject_attributes)}
        )
        return request_certificate(
            self._http,
            self.trust_url,
            self._token,
            profile=profile,
            holder=holder,
            csr=csr_pem,
            timeout=self.timeout,
            **extra,
        )

    def close(self) -> None:
        self._http.close()

    def anchors(self) -> tuple[x509.Certificate, x509.Certificate]:
        """The kit root and the JPKI Simulation CA, as the trust service publishes them."""
        found = []
        for name in ("root", "jpki"):
            try:
                response = self._http.get(f"{self.trust_url}/pki/{name}.pem", timeout=self.timeout)
                response.raise_for_status()
            except requests.RequestException as exc:
                raise ProvisioningError(
                    f"the trust service at {self.trust_url} did not give its {name} certificate"
                ) from exc
            found.append(load_pem_chain(response.content)[0])
        return found[0], found[1]


def trust_folder(settings: IdpSettings) -> Path:
    """Where the pinned root and JPKI CA live (read by :meth:`JpkiVerifier.from_folder`)."""
    return settings.data_dir / "trust"


def save_trust_anchors(folder: Path, root: x509.Certificate, jpki: x509.Certificate) -> None:
    """Pin the root and JPKI CA, once they prove to be a CA issued by a self-signed root."""
    JpkiVerifier(root, jpki)  # raises ValueError unless they fit together
    folder.mkdir(parents=True, exist_ok=True)
    for name, certificate in (("root", root), ("jpki", jpki)):
        staged = folder / f"{name}.pem.new"
        staged.write_text(pem(certificate), encoding="ascii")
        os.replace(staged, folder / f"{name}.pem")


# -- use cases -----------------------------------------------------------------------------------


def find_citizen_by_persona(session: Session, persona_id: str) -> Citizen | None:
    return session.exec(select(Citizen).where(Citizen.persona == persona_id)).first()


def enrol_citizen(
    session: Session, *, persona: Persona, reference_date: date, today: date, now: datetime
) -> Citizen:
    """Record a resident from a persona (idempotent: an enrolled persona is returned as is)."""
    existing = find_citizen_by_persona(session, persona.id)
    if existing is not None:
        return existing
    citizen = Citizen(
        id=str(uuid.uuid4()),
        persona=persona.id,
        family_name=persona.family_name,
        given_name=persona.given_name,
        family_name_kana=persona.family_name_kana,
        given_name_kana=persona.given_name_kana,
        name_roman=persona.name_roman,
        birthdate=seed_date(persona.born, reference_date=reference_date, today=today),
        gender=persona.sex,
        postal_code=persona.postal_code,
        address=persona.address,
        my_number=synthetic_my_number(persona.index),
        created_at=now,
    )
    session.add(citizen)
    audit.record(session, "citizen_enrolled", now=now, citizen_id=citizen.id, persona=persona.id)
    session.commit()
    return citizen


def _private_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def issue_card(
    session: Session,
    *,
    citizen: Citizen,
    authority: CertificateAuthority,
    pin: str,
    signing_password: str,
    today: date,
    now: datetime,
) -> CardRecord:
    """Make the resident's card: keys, certificates from the trust service, hashed secrets.

    Residents under 15 get no signing key or certificate (JPKI issues none to them).
    """
    if not PIN.match(pin):
        raise ValueError("a PIN is 4 digits")
    if not SIGNING_PASSWORD.match(signing_password):
        raise ValueError("a signing password is 6 to 16 letters and digits")
    has_card = session.exec(
        select(CardRecord.card_id).where(CardRecord.citizen_id == citizen.id)
    ).first()
    if has_card is not None:
        raise AlreadyEnrolled(citizen.id)
    card_id = secrets.token_hex(8)
    holder = f"card-{card_id}"
    auth_key = generate_key()
    auth = authority.certify(
        profile="jpki-auth", holder=holder, csr_pem=signing_request(auth_key, card_id)
    )
    sign_key: ec.EllipticCurvePrivateKey | None = None
    sign: IssuedCertificate | None = None
    if may_sign(citizen.birthdate, today):
        sign_key = generate_key()
        sign = authority.certify(
            profile="jpki-sign",
            holder=holder,
            csr_pem=signing_request(sign_key, certificate_name(citizen)),
            subject_attributes=basic_four(citizen),
        )
    record = CardRecord(
        card_id=card_id,
        citizen_id=citizen.id,
        auth_certificate=der(auth.certificate),
        auth_serial=auth.serial,
        sign_certificate=der(sign.certificate) if sign else None,
        issued_at=now,
    )
    secret = CardSecret(
        card_id=card_id,
        auth_key_pem=_private_pem(auth_key),
        sign_key_pem=_private_pem(sign_key) if sign_key else None,
        pin_hash=hash_secret(pin),
        sign_password_hash=hash_secret(signing_password) if sign_key else None,
    )
    session.add(record)
    session.add(secret)
    audit.record(
        session,
        "card_issued",
        now=now,
        citizen_id=citizen.id,
        card_id=card_id,
        auth_serial=auth.serial,
        sign_serial=sign.serial if sign else None,
    )
    session.commit()
    return record


@dataclass(frozen=True)
class StaffCredentials:
    """A clerk's demo credentials, as first generated (kept in ``demo-staff.json``)."""

    username: str
    password: str
    totp_secret: str


def enrol_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    totp_secret: str,
    now: datetime,
) -> StaffUser:
    """Create a counter clerk, or give an existing one new credentials (unlocking them)."""
    user = session.get(StaffUser, username) or StaffUser(
        username=username, display_name=display_name, password_hash="", totp_secret=""
    )
    user.display_name = display_name
    user.password_hash = hash_secret(password)
    user.totp_secret = totp_secret
    user.failures = 0
    user.locked_at = None
    user.last_totp_step = None
    session.add(user)
    audit.record(session, "staff_enrolled", now=now, staff=username)
    session.commit()
    return user


# -- the demo seed -------------------------------------------------------------------------------


def staff_file(settings: IdpSettings) -> Path:
    return settings.data_dir / "demo-staff.json"


def read_staff_file(settings: IdpSettings) -> StaffCredentials | None:
    path = staff_file(settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StaffCredentials(data["username"], data["password"], data["totp_secret"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_private_json(path: Path, data: Mapping[str, str]) -> None:
    """Write ``data`` readable by the owner only (mode 0600), replacing any earlier file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(".json.new")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        json.dump(dict(data), handle, ensure_ascii=False, indent=2)
    os.replace(staged, path)


def seed_staff(settings: IdpSettings, session: Session, *, now: datetime) -> list[str]:
    """The demo counter clerk: random password and TOTP secret, written once to a 0600 file."""
    user = session.get(StaffUser, STAFF_USERNAME)
    if user is not None and read_staff_file(settings) is not None:
        return []
    credentials = StaffCredentials(STAFF_USERNAME, new_password(), new_totp_secret())
    enrol_staff(
        session,
        username=credentials.username,
        display_name=STAFF_DISPLAY_NAME,
        password=credentials.password,
        totp_secret=credentials.totp_secret,
        now=now,
    )
    _write_private_json(staff_file(settings), asdict(credentials))
    what = "new" if user is None else "renewed"
    return [f"counter clerk '{STAFF_USERNAME}' with {what} credentials in {staff_file(settings)}"]


def provisioned_personas(session: Session) -> set[str]:
    """The personas that already have a card."""
    rows = session.exec(
        select(Citizen.persona).join(CardRecord, col(CardRecord.citizen_id) == col(Citizen.id))
    ).all()
    return set(rows)


def seed_cards(
    settings: IdpSettings,
    session: Session,
    *,
    authority: CertificateAuthority | None,
    today: date,
    now: datetime,
) -> list[str]:
    """A card for every seed persona that has none yet (``authority=None``: no trust token)."""
    personas = load_personas(persona_path(settings))
    done = provisioned_personas(session)
    missing = [p for p in personas.people if p.id not in done]
    if not missing:
        return [f"{len(done)} cards already provisioned"]
    if authority is None:
        return [
            "no cards provisioned: no registration token (KIT_TRUST_RA_TOKEN) to obtain "
            "certificates from the trust service, so card sign-in is disabled"
        ]
    minors = 0
    for persona in missing:
        citizen = enrol_citizen(
            session, persona=persona, reference_date=personas.reference_date, today=today, now=now
        )
        card = issue_card(
            session,
            citizen=citizen,
            authority=authority,
            pin=personas.demo_pin,
            signing_password=personas.demo_signing_password,
            today=today,
            now=now,
        )
        minors += card.sign_certificate is None
    return [
        f"{len(missing)} new cards ({minors} without a signing certificate: under 15)"
        + (f", {len(done)} already provisioned" if done else "")
    ]


def seed(settings: IdpSettings, database: Database) -> list[str]:
    """Demo data (idempotent): the counter clerk, the pinned JPKI anchors, a card per persona."""
    now = datetime.now(UTC)
    token = settings.trust_ra_token
    registration = (
        TrustRegistration(settings.trust_url, token.get_secret_value()) if token else None
    )
    lines: list[str] = []
    try:
        with database.session() as session:
            lines += seed_staff(settings, session, now=now)
            folder = trust_folder(settings)
            if registration is not None and not (folder / "root.pem").exists():
                save_trust_anchors(folder, *registration.anchors())
                lines.append(f"JPKI trust anchors pinned in {folder}")
            lines += seed_cards(
                settings, session, authority=registration, today=kit_today(settings), now=now
            )
        lines += rotate_on_schedule(database, settings, now)
    finally:
        if registration is not None:
            registration.close()
    return lines


def demo_logins(settings: IdpSettings, database: Database) -> list[DemoLogin]:
    """How to sign in to the demo: any seed resident's card, and the counter clerk."""
    logins: list[DemoLogin] = []
    with database.session() as session:
        cards = session.exec(select(func.count()).select_from(CardRecord)).one()
    if cards:
        personas = load_personas(persona_path(settings))
        logins.append(
            DemoLogin(
                who=f"Any seed resident ({cards} cards)",
                how=f"pick the card, PIN {personas.demo_pin} (signing password "
                f"{personas.demo_signing_password}, from age 15)",
                where=f"{settings.portal_url}/",
            )
        )
    staff = read_staff_file(settings)
    if staff is not None:
        logins.append(
            DemoLogin(
                who=f"Counter clerk, {STAFF_DISPLAY_NAME}",
                how=f"username {staff.username}, password {staff.password}, TOTP secret "
                f"{staff.totp_secret} (add to an authenticator app)",
                where=f"{settings.public_url}/counter/sign-in",
            )
        )
    return logins
