"""Passkeys through the provider's pages and JSON endpoints, with real WebAuthn ceremonies.

No browser here: :class:`SoftwareAuthenticator` answers like a platform authenticator would
(a P-256 key, authenticator data with rpIdHash, flags, counter and attested credential data,
clientDataJSON, attestation format ``none``), so py_webauthn checks genuine bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import struct
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import cbor2
import pytest
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask import session as flask_session
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from joserfc import jwt
from sqlmodel import select

from govkit.db import get_database
from govkit.testing import check_page
from idp.hashing import new_token
from idp.models import AuditEvent, Citizen, OPSession, Passkey

ORIGIN = "http://localhost:8001"
RP_ID = "localhost"
UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftwareAuthenticator:
    """A passkey authenticator in software: one P-256 credential, a signature counter."""

    counter_step: int = 1
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sign_count: int = 0
    user_handle: bytes | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def _auth_data(self, rp_id: str, flags: int, count: int, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._cose_key()
        return data

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        verified: bool = True,
        challenge: str | None = None,
    ) -> dict[str, Any]:
        """The JSON a browser sends after ``navigator.credentials.create``."""
        self.user_handle = unb64url(options["user"]["id"])
        flags = UP | AT | (UV if verified else 0)
        auth_data = self._auth_data(rp_id or options["rp"]["id"], flags, self.sign_count, True)
        client_data = self._client_data(
            "webauthn.create", challenge or options["challenge"], origin
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        verified: bool = True,
        count: int | None = None,
    ) -> dict[str, Any]:
        """The JSON a browser sends after ``navigator.credentials.get``."""
        if count is None:
            self.sign_count += self.counter_step
            count = self.sign_count
        flags = UP | (UV if verified else 0)
        auth_data = self._auth_data(options["rpId"], flags, count, False)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self.user_handle is not None:
            response["userHandle"] = b64url(self.user_handle)
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "clientExtensionResults": {},
            "response": response,
        }


# -- helpers ---------------------------------------------------------------------------------
def _start_session(provider, client: FlaskClient, acr: str = "aal3") -> str:
    """This browser is signed in (as with the card, or with ``acr``) for the test citizen."""
    now = datetime.now(UTC)
    sid = new_token(24)
    amr = ["sc", "pin", "mfa"] if acr == "aal3" else ["hwk", "user", "mfa"]
    with get_database(provider.app).transaction() as session:
        session.add(
            OPSession(
                sid=sid,
                citizen_id=provider.citizen_id,
                auth_time=now,
                acr=acr,
                amr=amr,
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
    with client.session_transaction() as browser:
        browser["sid"] = sid
    return sid


def _csrf(page_html: str) -> str:
    """The CSRF token of the page's passkey form (the script sends it in ``X-CSRFToken``)."""
    form = BeautifulSoup(page_html, "html.parser").select_one("form[data-passkey]")
    assert form is not None, "no passkey form on the page"
    return str(form.select_one("input[name=csrf_token]")["value"])


def _post(client: FlaskClient, url: str, token: str | None, body: dict[str, Any]):
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(url, json=body, headers=headers)


def _passkeys(provider) -> list[Passkey]:
    with get_database(provider.app).session() as session:
        return list(session.exec(select(Passkey)))


def _events(provider, event: str) -> list[AuditEvent]:
    with get_database(provider.app).session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.event == event)))


@dataclass
class Account:
    """The account page of a browser signed in with the card."""

    client: FlaskClient
    token: str

    def options(self, **body: Any):
        return _post(self.client, "/account/passkeys/options", self.token, body)

    def verify(self, credential: Any, **body: Any):
        return _post(
            self.client, "/account/passkeys/verify", self.token, {"credential": credential, **body}
        )

    def register(self, authenticator: SoftwareAuthenticator, name: str = "My phone") -> None:
        options = self.options(name=name)
        assert options.status_code == 200, options.get_json()
        answer = self.verify(authenticator.create(options.get_json()["publicKey"]), name=name)
        assert answer.status_code == 200, answer.get_json()


def _account(provider, client: FlaskClient | None = None) -> Account:
    client = client or provider.app.test_client()
    _start_session(provider, client)
    page = client.get("/account")
    return Account(client, _csrf(page.get_data(as_text=True)))


