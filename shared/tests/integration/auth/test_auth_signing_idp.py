"""The signing step-up end to end: a Flask relying party built on govkit.auth (in this process,
with the Flask test client) and the kit's real trust service and identity provider (real
processes on free ports). A browser without JavaScript (a ``requests.Session``) signs in with
the demo card and PIN, then signs on the provider's signing page; it stops at the relying
party's redirect URI and the test client takes it from there."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup, Tag
from cryptography import x509
from flask import Blueprint, Flask, jsonify, request
from flask.testing import FlaskClient
from sqlmodel import SQLModel

from govkit import db, web
from govkit.access import PUBLIC
from govkit.auth import (
    CardSignature,
    auth_tables,
    current_citizen,
    init_auth,
    login_required,
    request_signature,
    signature_for,
    signature_refusal,
    verify_card_signature,
)
from govkit.config import ServiceSettings
from govkit.stack import Stack
from govkit.testing.oidc import closed_port_url
from govkit.testing.plugin import start_stack

KENTA = "森下 健太"
YUMA = "石川 悠真"  # 9 years old: no signing certificate
DEMO_PIN = "1234"
SIGNING_PASSWORD = "Sakura2025"  # idp/seed/personas.toml: demo_signing_password
PURPOSE = "委任状への署名（住民票の写しの請求）"
TIMEOUT = 15
JPKI_NAME = x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")
JPKI_BIRTHDATE = x509.ObjectIdentifier("1.2.392.200149.8.5.5.4")


class RpSettings(ServiceSettings):
    service_name: ClassVar[str] = "signingrp"
    env_prefix: ClassVar[str] = "SIGNINGRP_"


class RpModel(SQLModel, registry=db.new_registry()):
    pass


AUTH = auth_tables(RpModel)


@dataclass
class Kit:
    stack: Stack
    idp_url: str
    registration_token: str


@pytest.fixture(scope="module")
def kit(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kit]:
    stack = start_stack(
        pytestconfig,
        tmp_path_factory.mktemp("signing-var"),
        ["trust", "idp"],
        {"IDP_RATE_LIMIT_LOGIN": "1000 per minute", "IDP_RATE_LIMIT_PIN": "1000 per minute"},
    )
    try:
        spec = next(s for s in stack.manifest.services if s.instance == "idp")
        token = stack.environment_for(spec)["KIT_IDP_REGISTRATION_TOKEN"]
        yield Kit(stack, stack.url("idp"), token)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def app(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("signing-rp")
    settings = RpSettings.model_validate(
        {
            "environment": "test",
            "secret_key": "s" * 48,
            "data_dir": folder / "data",
            "database_url": f"sqlite:///{folder / 'rp.sqlite3'}",
            "public_url": closed_port_url(),  # the browser stops there; the test client goes on
            "idp_url": kit.idp_url,
            "idp_registration_token": kit.registration_token,
        }
    )
    app = Flask(__name__)
    web.init_app(app, settings, title="Signing RP")
    database = db.Database(settings.database_url)
    db.init_app(app, database)
    RpModel.metadata.create_all(database.engine)
    init_auth(app, settings, sector="GOV/LG-139998", client_name="署名のテスト", model=AUTH)
    pages = Blueprint("pages", __name__)

    @pages.get("/me")
    @login_required
    def me() -> Any:
        citizen = current_citizen()
        assert citizen is not None
        return jsonify(sub=citizen.sub, birthdate=str(citizen.birthdate), name=citizen.name)

    @pages.post("/sign")
    @login_required
    def sign() -> Any:
        digest = hashlib.sha256(request.form["text"].encode()).digest()
        return request_signature(digest=digest, purpose=PURPOSE, next_url="/signed")

    @pages.get("/signed")
    @login_required
    def signed() -> Any:
        digest = hashlib.sha256(request.args["text"].encode()).digest()
        signature = signature_for(digest)
        refusal = signature_refusal(digest) if signature is None else None
        return jsonify(
            signature=signature.as_json() if signature else None,
            signer_sub=signature.signer_sub if signature else None,
            refusal=refusal,
        )

    web.csrf.exempt(sign)
    web.register_blueprint(app, pages, access=PUBLIC)
    yield app
    database.dispose()


# -- the browser at the provider ---------------------------------------------------------------


def _form(soup: BeautifulSoup, action_part: str) -> Tag:
    for form in soup.find_all("form"):
        if action_part in str(form.get("action", "")):
            return form
    raise AssertionError(f"no form posting to …{action_part}… on the page")


def _csrf(form: Tag) -> str:
    return str(form.find("input", attrs={"name": "csrf_token"})["value"])


def _card_for(soup: BeautifulSoup, resident: str) -> str:
    for label in soup.select("label.govuk-radios__label"):
        if resident in label.get_text(" ", strip=True):
            radio = soup.find("input", attrs={"id": label.get("for"), "name": "card"})
            return str(radio["value"])
    raise AssertionError(f"no card for {resident!r} on the card page")


@dataclass
class Visit:
    callback: str | None
    pages: list[str]
    sign_page: str = ""
    last: requests.Response | None = None


class Citizen:
    """One person's browser (at the provider) and tab (the relying party's test client)."""

    def __init__(self, app: Flask, resident: str) -> None:
        self.resident = resident
        self.rp_base = app.extensions["govkit.auth"].settings.public_url
        self.http = requests.Session()
        self.http.cookies.set("kit_lang", "en")
        self.client: FlaskClient = app.test_client()
        self.client.set_cookie("kit_lang", "en")

    def at_provider(self, url: str, *, password: str | None = None, cancel: bool = False) -> Visit:
        """Follow the provider's pages: the card and PIN, consent, the signing password (or
        "Do not sign"); stop at the relying party's redirect URI or a page that stays."""
        visit = Visit(callback=None, pages=[])
        response = self.http.get(url, allow_redirects=False, timeout=TIMEOUT)
        for _step in range(12):
            if response.status_code in (301, 302, 303):
                location = urljoin(response.url, response.headers["Location"])
                if location.startswith(self.rp_base):
                    visit.callback = location
                    return visit
                response = self.http.get(location, allow_redirects=False, timeout=TIMEOUT)
                continue
            visit.last = response
            path = urlsplit(response.url).path
            soup = BeautifulSoup(response.text, "html.parser")
            step = "/" + path.split("/")[1] + "/"
            if step in visit.pages and step != "/sign/":
                return visit  # the same page again: it refused what was sent
            if step == "/login/":
                form = _form(soup, "/login/")
                card = _card_for(soup, self.resident)
                data = {"csrf_token": _csrf(form), "card": card, "pin": DEMO_PIN}
            elif step == "/consent/":
                form = _form(soup, "/consent/")
                data = {"csrf_token": _csrf(form), "decision": "allow"}
            elif step == "/sign/":
                visit.sign_page = soup.get_text(" ", strip=True)
                if password is not None and step not in visit.pages:
                    form = _form(soup, "/sign/")
                    data = {"csrf_token": _csrf(form), "password": password}
                elif cancel:  # "Do not sign" (at once, or once the password was refused)
                    form = _form(soup, "/cancel/")
                    data = {"csrf_token": _csrf(form)}
                else:
                    return visit
            else:
                return visit
            visit.pages.append(step)
            action = urljoin(response.url, str(form["action"]))
            response = self.http.post(action, data=data, allow_redirects=False, timeout=TIMEOUT)
        raise AssertionError(f"the provider's pages did not end (at {response.url})")

    def back(self, visit: Visit) -> Any:
        assert visit.callback is not None, visit.last.text if visit.last else visit
        parts = urlsplit(visit.callback)
        return self.client.get(f"{parts.path}?{parts.query}")

    def sign_in(self) -> dict[str, Any]:
        start = self.client.get("/auth/login?next=/me&acr=aal3")
        assert start.status_code == 302
        visit = self.at_provider(start.headers["Location"])
        assert "/login/" in visit.pages
        assert self.back(visit).headers["Location"] == "/me"
        return dict(self.client.get("/me").get_json())

    def ask_to_sign(self, text: str) -> str:
        response = self.client.post("/sign", data={"text": text})
        assert response.status_code == 303
        return str(response.headers["Location"])

    def signed_page(self, text: str) -> dict[str, Any]:
        return dict(self.client.get("/signed", query_string={"text": text}).get_json())


