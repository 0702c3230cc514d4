"""govkit.auth in a Flask app, against the in-process fake provider: the sign-in flow, every
way the callback can fail, sign-out, back-channel logout, and the pages' rules."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, Flask, render_template_string
from flask.testing import FlaskClient
from sqlmodel import SQLModel

from govkit import db, web
from govkit.access import PUBLIC
from govkit.auth import (
    ProviderClient,
    auth_tables,
    citizen_access,
    current_citizen,
    init_auth,
    login_required,
)
from govkit.auth.flow import s256
from govkit.auth.web import EXTENSION, FLOWS_KEY, SESSION_KEY
from govkit.config import ServiceSettings
from govkit.testing import assert_access_declared, check_page
from govkit.testing.oidc import FakeProvider

PUBLIC_URL = "http://localhost:8099"


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    env_prefix: ClassVar[str] = "DEMO_"


class DemoModel(SQLModel, registry=db.new_registry()):
    pass


AUTH = auth_tables(DemoModel)

PAGE = """{% extends "govkit/layout.html" %}
{% block content %}<h1 class="govuk-heading-l">{{ page_title }}</h1>
<p class="govuk-body" id="who">{{ who }}</p>
<p class="govuk-body" id="exchange-id">{{ exchange_id }}</p>{% endblock %}"""


def make_app(tmp_path: Path, fake: FakeProvider, **values: Any) -> Flask:
    settings = DemoSettings.model_validate(
        {
            "environment": "test",
            "secret_key": "s" * 48,
            "data_dir": tmp_path / "data",
            "database_url": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "public_url": PUBLIC_URL,
            "idp_url": fake.issuer,
            **values,
        }
    )
    app = Flask(__name__)
    web.init_app(app, settings, title="Demo service")
    database = db.Database(settings.database_url)
    db.init_app(app, database)
    DemoModel.metadata.create_all(database.engine)
    init_auth(
        app,
        settings,
        sector="GOV/DA",
        client_name="デモ",
        model=AUTH,
        account_endpoint="pages.account",
    )
    pages = Blueprint("pages", __name__)

    def page(title: str) -> str:
        citizen = current_citizen()
        return render_template_string(
            PAGE,
            page_title=title,
            who=citizen.display_name if citizen else "nobody",
            exchange_id=(citizen.exchange_id if citizen else None) or "none",
        )

    @pages.get("/")
    def home() -> str:
        return page("Home")

    @pages.get("/account")
    @login_required(acr="aal2")
    def account() -> str:
        return page("Account")

    @pages.get("/strong")
    @login_required(acr="aal3", max_age=60)
    def strong() -> str:
        return page("Strong")

    @pages.post("/send")
    @login_required
    def send() -> str:
        return "sent"

    web.csrf.exempt(send)  # lets the test post without a form

    citizens = Blueprint("citizens", __name__, url_prefix="/citizen")

    @citizens.get("/home")
    def citizen_home() -> str:
        return page("Citizen home")

    web.register_blueprint(app, pages, access=PUBLIC)
    web.register_blueprint(app, citizens, access=citizen_access("aal3"))
    return app


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
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kit_lang", "en")
    return client


def location(response: Any) -> str:
    return str(response.headers.get("Location", ""))


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def to_provider(client: FlaskClient, path: str) -> str:
    """Follow the service's redirects to the provider's authorization URL."""
    response = client.get(path)
    while location(response).startswith("/"):
        response = client.get(location(response))
    assert location(response).startswith("http"), response.status_code
    return location(response)


def back(client: FlaskClient, url: str) -> Any:
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in(client: FlaskClient, fake: FakeProvider, path: str = "/account", **grant: Any) -> Any:
    return fake.sign_in(client, path, **grant)


# -- the flow ------------------------------------------------------------------------------------


def test_every_blueprint_declares_its_access(app: Flask) -> None:
    rules = assert_access_declared(app)
    assert rules["auth"] == "public"
    assert rules["citizens"] == "citizen-aal3"


def test_a_stranger_is_sent_to_sign_in_and_comes_back(client: FlaskClient) -> None:
    response = client.get("/account?tab=2")
    assert response.status_code == 302
    assert location(response) == "/auth/login?next=/account?tab%3D2&acr=aal2"
    posted = client.post("/send")
    assert posted.status_code == 303
    assert location(posted) == "/auth/login?next=/send&acr=aal3"
    assert location(client.get("/citizen/home")).startswith("/auth/login?next=/citizen/home")


def test_sign_in_starts_with_pkce_state_and_nonce(
    client: FlaskClient, fake: FakeProvider, app: Flask
) -> None:
    url = to_provider(client, "/auth/login?next=/account&acr=aal3&max_age=300")
    assert url.startswith(f"{fake.issuer}/authorize?")
    params = query(url)
    with client.session_transaction() as session:
        (flow,) = session[FLOWS_KEY].values()
    client_id = app.extensions[EXTENSION].identity().client_id
    assert params == {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": f"{PUBLIC_URL}/auth/callback",
        "scope": "openid name address birthdate gender",
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": s256(flow["verifier"]),
        "code_challenge_method": "S256",
        "acr_values": "aal3",
        "max_age": "300",
    }
    assert flow["next_url"] == "/account"
    assert len(flow["state"]) >= 43
    assert len(flow["nonce"]) >= 43


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil", "javascript:alert(1)"]
)
def test_only_a_local_next_is_followed(client: FlaskClient, target: str) -> None:
    to_provider(client, f"/auth/login?next={target}")
    with client.session_transaction() as session:
        (flow,) = session[FLOWS_KEY].values()
    assert flow["next_url"] == "/"


def test_a_full_sign_in(client: FlaskClient, fake: FakeProvider) -> None:
    page = check_page(signed_in(client, fake), h1="Account")
    assert page.select_one("#who").get_text() == "森下 健太"
    links = page.links()
    assert links["Your account"] == "/account"
    assert links["Sign out"] == "/auth/logout"
    assert "Sign in" not in links
    with client.session_transaction() as session:
        stored = session[SESSION_KEY]
        assert FLOWS_KEY not in session
    assert stored["acr"] == "aal3"
    assert stored["names"]["name_kana"] == "モリシタ ケンタ"
    # The session keeps the ID token (for logout) and never the access or refresh token.
    assert set(stored) == {
        "sub",
        "sid",
        "acr",
        "amr",
        "auth_time",
        "names",
        "birthdate",
        "id_token",
        "signed_in_at",
        "seen_at",
    }
    # The token request proved the client with an assertion and the PKCE verifier.
    (_method, _url, token_call) = next(r for r in fake.requests if r[1].endswith("/token"))
    form = token_call["data"]
    assert form["grant_type"] == "authorization_code"
    assert form["client_assertion_type"].endswith(":jwt-bearer")
    assert len(form["code_verifier"]) >= 43


XID = "Qm9vdHN0cmFwLXBzZXVkb255bS1mb3ItdGVzdHMtMDE"


def test_no_exchange_identity_unless_the_provider_releases_one(
    client: FlaskClient, fake: FakeProvider
) -> None:
    page = check_page(signed_in(client, fake), h1="Account")
    assert page.select_one("#exchange-id").get_text() == "none"


def test_the_exchange_identity_is_kept_from_the_id_token(
    client: FlaskClient, fake: FakeProvider
) -> None:
    fake.tamper = lambda claims, _header: claims.update(exchange_id=XID)
    fake.userinfo_override = {"exchange_id": "from-userinfo"}
    page = check_page(signed_in(client, fake), h1="Account")
    assert page.select_one("#exchange-id").get_text() == XID
    with client.session_transaction() as session:
        assert session[SESSION_KEY]["exchange_id"] == XID


def test_the_exchange_identity_may_come_from_userinfo(
    client: FlaskClient, fake: FakeProvider
) -> None:
    fake.userinfo_override = {"exchange_id": XID}
    page = check_page(signed_in(client, fake), h1="Account")
    assert page.select_one("#exchange-id").get_text() == XID


@pytest.mark.parametrize("junk", ["", "two words", "x" * 129, "名前", 42, ["a"]])
def test_an_exchange_identity_that_cannot_be_one_is_not_kept(
    client: FlaskClient, fake: FakeProvider, junk: object
) -> None:
    fake.tamper = lambda claims, _header: claims.update(exchange_id=junk)
    page = check_page(signed_in(client, fake), h1="Account")
    assert page.select_one("#exchange-id").get_text() == "none"
    with client.session_transaction() as session:
        assert "exchange_id" not in session[SESSION_KEY]


def test_the_navigation_offers_sign_in_to_strangers(client: FlaskClient) -> None:
    page = check_page(client.get("/?x=1"), h1="Home")
    assert page.links()["Sign in"] == "/auth/login?next=/?x%3D1"


def test_signing_in_when_already_signed_in_goes_straight_back(
    client: FlaskClient, fake: FakeProvider
) -> None:
    signed_in(client, fake)
    calls = len(fake.requests)
    response = client.get("/auth/login?next=/account")
    assert (response.status_code, location(response)) == (303, "/account")
    assert len(fake.requests) == calls


def test_a_higher_level_or_a_recent_sign_in_is_asked_for_when_a_page_needs_it(
    client: FlaskClient, fake: FakeProvider
) -> None:
    signed_in(client, fake, acr="aal2")
    assert client.get("/account").status_code == 200
    assert location(client.get("/strong")) == "/auth/login?next=/strong&acr=aal3&max_age=60"
    check_page(signed_in(client, fake, "/strong", acr="aal3"), h1="Strong")
    # Signed in long ago (but at aal3): /strong wants a sign-in within 60 s.
    again = "/auth/login?prompt=login&next=/account"
    check_page(signed_in(client, fake, again, auth_time=int(time.time()) - 300), h1="Account")
    assert location(client.get("/strong")) == "/auth/login?next=/strong&acr=aal3&max_age=60"


def test_a_level_below_the_one_asked_for_is_refused(
    client: FlaskClient, fake: FakeProvider
) -> None:
    page = check_page(signed_in(client, fake, "/strong", acr="aal2"), status=400)
    assert page.h1 == "We could not sign you in"
    assert current_session(client) is None


def current_session(client: FlaskClient) -> Any:
    with client.session_transaction() as session:
        return session.get(SESSION_KEY)


# -- what can go wrong at the callback -----------------------------------------------------------


def test_a_forged_or_unknown_state_is_refused(client: FlaskClient, fake: FakeProvider) -> None:
    url = to_provider(client, "/auth/login?next=/account")
    page = check_page(back(client, fake.authorize(url, state="forged")), status=400)
    assert page.h1 == "Your sign-in has timed out"
    assert current_session(client) is None
    # A callback nobody started in this browser (another browser's, or a bookmark).
    stranger = client.application.test_client()
    stranger.set_cookie("kit_lang", "en")
    page = check_page(
        back(stranger, fake.authorize(to_provider(client, "/auth/login"))), status=400
    )
    assert page.h1 == "Your sign-in has timed out"


def test_a_callback_is_used_once(client: FlaskClient, fake: FakeProvider) -> None:
    callback = fake.authorize(to_provider(client, "/auth/login?next=/account"))
    assert back(client, callback).status_code == 303
    check_page(back(client, callback), status=400, h1="Your sign-in has timed out")


def test_an_expired_flow_is_refused(client: FlaskClient, fake: FakeProvider) -> None:
    url = to_provider(client, "/auth/login")
    with client.session_transaction() as session:
        flows = session[FLOWS_KEY]
        for flow in flows.values():
            flow["started_at"] -= 3600
        session[FLOWS_KEY] = flows
    check_page(back(client, fake.authorize(url)), status=400, h1="Your sign-in has timed out")


@pytest.mark.parametrize("iss", ["https://evil.example", ""])
def test_a_wrong_or_missing_issuer_is_refused(
    client: FlaskClient, fake: FakeProvider, iss: str
) -> None:
    url = to_provider(client, "/auth/login")
    page = check_page(back(client, fake.authorize(url, iss=iss)), status=400)
    assert page.h1 == "We could not sign you in"


def test_cancelling_at_the_provider_is_a_plain_page(
    client: FlaskClient, fake: FakeProvider
) -> None:
    url = to_provider(client, "/auth/login?next=/account")
    page = check_page(back(client, fake.authorize(url, error="access_denied")))
    assert page.h1 == "You have not signed in"
    assert page.links()["Sign in again"] == "/auth/login?next=/account"


def test_a_silent_check_that_finds_nobody_carries_on(
    client: FlaskClient, fake: FakeProvider
) -> None:
    url = to_provider(client, "/auth/login?next=/&prompt=none")
    assert query(url)["prompt"] == "none"
    response = back(client, fake.authorize(url, error="login_required"))
    assert (response.status_code, location(response)) == (303, "/")
    # Without prompt=none the same error is a failed sign-in.
    url = to_provider(client, "/auth/login?next=/")
    check_page(back(client, fake.authorize(url, error="login_required")), status=400)


def test_provider_trouble_at_the_callback_is_unavailable(
    client: FlaskClient, fake: FakeProvider
) -> None:
    url = to_provider(client, "/auth/login")
    page = check_page(
        back(client, fake.authorize(url, error="temporarily_unavailable")), status=503
    )
    assert page.h1 == "Sign-in is unavailable"
    url = to_provider(client, "/auth/login")
    callback = fake.authorize(url)
    fake.down = True
    response = back(client, callback)
    check_page(response, status=503, h1="Sign-in is unavailable")
    assert response.headers["Retry-After"] == "30"


def test_a_refused_code_is_a_failed_sign_in(client: FlaskClient, fake: FakeProvider) -> None:
    fake.token_error = "invalid_grant"
    page = check_page(signed_in(client, fake), status=400)
    assert page.h1 == "We could not sign you in"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c, h: c.update(nonce="replayed-nonce"),
        lambda c, h: c.update(aud="another-client"),
        lambda c, h: c.update(iss="https://evil.example"),
        lambda c, h: c.update(exp=int(time.time()) - 3600),
        lambda c, h: c.update(at_hash="AAAAAAAAAAAAAAAAAAAAAA"),
        lambda c, h: h.update(kid="unknown-key"),
    ],
    ids=["nonce", "aud", "iss", "exp", "at_hash", "kid"],
)
def test_a_bad_id_token_is_a_failed_sign_in(
    client: FlaskClient, fake: FakeProvider, tamper: Any
) -> None:
    fake.tamper = tamper
    page = check_page(signed_in(client, fake), status=400)
    assert page.h1 == "We could not sign you in"
    assert current_session(client) is None


def test_userinfo_about_someone_else_is_refused(client: FlaskClient, fake: FakeProvider) -> None:
    fake.userinfo_override = {"sub": "someone-else"}
    check_page(signed_in(client, fake), status=400, h1="We could not sign you in")


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "?code=x",
        "?state=",
        "?code=x&state=y&iss=z&error=",
        "?error=" + "x" * 5000,
        "?code=" + "x" * 5000 + "&state=y",
    ],
)
def test_junk_at_the_callback_is_never_a_server_error(client: FlaskClient, junk: str) -> None:
    to_provider(client, "/auth/login")
    assert client.get(f"/auth/callback{junk}").status_code == 400


# -- unavailable ---------------------------------------------------------------------------------


def test_without_a_registration_sign_in_is_unavailable(tmp_path: Path, fake: FakeProvider) -> None:
    app = make_app(tmp_path, fake)  # never registered (no token, and nobody installed it)
    try:
        client = app.test_client()
        client.set_cookie("kit_lang", "en")
        response = client.get("/auth/login?next=/account")
        page = check_page(response, status=503, h1="Sign-in is unavailable")
        assert page.links()["Sign in again"] == "/auth/login?next=/account"
        assert location(client.get("/account")).startswith("/auth/login")
    finally:
        db.get_database(app).dispose()


def test_a_service_that_could_not_register_at_prepare_registers_at_first_sign_in(
    tmp_path: Path, fake: FakeProvider
) -> None:
    app = make_app(tmp_path, fake, idp_registration_token="r" * 48)
    app.extensions[EXTENSION].provider = ProviderClient(fake.issuer, http=fake.session())
    try:
        client = app.test_client()
        check_page(fake.sign_in(client, "/account"), h1="Account")
        first_post = next(url for method, url, _kw in fake.requests if method == "POST")
        assert first_post.endswith("/register")
    finally:
        db.get_database(app).dispose()


def test_an_unreachable_provider_makes_sign_in_unavailable(
    client: FlaskClient, fake: FakeProvider
) -> None:
    fake.down = True
    check_page(client.get("/auth/login"), status=503, h1="Sign-in is unavailable")


# -- signing out ---------------------------------------------------------------------------------


def test_signing_out_ends_the_session_here_and_at_the_provider(
    client: FlaskClient, fake: FakeProvider, app: Flask
) -> None:
    signed_in(client, fake)
    with client.session_transaction() as session:
        id_token = session[SESSION_KEY]["id_token"]
    page = check_page(client.get("/auth/logout"), h1="Sign out")
    form = page.select_one("form[action='/auth/logout']")
    token = form.select_one("input[name=csrf_token]")["value"]

    refused = client.post("/auth/logout")  # no CSRF token: nothing happens
    assert refused.status_code == 400
    assert current_session(client) is not None

    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 303
    url = location(response)
    assert url.startswith(f"{fake.issuer}/logout?")
    params = query(url)
    assert params["id_token_hint"] == id_token
    assert params["client_id"] == app.extensions[EXTENSION].identity().client_id
    assert params["post_logout_redirect_uri"] == f"{PUBLIC_URL}/auth/signed-out"
    assert current_session(client) is None

    page = check_page(client.get(f"/auth/signed-out?state={params['state']}"))
    assert page.h1 == "You have signed out"
    assert "and of Madoguchi ID" in page.text()
    assert location(client.get("/account")).startswith("/auth/login")


def test_signed_out_without_the_providers_state_says_only_this_service(
    client: FlaskClient,
) -> None:
    page = check_page(client.get("/auth/signed-out?state=forged"), h1="You have signed out")
    assert "You have signed out of this service." in page.text()
    assert location(client.get("/auth/logout")) == "/auth/signed-out"


def test_signing_out_while_the_provider_is_down_still_signs_out_here(
    client: FlaskClient, fake: FakeProvider, app: Flask
) -> None:
    signed_in(client, fake)
    page = check_page(client.get("/auth/logout"))
    token = page.select_one("input[name=csrf_token]")["value"]
    fake.down = True
    app.extensions[EXTENSION].provider._metadata = None
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert location(response) == "/auth/signed-out"
    assert current_session(client) is None


def test_the_sign_out_form_may_lead_to_the_provider(
    client: FlaskClient, fake: FakeProvider
) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    assert f"form-action 'self' {fake.issuer}" in csp


# -- back-channel logout -------------------------------------------------------------------------


def post_logout_token(client: FlaskClient, token: str) -> Any:
    return client.post("/auth/backchannel-logout", data={"logout_token": token})


def test_back_channel_logout_ends_that_session_only(
    client: FlaskClient, fake: FakeProvider, app: Flask
) -> None:
    signed_in(client, fake, sid="sid-of-kenta")
    other = app.test_client()
    signed_in(other, fake, sid="sid-of-someone-else")
    client_id = app.extensions[EXTENSION].identity().client_id
    provider_side = app.test_client()  # the provider has no cookies, and sends no CSRF token

    response = post_logout_token(provider_side, fake.logout_token(client_id, sid="sid-of-kenta"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"

    assert location(client.get("/account")).startswith("/auth/login")
    assert current_session(client) is None
    assert "Sign in" in check_page(client.get("/")).links()
    assert other.get("/account").status_code == 200


def test_a_replayed_or_bad_logout_token_is_refused_with_an_oauth_error(
    client: FlaskClient, fake: FakeProvider, app: Flask
) -> None:
    signed_in(client, fake)
    client_id = app.extensions[EXTENSION].identity().client_id
    provider_side = app.test_client()
    token = fake.logout_token(client_id, sid="another-sid")
    assert post_logout_token(provider_side, token).status_code == 200
    replayed = post_logout_token(provider_side, token)
    assert replayed.status_code == 400
    assert replayed.get_json()["error"] == "invalid_request"
    assert replayed.headers["Cache-Control"] == "no-store"
    bad = [
        fake.logout_token("another-client"),
        fake.logout_token(client_id, events=None),
        fake.logout_token(client_id, nonce="n"),
        fake.logout_token(client_id, iss="https://evil.example"),
        "not-a-token",
    ]
    for token in bad:
        response = post_logout_token(provider_side, token)
        assert response.status_code == 400, token
        assert response.get_json()["error"] == "invalid_request"
    assert provider_side.post("/auth/backchannel-logout").status_code == 400
    as_json = provider_side.post("/auth/backchannel-logout", json={"logout_token": token})
    assert as_json.status_code == 400
    assert client.get("/account").status_code == 200, "still signed in"


# -- the session's lifetime ----------------------------------------------------------------------


@pytest.mark.parametrize(("field", "age"), [("signed_in_at", 9 * 3600), ("seen_at", 2 * 3600)])
def test_old_or_idle_sessions_end(
    client: FlaskClient, fake: FakeProvider, field: str, age: int
) -> None:
    signed_in(client, fake)
    with client.session_transaction() as session:
        data = session[SESSION_KEY]
        data[field] = time.time() - age
        session[SESSION_KEY] = data
    assert location(client.get("/account")).startswith("/auth/login")


def test_a_tampered_session_is_dropped(client: FlaskClient, fake: FakeProvider) -> None:
    signed_in(client, fake)
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"sub": "x", "auth_time": "yesterday"}
    assert location(client.get("/account")).startswith("/auth/login")


# -- logs ----------------------------------------------------------------------------------------


def test_nothing_secret_is_logged(
    client: FlaskClient, fake: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    signed_in(client, fake)
    with client.session_transaction() as session:
        data = session[SESSION_KEY]
    secrets_ = [data["id_token"], *fake.access_tokens, *fake.grants]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "signed in" in logged
    for secret in secrets_:
        assert secret not in logged