@pytest.fixture
def account(provider) -> Account:
    return _account(provider)


@dataclass
class SignIn:
    """A sign-in started by a relying party in a fresh browser."""

    client: FlaskClient
    txn: str
    token: str | None
    verifier: str
    page: Any

    def options(self):
        return _post(self.client, f"/login/{self.txn}/passkey/options", self.token, {})

    def verify(self, credential: Any):
        return _post(
            self.client, f"/login/{self.txn}/passkey/verify", self.token, {"credential": credential}
        )

    def with_passkey(self, authenticator: SoftwareAuthenticator, **kwargs: Any):
        options = self.options()
        assert options.status_code == 200, options.get_json()
        return self.verify(authenticator.get(options.get_json()["publicKey"], **kwargs))


def _sign_in(provider, rp, **params: str) -> SignIn:
    client = provider.app.test_client()
    verifier, challenge = provider.pkce()
    query = {
        "client_id": rp.client_id,
        "redirect_uri": provider.redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "state": "s-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **params,
    }
    answer = client.get("/authorize?" + urlencode(query))
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    login_url = answer.headers["Location"]
    txn = urlsplit(login_url).path.rsplit("/", 1)[1]
    page = client.get(login_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = _csrf(html) if "data-passkey" in html else None
    return SignIn(client, txn, token, verifier, page)


def _redirect_params(answer) -> dict[str, str]:
    location = answer.get_json()["redirect"]
    assert location.startswith("http://localhost:9000/cb?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


# -- registration ------------------------------------------------------------------------------
def test_a_card_session_adds_a_passkey_that_the_account_page_lists(provider, account) -> None:
    options = account.options(name="  My  phone ")
    assert options.status_code == 200, options.get_json()
    public_key = options.get_json()["publicKey"]
    assert public_key["rp"] == {"id": RP_ID, "name": "窓口ID"}
    assert public_key["authenticatorSelection"]["userVerification"] == "required"
    assert public_key["authenticatorSelection"]["residentKey"] == "required"
    assert public_key["attestation"] == "none"

    authenticator = SoftwareAuthenticator()
    answer = account.verify(authenticator.create(public_key), name="  My  phone ")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"redirect": "/account#passkeys"}

    [row] = _passkeys(provider)
    assert row.credential_id == authenticator.id
    assert row.citizen_id == provider.citizen_id
    assert row.name == "My phone"
    [event] = _events(provider, "passkey_registered")
    assert event.detail["credential_id"] == authenticator.id

    client = account.client
    client.set_cookie("kit_lang", "en")
    page = check_page(client.get("/account"), h1="Your Madoguchi ID")
    entry = page.select_one("[data-passkey-entry]")
    assert "My phone" in entry.get_text()
    assert "Not used yet" in entry.get_text()
    assert "Passkey added" in page.select_one(".govuk-notification-banner").get_text()
    # The notice is shown once.
    assert not check_page(client.get("/account")).select(".govuk-notification-banner")


def test_a_passkey_without_a_name_is_named_after_the_day(provider, account) -> None:
    account.register(SoftwareAuthenticator(), name="")
    [row] = _passkeys(provider)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", row.name), row.name  # the day, as pages write it


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ({"origin": "http://evil.example"}, "invalid_response"),
        ({"origin": "http://localhost:8002"}, "invalid_response"),
        ({"challenge": b64url(b"not the challenge we sent, 32b")}, "invalid_response"),
        ({"rp_id": "evil.example"}, "invalid_response"),
        ({"verified": False}, "invalid_response"),
    ],
    ids=["other-site", "other-port", "wrong-challenge", "wrong-rp-id", "no-user-verification"],
)
def test_registration_refuses_a_bad_answer(provider, account, tamper, expected) -> None:
    options = account.options().get_json()["publicKey"]
    answer = account.verify(SoftwareAuthenticator().create(options, **tamper))
    assert answer.status_code == 400
    assert answer.get_json()["error"] == expected
    assert answer.get_json()["message"]
    assert _passkeys(provider) == []
    [event] = _events(provider, "passkey_registration_failed")
    assert event.detail == {"reason": expected}