@pytest.fixture
def kenta(app: Flask) -> Iterator[Citizen]:
    citizen = Citizen(app, KENTA)
    yield citizen
    citizen.http.close()


def _other_names(certificate: x509.Certificate) -> dict[x509.ObjectIdentifier, str]:
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {
        entry.type_id: entry.value[2:].decode() for entry in san.get_values_for_type(x509.OtherName)
    }


# -- the tests ----------------------------------------------------------------------------------


def test_a_citizen_signs_with_the_card_through_the_real_provider(kenta: Citizen) -> None:
    me = kenta.sign_in()
    assert me["name"] == KENTA
    birthdate = date.fromisoformat(me["birthdate"])
    text = '{"principal":"H1-1","proxy":"森下 彩花","purpose":"bank"}'
    url = kenta.ask_to_sign(text)

    visit = kenta.at_provider(url, password=SIGNING_PASSWORD)
    assert "/login/" not in visit.pages  # the card session is reused: no PIN again
    assert visit.pages[-1] == "/sign/"
    assert PURPOSE in visit.sign_page
    response = kenta.back(visit)
    assert response.status_code == 303
    assert response.headers["Location"] == "/signed"
    # The session cookie keeps the signature (with its certificate) until the page takes it:
    # even with as many sign-ins in progress as a browser may have, it fits in 4 kB.
    for _tab in range(4):
        assert kenta.client.get("/auth/login?next=/me&prompt=login").status_code == 302
    cookie = kenta.client.get_cookie("signingrp_session")
    assert cookie is not None
    assert len(cookie.value) < 3800, len(cookie.value)

    page = kenta.signed_page(text)
    assert page["refusal"] is None
    assert page["signer_sub"] == me["sub"]
    stored = page["signature"]
    digest = hashlib.sha256(text.encode()).digest()
    assert verify_card_signature(stored, digest)
    assert not verify_card_signature(stored, hashlib.sha256(b"another text").digest())
    signature = CardSignature.from_json(stored, signer_sub=me["sub"])
    assert signature.purpose == PURPOSE
    # The signing certificate names the signer: the same person as the one signed in.
    names = _other_names(signature.certificate())
    assert names[JPKI_NAME] == KENTA
    assert date.fromisoformat(names[JPKI_BIRTHDATE]) == birthdate
    # Still signed in as before.
    assert kenta.client.get("/me").get_json() == me


def test_do_not_sign_comes_back_with_a_reason(kenta: Citizen) -> None:
    kenta.sign_in()
    url = kenta.ask_to_sign("a text the citizen will not sign")
    visit = kenta.at_provider(url, cancel=True)
    response = kenta.back(visit)
    assert response.headers["Location"] == "/signed"
    page = kenta.signed_page("a text the citizen will not sign")
    assert (page["signature"], page["refusal"]) == (None, "cancelled")


def test_a_child_cannot_sign_and_comes_back_with_a_reason(app: Flask) -> None:
    yuma = Citizen(app, YUMA)
    try:
        yuma.sign_in()
        url = yuma.ask_to_sign("a child's text")
        visit = yuma.at_provider(url, password=SIGNING_PASSWORD, cancel=True)
        assert "not available for people under 15" in visit.sign_page
        page_after = yuma.back(visit)
        assert page_after.headers["Location"] == "/signed"
        page = yuma.signed_page("a child's text")
        assert (page["signature"], page["refusal"]) == (None, "cancelled")
    finally:
        yuma.http.close()
