"""Single sign-on across the running kit: trust, the identity provider, the portal and the
residence service as real processes (the launcher of `make up`, free ports), driven over HTTP
by a browser without JavaScript (a ``requests.Session``)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from govkit.stack import Stack
from govkit.testing import Page, check_page
from govkit.testing.oidc import sign_in_over_http
from govkit.testing.plugin import start_stack

KENTA = "森下 健太"
AYAKA = "森下 彩花"


@pytest.fixture(scope="module")
def kit(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(
        pytestconfig,
        tmp_path_factory.mktemp("sso-var"),
        ["trust", "idp", "portal", "residence"],
        # Every test signs in from 127.0.0.1: keep the provider's per-address limits out of it.
        {"IDP_RATE_LIMIT_LOGIN": "1000 per minute", "IDP_RATE_LIMIT_PIN": "1000 per minute"},
    )
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.cookies.set("kit_lang", "en")
        yield session


def went_through_card_sign_in(response: requests.Response) -> bool:
    return any(urlsplit(step.url).path.startswith("/login/") for step in response.history)


def sign_out(browser: requests.Session, kit: Stack, service: str) -> requests.Response:
    page = check_page(browser.get(kit.url(service) + "/auth/logout"), h1="Sign out")
    token = page.select_one("form[action='/auth/logout'] input[name=csrf_token]")["value"]
    return browser.post(kit.url(service) + "/auth/logout", data={"csrf_token": token})


def signed_in_as(page: Page) -> str:
    return page.select_one(".kit-signed-in-as").get_text(strip=True)


def test_each_service_registered_its_client_when_prepared(kit: Stack) -> None:
    for service in ("portal", "residence"):
        lines = kit.reports[service].seeded
        assert any(line.startswith("OpenID client registered (client_id ") for line in lines), lines


def test_sign_in_once_use_every_service_sign_out_everywhere(
    kit: Stack, browser: requests.Session
) -> None:
    # The portal's account page needs sign-in: card and PIN at the provider, then back.
    response = sign_in_over_http(browser, kit.url("portal") + "/account", resident=KENTA)
    assert response.url == kit.url("portal") + "/account"
    assert went_through_card_sign_in(response)
    page = check_page(response, h1="Your account")
    assert signed_in_as(page) == f"Signed in as {KENTA}"
    assert page.links()["Sign out"] == "/auth/logout"

    # The residence service: single sign-on, no card and no PIN this time.
    response = browser.get(kit.url("residence") + "/start")
    assert response.url == kit.url("residence") + "/start"
    assert not went_through_card_sign_in(response)
    page = check_page(response, h1="You are signed in")
    assert signed_in_as(page) == f"Signed in as {KENTA}"

    # Signing out on the portal ends the provider's session, which tells residence.
    response = sign_out(browser, kit, "portal")
    assert urlsplit(response.url).path == "/auth/signed-out"
    page = check_page(response, h1="You have signed out")
    assert "You have signed out of this service and of Madoguchi ID." in page.text()
    assert any(urlsplit(step.url).path == "/logout" for step in response.history)

    start = browser.get(kit.url("residence") + "/start", allow_redirects=False)
    assert start.status_code == 302
    assert start.headers["Location"].startswith("/auth/login?next=/start")
    page = check_page(browser.get(kit.url("residence") + "/"))
    navigation = page.select_one(".govuk-service-navigation__list")
    assert [a.get_text(strip=True) for a in navigation.select("a")] == ["Sign in"]

    # Signing in again needs the card again: the single sign-on session is over.
    response = sign_in_over_http(browser, kit.url("residence") + "/start", resident=KENTA)
    assert went_through_card_sign_in(response)
    assert signed_in_as(check_page(response)) == f"Signed in as {KENTA}"


def test_cancelling_at_the_provider(kit: Stack, browser: requests.Session) -> None:
    response = sign_in_over_http(
        browser, kit.url("residence") + "/start", resident=KENTA, cancel=True
    )
    assert response.url.startswith(kit.url("residence") + "/auth/callback")
    page = check_page(response, h1="You have not signed in")
    assert page.links()["Sign in again"] == "/auth/login?next=/start"


def test_a_wrong_pin_is_asked_again_and_then_the_right_one_signs_in(
    kit: Stack, browser: requests.Session
) -> None:
    account = kit.url("portal") + "/account"
    response = sign_in_over_http(browser, account, resident=AYAKA, pin="9999")
    assert urlsplit(response.url).path.startswith("/login/"), "still at the provider"
    assert response.status_code == 400
    assert "PIN is wrong" in response.text
    response = sign_in_over_http(browser, account, resident=AYAKA)
    assert signed_in_as(check_page(response, h1="Your account")) == f"Signed in as {AYAKA}"


def test_a_forged_callback_is_a_page_not_an_error(kit: Stack, browser: requests.Session) -> None:
    idp = kit.url("idp")
    for query in (f"code=stolen&state=forged&iss={idp}", "error=access_denied&state=x", ""):
        response = browser.get(kit.url("portal") + f"/auth/callback?{query}")
        assert response.status_code == 400
        check_page(response, status=400)


def test_a_forged_logout_token_is_refused(kit: Stack) -> None:
    response = requests.post(
        kit.url("residence") + "/auth/backchannel-logout",
        data={"logout_token": "eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0."},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.headers["Cache-Control"] == "no-store"