def test_a_challenge_is_used_once(provider, account) -> None:
    options = account.options().get_json()["publicKey"]
    cookie = account.client.get_cookie("idp_session")
    assert cookie is not None
    kept = cookie.value
    assert account.verify(SoftwareAuthenticator().create(options)).status_code == 200

    # Sent again: the browser's session no longer holds the challenge.
    again = account.verify(SoftwareAuthenticator().create(options))
    assert (again.status_code, again.get_json()["error"]) == (400, "expired")

    # Sent again with the old cookie that still held it: the provider remembers it was used.
    account.client.set_cookie("idp_session", kept, domain="localhost")
    replay = account.verify(SoftwareAuthenticator().create(options))
    assert (replay.status_code, replay.get_json()["error"]) == (400, "challenge")
    assert len(_passkeys(provider)) == 1


def test_an_expired_challenge_is_refused(provider, account) -> None:
    options = account.options().get_json()["publicKey"]
    with account.client.session_transaction() as browser:
        kept = dict(browser["passkey_challenge"])
        browser["passkey_challenge"] = {**kept, "until": datetime.now(UTC).timestamp() - 1}
    answer = account.verify(SoftwareAuthenticator().create(options))
    assert (answer.status_code, answer.get_json()["error"]) == (400, "expired")


def test_the_same_passkey_cannot_be_registered_twice(provider, account) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    options = account.options().get_json()["publicKey"]
    assert options["excludeCredentials"] == [{"id": authenticator.id, "type": "public-key"}]
    answer = account.verify(authenticator.create(options))
    assert (answer.status_code, answer.get_json()["error"]) == (400, "duplicate")


def test_a_citizen_keeps_at_most_ten_passkeys(provider, account) -> None:
    for number in range(10):
        account.register(SoftwareAuthenticator(), name=f"Key {number}")
    answer = account.options()
    assert (answer.status_code, answer.get_json()["error"]) == (400, "too_many")
    page = check_page(account.client.get("/account"))
    assert len(page.select("[data-passkey-entry]")) == 10
    assert not page.select("form[data-passkey=register]")


def test_a_name_that_is_too_long_is_refused_before_the_ceremony(account) -> None:
    answer = account.options(name="x" * 61)
    assert (answer.status_code, answer.get_json()["error"]) == (400, "name_too_long")
    assert "60" in answer.get_json()["message"]


def _token_for(app: Flask, client: FlaskClient) -> str:
    """A CSRF token for this browser, as a page would have given it."""
    with app.test_request_context():
        token = generate_csrf()
        secret = flask_session["csrf_token"]
    with client.session_transaction() as browser:
        browser["csrf_token"] = secret
    return token


def test_registration_needs_a_card_session(provider) -> None:
    # Nobody signed in: no form, and the endpoints refuse.
    stranger = provider.app.test_client()
    assert "data-passkey" not in stranger.get("/account").get_data(as_text=True)
    token = _token_for(provider.app, stranger)
    answer = _post(stranger, "/account/passkeys/options", token, {})
    assert (answer.status_code, answer.get_json()["error"]) == (403, "card_needed")

    # Signed in with a passkey (aal2): a passkey never vouches for another one.
    client = provider.app.test_client()
    _start_session(provider, client, acr="aal2")
    client.set_cookie("kit_lang", "en")
    page = check_page(client.get("/account"))
    assert not page.select("form[data-passkey]")
    assert "sign in again with your My Number card" in page.text()
    token = _token_for(provider.app, client)
    answer = _post(client, "/account/passkeys/options", token, {})
    assert (answer.status_code, answer.get_json()["error"]) == (403, "card_needed")
    answer = _post(client, "/account/passkeys/verify", token, {"credential": {}})
    assert (answer.status_code, answer.get_json()["error"]) == (403, "card_needed")


def test_a_missing_csrf_token_is_answered_in_json(account) -> None:
    answer = _post(account.client, "/account/passkeys/options", None, {})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "csrf"
    answer = _post(account.client, "/account/passkeys/options", "forged", {})
    assert answer.get_json()["error"] == "csrf"


