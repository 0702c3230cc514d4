"""The signing step-up in a Flask app, against the in-process fake provider: the authorization
request it sends, the signature it brings back and re-checks, every way it comes back without
one (a reason for the page, never a 500), and that it never changes who is signed in. Also the
``birthdate`` claim on :class:`govkit.auth.Citizen`."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from flask import Blueprint, Flask, jsonify, request
from flask.testing import FlaskClient
from sqlmodel import SQLModel

from govkit import db, web
from govkit.access import PUBLIC
from govkit.auth import (
    CardSignature,
    SignatureRefusal,
    auth_tables,
    current_citizen,
    init_auth,
    login_required,
    request_signature,
    signature_for,
    signature_refusal,
    verify_card_signature,
)
from govkit.auth.signing import b64url
from govkit.auth.web import FLOWS_KEY, SESSION_KEY, SIGNATURE_REFUSAL_KEY, SIGNATURES_KEY
from govkit.config import ServiceSettings
from govkit.testing.oidc import FakeProvider

PUBLIC_URL = "http://localhost:8098"
SUBMISSION = "委任状: 森下 健太 → 森下 彩花, 2026-11-25 – 2027-01-31"
DIGEST = hashlib.sha256(SUBMISSION.encode()).digest()
OTHER_DIGEST = hashlib.sha256(b"another submission").digest()
PURPOSE = "委任状への署名"


class SigningSettings(ServiceSettings):
    service_name: ClassVar[str] = "signingdemo"
    env_prefix: ClassVar[str] = "SIGNINGDEMO_"


class SigningModel(SQLModel, registry=db.new_registry()):
    pass


AUTH = auth_tables(SigningModel)


def make_app(tmp_path: Path, fake: FakeProvider) -> Flask:
    settings = SigningSettings.model_validate(
        {
            "environment": "test",
            "secret_key": "s" * 48,
            "data_dir": tmp_path / "data",
            "database_url": f"sqlite:///{tmp_path / 'signing.sqlite3'}",
            "public_url": PUBLIC_URL,
            "idp_url": fake.issuer,
        }
    )
    app = Flask(__name__)
    web.init_app(app, settings, title="Signing demo")
    database = db.Database(settings.database_url)
    db.init_app(app, database)
    SigningModel.metadata.create_all(database.engine)
    init_auth(app, settings, sector="GOV/LG-139998", client_name="署名デモ", model=AUTH)
    pages = Blueprint("pages", __name__)

    @pages.get("/me")
    @login_required
    def me() -> Any:
        citizen = current_citizen()
        assert citizen is not None
        birthdate = citizen.birthdate.isoformat() if citizen.birthdate else None
        return jsonify(sub=citizen.sub, birthdate=birthdate)

    @pages.post("/sign")
    @login_required
    def sign() -> Any:
        digest = bytes.fromhex(request.form.get("digest", DIGEST.hex()))
        return request_signature(digest=digest, purpose=PURPOSE, next_url="/signed")

    @pages.get("/signed")
    @login_required
    def signed() -> Any:
        digest = bytes.fromhex(request.args.get("digest", DIGEST.hex()))
        signature = signature_for(digest)
        refusal = signature_refusal(digest) if signature is None else None
        return jsonify(
            signature=signature.as_json() if signature else None,
            signer_sub=signature.signer_sub if signature else None,
            signer_exchange_id=signature.signer_exchange_id if signature else None,
            refusal=refusal,
            message=refusal.message if refusal else None,
        )

    web.csrf.exempt(sign)
    web.register_blueprint(app, pages, access=PUBLIC)
    return app


# -- a card -------------------------------------------------------------------------------------


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


class Card:
    """A card's signing key and certificate (digitalSignature + nonRepudiation)."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        issuer = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        self.certificate_der = (
            x509.CertificateBuilder()
            .subject_name(_name("MORISHITA Kenta"))
            .issuer_name(_name("JPKI Simulation CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(usage, critical=True)
            .sign(issuer, hashes.SHA256())
            .public_bytes(Encoding.DER)
        )

    def claim(self, digest: bytes, *, signed: bytes | None = None) -> dict[str, Any]:
        """The provider's ``jpki_signature`` claim for ``digest`` (the card signs ``signed``)."""
        signature = self.key.sign(signed or digest, ec.ECDSA(hashes.SHA256()))
        return {
            "alg": "ES256",
            "digest": b64url(digest),
            "purpose": PURPOSE,
            "signature": b64url(signature),
            "x5c": [base64.b64encode(self.certificate_der).decode()],
            "signed_at": datetime.now(UTC).isoformat(),
        }


@pytest.fixture(scope="module")
def card() -> Card:
    return Card()


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def app(tmp_path: Path, fake: FakeProvider) -> Iterator[Flask]:
    app = make_app(tmp_path, fake)
    fake.install(app)
    yield app
    db.get_database(app).dispose()


@pytest.fixture
def client(app: Flask, fake: FakeProvider) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    response = fake.sign_in(client, "/me")
    assert response.status_code == 200, response.status_code
    return client


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def signed_in_state(client: FlaskClient) -> dict[str, Any]:
    with client.session_transaction() as session:
        return dict(session[SESSION_KEY])


def start(client: FlaskClient, digest: bytes = DIGEST) -> str:
    """Press "sign" on the service: the provider's authorization URL it redirects to."""
    response = client.post("/sign", data={"digest": digest.hex()})
    assert response.status_code == 303
    return str(response.headers["Location"])


def come_back(client: FlaskClient, fake: FakeProvider, url: str, **grant: Any) -> Any:
    """The provider sends the browser back to the callback; the service's answer."""
    back = urlsplit(fake.authorize(url, **grant))
    return client.get(f"{back.path}?{back.query}")


def with_claim(fake: FakeProvider, make: Callable[[dict[str, Any]], None]) -> None:
    """The fake provider's next ID tokens carry what ``make`` puts in the claims."""
    fake.tamper = lambda claims, header: make(claims)


def sign_round_trip(
    client: FlaskClient,
    fake: FakeProvider,
    signature_claim: dict[str, Any] | None,
    *,
    digest: bytes = DIGEST,
    **grant: Any,
) -> dict[str, Any]:
    """Ask for a signature over ``digest``; the provider answers with ``signature_claim`` in
    the ID token; the JSON of the page the service comes back to."""
    url = start(client, digest)

    def put(claims: dict[str, Any]) -> None:
        claims["exchange_id"] = "JP-KIT-XID-0001"
        if signature_claim is not None:
            claims["jpki_signature"] = signature_claim

    with_claim(fake, put)
    response = come_back(client, fake, url, **grant)
    assert response.status_code == 303, response.status_code
    assert response.headers["Location"] == "/signed"
    page = client.get(f"/signed?digest={digest.hex()}")
    assert page.status_code == 200
    return dict(page.get_json())


# -- the request ----------------------------------------------------------------------------------


def test_the_authorization_request_asks_for_the_card_to_sign_the_digest(
    client: FlaskClient, fake: FakeProvider
) -> None:
    url = start(client)
    assert url.startswith(f"{fake.issuer}/authorize?")
    params = query(url)
    assert params["scope"] == "openid name address birthdate gender sign"
    assert params["acr_values"] == "aal3"
    assert params["sign_digest"] == b64url(DIGEST)
    assert len(params["sign_digest"]) == 43
    assert params["sign_purpose"] == PURPOSE
    assert "prompt" not in params  # the provider's single sign-on session is reused
    assert "max_age" not in params
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == f"{PUBLIC_URL}/auth/callback"
    with client.session_transaction() as session:
        flows = list(session[FLOWS_KEY].values())
    signing = [flow for flow in flows if flow.get("sign_digest")]
    assert len(signing) == 1
    assert signing[0]["state"] == params["state"]
    assert signing[0]["nonce"] == params["nonce"]


def test_request_signature_checks_its_arguments(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context("/"):
        with pytest.raises(ValueError, match="SHA-256"):
            request_signature(digest=b"short", purpose=PURPOSE, next_url="/")
        with pytest.raises(ValueError, match="purpose"):
            request_signature(digest=DIGEST, purpose="  ", next_url="/")
        with pytest.raises(ValueError, match="purpose"):
            request_signature(digest=DIGEST, purpose="x" * 201, next_url="/")
        with pytest.raises(RuntimeError, match="signed-in citizen"):
            request_signature(digest=DIGEST, purpose=PURPOSE, next_url="/")


def test_an_unreachable_provider_comes_back_with_a_reason(
    client: FlaskClient, fake: FakeProvider
) -> None:
    fake.down = True
    client.application.extensions["govkit.auth"].provider._metadata = None
    response = client.post("/sign", data={"digest": DIGEST.hex()})
    assert response.status_code == 303
    assert response.headers["Location"] == "/signed"
    page = client.get("/signed").get_json()
    assert page["refusal"] == "unavailable"
    assert "cannot be reached" in page["message"]


# -- the signature ------------------------------------------------------------------------------


def test_a_round_trip_gives_the_checked_signature_and_keeps_the_sign_in(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    before = signed_in_state(client)
    userinfo_calls = len([r for r in fake.requests if r[1].endswith("/userinfo")])
    claim = card.claim(DIGEST)
    page = sign_round_trip(client, fake, claim, sid="another-provider-session")
    assert page["refusal"] is None
    assert page["signature"] == claim
    assert page["signer_sub"] == before["sub"] == "fake-sub"
    assert page["signer_exchange_id"] == "JP-KIT-XID-0001"
    assert verify_card_signature(page["signature"], DIGEST)
    # Who is signed in here, how and since when: all as it was (ID token kept, not replaced).
    assert signed_in_state(client) == before
    assert client.get("/me").get_json()["sub"] == "fake-sub"
    # Taken once.
    again = client.get("/signed").get_json()
    assert again["signature"] is None
    assert again["refusal"] is None
    with client.session_transaction() as session:
        assert SIGNATURES_KEY not in session
        assert SIGNATURE_REFUSAL_KEY not in session
    # The ID token says all that is needed: no userinfo call.
    assert len([r for r in fake.requests if r[1].endswith("/userinfo")]) == userinfo_calls


def test_a_waiting_signature_leaves_room_for_only_two_sign_ins_in_progress(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    for _tab in range(3):
        assert client.get("/auth/login?next=/me&prompt=login").status_code == 302
    url = start(client)
    with client.session_transaction() as session:
        assert len(session[FLOWS_KEY]) == 4
    with_claim(fake, lambda claims: claims.update(jpki_signature=card.claim(DIGEST)))
    come_back(client, fake, url)
    with client.session_transaction() as session:
        assert len(session[FLOWS_KEY]) == 2  # the newest two of the three left
        assert len(session[SIGNATURES_KEY]) == 1
    client.get("/auth/login?next=/me&prompt=login")
    with client.session_transaction() as session:
        assert len(session[FLOWS_KEY]) == 2
    assert client.get("/signed").get_json()["signature"] is not None
    client.get("/auth/login?next=/me&prompt=login")
    with client.session_transaction() as session:
        assert len(session[FLOWS_KEY]) == 3  # the signature was taken: room again


def test_a_second_signature_replaces_a_first_one_never_taken(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    url = start(client)
    with_claim(fake, lambda claims: claims.update(jpki_signature=card.claim(DIGEST)))
    come_back(client, fake, url)  # and the page never takes it
    url = start(client, OTHER_DIGEST)
    with_claim(fake, lambda claims: claims.update(jpki_signature=card.claim(OTHER_DIGEST)))
    come_back(client, fake, url)
    with client.session_transaction() as session:
        assert list(session[SIGNATURES_KEY]) == [b64url(OTHER_DIGEST)]
    page = client.get("/signed").get_json()
    assert (page["signature"], page["refusal"]) == (None, None)


def test_signature_for_gives_a_card_signature(
    app: Flask, client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    url = start(client)
    with_claim(fake, lambda claims: claims.update(jpki_signature=card.claim(DIGEST)))
    come_back(client, fake, url)
    with client.session_transaction() as state:
        kept = dict(state)
    with app.test_request_context("/"):
        from flask import session

        session.update(kept)
        assert signature_for(OTHER_DIGEST) is None  # another submission: nothing
        signature = signature_for(DIGEST)
        assert isinstance(signature, CardSignature)
        assert signature.digest == DIGEST
        assert signature.purpose == PURPOSE
        assert signature.certificate_der == card.certificate_der
        assert signature.signer_sub == "fake-sub"
        assert signature.verify(DIGEST)
        assert signature_for(DIGEST) is None


def test_the_level_asked_for_is_the_card(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    page = sign_round_trip(client, fake, card.claim(DIGEST), acr="aal2")
    assert page["signature"] is None
    assert page["refusal"] == "failed"


def test_a_signature_over_another_digest_is_refused(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    page = sign_round_trip(client, fake, card.claim(OTHER_DIGEST))
    assert page["signature"] is None
    assert page["refusal"] == "invalid"
    assert "could not be checked" in page["message"]


def test_a_claim_naming_the_digest_over_another_signature_is_refused(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    page = sign_round_trip(client, fake, card.claim(DIGEST, signed=OTHER_DIGEST))
    assert (page["signature"], page["refusal"]) == (None, "invalid")


def test_a_tampered_signature_is_refused(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    claim = card.claim(DIGEST)
    raw = bytearray(base64.urlsafe_b64decode(claim["signature"] + "=="))
    raw[10] ^= 0x40
    claim["signature"] = b64url(bytes(raw))
    page = sign_round_trip(client, fake, claim)
    assert (page["signature"], page["refusal"]) == (None, "invalid")


@pytest.mark.parametrize(
    "claim", [None, "not an object", {"alg": "ES256"}, {"alg": "none", "digest": "x"}]
)
def test_no_or_a_malformed_signature_claim_is_refused(
    client: FlaskClient, fake: FakeProvider, claim: Any
) -> None:
    page = sign_round_trip(client, fake, claim)
    assert (page["signature"], page["refusal"]) == (None, "invalid")


def test_a_signature_by_someone_else_is_refused_and_nobody_else_is_signed_in(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    before = signed_in_state(client)
    page = sign_round_trip(client, fake, card.claim(DIGEST), sub="someone-else")
    assert page["signature"] is None
    assert page["refusal"] == "other_citizen"
    assert "not the card of the person signed in" in page["message"]
    assert signed_in_state(client) == before


def test_signing_out_meanwhile_brings_no_signature(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    url = start(client)
    with client.session_transaction() as session:
        session.pop(SESSION_KEY)
    with_claim(fake, lambda claims: claims.update(jpki_signature=card.claim(DIGEST)))
    response = come_back(client, fake, url)
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session[SIGNATURE_REFUSAL_KEY]["reason"] == "signed_out"
        assert SIGNATURES_KEY not in session
        assert SESSION_KEY not in session  # the round trip signed nobody in


def test_a_kept_signature_is_given_only_to_its_signer(
    app: Flask, client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    url = start(client)
    with_claim(fake, lambda claims: claims.update(jpki_signature=card.claim(DIGEST)))
    come_back(client, fake, url)
    with client.session_transaction() as session:
        assert b64url(DIGEST) in session[SIGNATURES_KEY]
        session[SESSION_KEY] = {**session[SESSION_KEY], "sub": "another-citizen"}
    page = client.get("/signed").get_json()
    assert page["signature"] is None


# -- coming back without a signature ----------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason", "words"),
    [
        ("access_denied", "cancelled", "You have not signed"),
        ("server_error", "unavailable", "cannot be reached"),
        ("temporarily_unavailable", "unavailable", "cannot be reached"),
        ("login_required", "failed", "could not be accepted"),
        ("interaction_required", "failed", "could not be accepted"),
        ("invalid_request", "failed", "could not be accepted"),
    ],
)
def test_a_provider_error_comes_back_to_the_page_with_a_reason(
    client: FlaskClient, fake: FakeProvider, error: str, reason: str, words: str
) -> None:
    before = signed_in_state(client)
    url = start(client)
    response = come_back(client, fake, url, error=error)
    assert response.status_code == 303
    assert response.headers["Location"] == "/signed"
    page = client.get("/signed").get_json()
    assert page["signature"] is None
    assert page["refusal"] == reason
    assert words in page["message"]
    assert signed_in_state(client) == before
    assert client.get("/signed").get_json()["refusal"] is None  # read once


def test_a_refused_code_comes_back_with_a_reason(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    fake.token_error = "invalid_grant"
    page = sign_round_trip(client, fake, card.claim(DIGEST))
    assert (page["signature"], page["refusal"]) == (None, "failed")


def test_a_provider_down_at_the_callback_comes_back_with_a_reason(
    client: FlaskClient, fake: FakeProvider
) -> None:
    url = start(client)
    back = urlsplit(fake.authorize(url))
    fake.down = True
    client.application.extensions["govkit.auth"].provider._metadata = None
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 303
    assert client.get("/signed").get_json()["refusal"] == "unavailable"


def test_an_answer_from_another_issuer_is_refused(client: FlaskClient, fake: FakeProvider) -> None:
    url = start(client)
    response = come_back(client, fake, url, iss="https://evil.example")
    assert response.status_code == 303
    assert client.get("/signed").get_json()["refusal"] == "failed"


def test_a_signing_round_trip_that_took_too_long(
    client: FlaskClient, fake: FakeProvider, card: Card
) -> None:
    url = start(client)
    with client.session_transaction() as session:
        flows = session[FLOWS_KEY]
        for flow in flows.values():
            flow["started_at"] = time.time() - 3600
        session[FLOWS_KEY] = flows
    with_claim(fake, lambda claims: claims.update(jpki_signature=card.claim(DIGEST)))
    response = come_back(client, fake, url)
    assert response.status_code == 303
    page = client.get("/signed").get_json()
    assert (page["signature"], page["refusal"]) == (None, "expired")


def test_a_refusal_is_about_one_digest(client: FlaskClient, fake: FakeProvider) -> None:
    come_back(client, fake, start(client), error="access_denied")
    assert client.get(f"/signed?digest={OTHER_DIGEST.hex()}").get_json()["refusal"] is None


def test_every_refusal_has_a_message(app: Flask) -> None:
    with app.test_request_context("/"):
        for reason in SignatureRefusal:
            assert reason.message
            assert reason == reason.value


def test_an_unknown_state_is_the_ordinary_start_again_page(client: FlaskClient) -> None:
    response = client.get("/auth/callback?code=x&state=unknown")
    assert response.status_code == 400


# -- the date of birth -----------------------------------------------------------------------------


def test_the_date_of_birth_is_on_the_citizen(client: FlaskClient) -> None:
    assert client.get("/me").get_json()["birthdate"] == "1990-05-12"


@pytest.mark.parametrize("value", ["12/05/1990", "1990-13-40", "1990-5-12", "", 19900512, None])
def test_a_malformed_date_of_birth_is_ignored(app: Flask, fake: FakeProvider, value: Any) -> None:
    fake.userinfo_override = {"birthdate": value}
    client = app.test_client()
    response = fake.sign_in(client, "/me")
    assert response.status_code == 200
    assert response.get_json() == {"sub": "fake-sub", "birthdate": None}


def test_the_date_of_birth_from_the_id_token_when_userinfo_has_none(
    app: Flask, fake: FakeProvider
) -> None:
    del fake.person["birthdate"]
    with_claim(fake, lambda claims: claims.update(birthdate="2006-10-01"))
    response = fake.sign_in(app.test_client(), "/me")
    assert response.get_json()["birthdate"] == "2006-10-01"
    assert date.fromisoformat(response.get_json()["birthdate"]) == date(2006, 10, 1)


def test_a_malformed_date_of_birth_in_the_session_is_not_an_error(
    client: FlaskClient,
) -> None:
    with client.session_transaction() as session:
        session[SESSION_KEY] = {**session[SESSION_KEY], "birthdate": "yesterday"}
    response = client.get("/me")
    assert response.status_code == 200
    assert response.get_json()["birthdate"] is None