@pytest.mark.parametrize(
    "credential",
    [
        None,
        "text",
        [],
        {},
        {"id": "x", "rawId": "x", "type": "public-key", "response": {}},
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": "!!", "attestationObject": "%%"},
        },
    ],
)
def test_garbage_is_refused_not_an_error(account, credential) -> None:
    account.options()
    answer = account.verify(credential)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_response"


def test_a_citizen_removes_a_passkey(provider, account) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    page = check_page(account.client.get("/account"))
    form = page.select_one("[data-passkey-entry] form")
    answer = account.client.post(form["action"], data={"csrf_token": account.token})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/account#passkeys")
    assert _passkeys(provider) == []
    assert _events(provider, "passkey_removed")


def test_nobody_removes_another_citizens_passkey(provider, account) -> None:
    account.register(SoftwareAuthenticator())
    [row] = _passkeys(provider)
    now = datetime.now(UTC)
    with get_database(provider.app).transaction() as session:
        other = Citizen(
            id="c-0002",
            persona="H2-1",
            family_name="山田",
            given_name="花子",
            family_name_kana="ヤマダ",
            given_name_kana="ハナコ",
            name_roman="YAMADA Hanako",
            birthdate=date(1985, 1, 2),
            gender="female",
            postal_code="000-0102",
            address="桜木市",
            created_at=now,
        )
        session.add(other)
        sid = new_token(24)
        session.add(
            OPSession(
                sid=sid,
                citizen_id="c-0002",
                auth_time=now,
                acr="aal3",
                amr=["sc", "pin", "mfa"],
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
    intruder = provider.app.test_client()
    with intruder.session_transaction() as browser:
        browser["sid"] = sid
    token = _token_for(provider.app, intruder)
    answer = intruder.post(
        f"/account/passkeys/{row.credential_id}/remove", data={"csrf_token": token}
    )
    assert answer.status_code == 303
    assert len(_passkeys(provider)) == 1
    assert not _events(provider, "passkey_removed")


# -- signing in --------------------------------------------------------------------------------
def test_a_passkey_signs_in_at_aal2(provider, account) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    rp = provider.register()

    journey = _sign_in(provider, rp, acr_values="aal2")
    option = journey.page.get_data(as_text=True)
    assert 'data-passkey="sign-in"' in option
    answer = journey.with_passkey(authenticator)
    assert answer.status_code == 200, answer.get_json()
    params = _redirect_params(answer)
    assert params["state"] == "s-1"

    tokens = provider.redeem(rp, params["code"], journey.verifier)
    assert tokens.status_code == 200, tokens.get_json()
    claims = jwt.decode(tokens.get_json()["id_token"], provider.jwks()).claims
    assert claims["acr"] == "aal2"
    assert claims["amr"] == ["hwk", "user", "mfa"]
    assert claims["nonce"] == "n-1"

    [row] = _passkeys(provider)
    assert row.sign_count == 1
    assert row.last_used_at is not None
    logins = [e for e in _events(provider, "login") if e.detail.get("method") == "passkey"]
    assert [e.detail["acr"] for e in logins] == ["aal2"]

    # The browser is now signed in: another request at aal2 needs no sign-in.
    again = journey.client.get(
        "/authorize?"
        + urlencode(
            {
                "client_id": rp.client_id,
                "redirect_uri": provider.redirect_uri,
                "response_type": "code",
                "scope": "openid",
                "nonce": "n-2",
                "code_challenge": provider.pkce()[1],
                "code_challenge_method": "S256",
            }
        )
    )
    assert again.status_code == 302
    assert again.headers["Location"].startswith("http://localhost:9000/cb?code=")


def test_a_passkey_signs_in_when_the_service_names_no_level(provider, account) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    journey = _sign_in(provider, provider.register())
    assert journey.token is not None
    assert journey.with_passkey(authenticator).status_code == 200


def test_an_unknown_passkey_is_refused(provider, account) -> None:
    account.register(SoftwareAuthenticator())
    journey = _sign_in(provider, provider.register(), acr_values="aal2")
    answer = journey.with_passkey(SoftwareAuthenticator())
    assert (answer.status_code, answer.get_json()["error"]) == (400, "unknown_credential")
    failures = _events(provider, "login_failed")
    assert [f.detail["reason"] for f in failures] == ["unknown_credential"]


def test_a_counter_that_does_not_grow_is_refused(provider, account) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    rp = provider.register()
    assert _sign_in(provider, rp).with_passkey(authenticator, count=5).status_code == 200
    answer = _sign_in(provider, rp).with_passkey(authenticator, count=5)
    assert (answer.status_code, answer.get_json()["error"]) == (400, "sign_count")
    answer = _sign_in(provider, rp).with_passkey(authenticator, count=3)
    assert answer.get_json()["error"] == "sign_count"
    assert _sign_in(provider, rp).with_passkey(authenticator, count=6).status_code == 200


def test_an_authenticator_without_a_counter_may_keep_zero(provider, account) -> None:
    authenticator = SoftwareAuthenticator(counter_step=0)
    account.register(authenticator)
    rp = provider.register()
    assert _sign_in(provider, rp).with_passkey(authenticator).status_code == 200
    assert _sign_in(provider, rp).with_passkey(authenticator).status_code == 200


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ({"origin": "http://evil.example"}, "invalid_response"),
        ({"verified": False}, "invalid_response"),
    ],
    ids=["other-site", "no-user-verification"],
)
def test_sign_in_refuses_a_bad_assertion(provider, account, tamper, expected) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    answer = _sign_in(provider, provider.register()).with_passkey(authenticator, **tamper)
    assert (answer.status_code, answer.get_json()["error"]) == (400, expected)


def test_a_sign_in_challenge_is_used_once_even_when_the_answer_failed(provider, account) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    journey = _sign_in(provider, provider.register())
    options = journey.options().get_json()["publicKey"]
    cookie = journey.client.get_cookie("idp_session")
    assert cookie is not None
    failed = journey.verify(authenticator.get(options, origin="http://evil.example"))
    assert failed.get_json()["error"] == "invalid_response"
    # The old cookie still holds the challenge; a good answer to it is refused all the same.
    journey.client.set_cookie("idp_session", cookie.value, domain="localhost")
    replay = journey.verify(authenticator.get(options))
    assert (replay.status_code, replay.get_json()["error"]) == (400, "challenge")


@pytest.mark.parametrize("acr_values", ["aal3", "aal2 crl", "aal3 aal2 crl"])
def test_no_passkey_when_the_service_asks_for_the_card(provider, account, acr_values) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    journey = _sign_in(provider, provider.register(), acr_values=acr_values)
    assert "data-passkey" not in journey.page.get_data(as_text=True)
    journey.token = _login_token(journey)
    answer = journey.options()
    assert (answer.status_code, answer.get_json()["error"]) == (403, "not_allowed")


def _login_token(journey: SignIn) -> str:
    """The card form's CSRF token (the passkey form is not on the page)."""
    html = journey.page.get_data(as_text=True)
    start = html.index('name="csrf_token"')
    value = html.index('value="', start) + len('value="')
    return html[value : html.index('"', value)]


def test_a_sign_in_started_in_another_browser_is_refused(provider, account) -> None:
    authenticator = SoftwareAuthenticator()
    account.register(authenticator)
    journey = _sign_in(provider, provider.register())
    other = _account(provider)  # another browser, with its own session and token
    answer = _post(other.client, f"/login/{journey.txn}/passkey/options", other.token, {})
    assert (answer.status_code, answer.get_json()["error"]) == (403, "transaction")


def test_without_the_script_the_forms_say_passkeys_cannot_be_used(provider, account) -> None:
    journey = _sign_in(provider, provider.register())
    journey.client.set_cookie("kit_lang", "en")
    page = check_page(
        journey.client.post(f"/login/{journey.txn}/passkey", data={"csrf_token": journey.token}),
        h1="Your browser does not support passkeys",
    )
    assert page.links()["Go back and sign in with your card"] == f"/login/{journey.txn}"
    account.client.set_cookie("kit_lang", "en")
    check_page(
        account.client.post("/account/passkeys", data={"csrf_token": account.token}),
        h1="Your browser does not support passkeys",
    )


def test_the_script_is_served(provider) -> None:
    with provider.client.get("/assets/idp/passkeys.js") as answer:
        assert answer.status_code == 200
        assert "javascript" in answer.mimetype
        assert "navigator.credentials" in answer.get_data(as_text=True)
