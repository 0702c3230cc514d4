"""Single sign-on sessions and logout, as the OpenID conformance plans test them
(../shared/reference/identity.md §3): ``prompt``, ``max_age`` and ``acr_values`` against a
running provider, RP-initiated logout with its error cases, back-channel logout delivered to
a relying party's server, and signing-key rotation (in-process: a worker caches keys 30 s)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from joserfc.jws import extract_compact
from sqlmodel import select

from govkit.db import get_database
from govkit.testing import check_page
from idp import keys
from idp.jwt import BACKCHANNEL_EVENT
from idp.models import SigningKey

if TYPE_CHECKING:  # the fixtures' types (conftest.py of this folder)
    from conftest import Browser, HttpRP, RunningIdp


def _wait_for_next_second() -> None:
    """``auth_time`` counts whole seconds: a later one needs the clock to pass a second."""
    time.sleep(1.01 - time.time() % 1)


# -- prompt, max_age, acr_values ---------------------------------------------------------------


def test_prompt_login_asks_for_the_card_again_and_gives_a_later_auth_time(
    rp: HttpRP, browser: Browser
) -> None:
    first = rp.sign_in(browser)
    assert first["visit"].card_asked
    _wait_for_next_second()
    again = rp.sign_in(browser, prompt="login")
    assert again["visit"].card_asked, "prompt=login must show the card page"
    assert again["id_claims"]["auth_time"] > first["id_claims"]["auth_time"]
    assert again["id_claims"]["sub"] == first["id_claims"]["sub"]
    assert again["id_claims"]["sid"] != first["id_claims"]["sid"], "a new sign-in, a new sid"


def test_prompt_none_with_a_session_answers_silently_with_the_same_sub_and_auth_time(
    rp: HttpRP, browser: Browser
) -> None:
    first = rp.sign_in(browser)
    silent = rp.sign_in(browser, prompt="none")
    assert silent["visit"].pages == [], "no page may be shown for prompt=none"
    assert silent["id_claims"]["sub"] == first["id_claims"]["sub"]
    assert silent["id_claims"]["auth_time"] == first["id_claims"]["auth_time"]
    assert silent["id_claims"]["sid"] == first["id_claims"]["sid"]


def test_prompt_none_without_a_session_is_login_required(rp: HttpRP, browser: Browser) -> None:
    url = rp.authorize_url(prompt="none", state="keep-me")
    visit = browser.authorize(url)
    assert visit.pages == []
    assert visit.params["error"] == "login_required"
    assert visit.params["state"] == "keep-me"
    assert visit.params["iss"] == rp.idp.url


def test_max_age_1_after_a_second_asks_for_the_card_again(rp: HttpRP, browser: Browser) -> None:
    first = rp.sign_in(browser)
    time.sleep(1.1)
    again = rp.sign_in(browser, max_age="1")
    assert again["visit"].card_asked
    assert again["id_claims"]["auth_time"] > first["id_claims"]["auth_time"]
    assert again["id_claims"]["sub"] == first["id_claims"]["sub"]


def test_max_age_10000_keeps_the_session(rp: HttpRP, browser: Browser) -> None:
    first = rp.sign_in(browser)
    again = rp.sign_in(browser, max_age="10000")
    assert again["visit"].pages == []
    assert again["id_claims"]["auth_time"] == first["id_claims"]["auth_time"]
    assert again["id_claims"]["sub"] == first["id_claims"]["sub"]


def test_a_revocation_check_asks_for_the_card_again_after_a_sign_in_without_it(
    rp: HttpRP, browser: Browser
) -> None:
    first = rp.sign_in(browser)
    assert "check that your card's certificate has not been revoked" not in (
        first["visit"].login_text
    )
    checked = rp.sign_in(browser, acr_values="aal3 crl")
    assert checked["visit"].card_asked, "the first sign-in did not check revocation"
    assert "check that your card's certificate has not been revoked" in checked["visit"].login_text
    assert checked["id_claims"]["acr"] == "aal3"
    assert checked["id_claims"]["sub"] == first["id_claims"]["sub"]
    # That session has been checked: the next request with the check needs no card.
    silent = rp.sign_in(browser, acr_values="aal3 crl", prompt="none")
    assert silent["id_claims"]["sid"] == checked["id_claims"]["sid"]


# -- RP-initiated logout ------------------------------------------------------------------------


def _logout(idp: RunningIdp, browser: Browser, **params: str) -> requests.Response:
    return browser.get(f"{idp.url}/logout?{urlencode(params)}")


def _still_signed_in(rp: HttpRP, browser: Browser) -> bool:
    visit = browser.authorize(rp.authorize_url(prompt="none"))
    return "code" in visit.params


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signed_by_someone_else(id_token: str) -> str:
    """The same header (the provider's kid) and claims, signed with another key."""
    token = extract_compact(id_token.encode())
    impostor = RSAKey.generate_key(2048, private=True)
    return jwt.encode(token.headers(), json.loads(token.payload), impostor, algorithms=["RS256"])


def _changed_to_alg_none(id_token: str) -> str:
    token = extract_compact(id_token.encode())
    header = {**token.headers(), "alg": "none"}
    return f"{_b64(header)}.{_b64(json.loads(token.payload))}."


BAD_LOGOUTS = {
    "unregistered post_logout_redirect_uri": lambda rp, hint: {
        "id_token_hint": hint,
        "post_logout_redirect_uri": f"{rp.idp.rp_base}/elsewhere",
    },
    "no id_token_hint": lambda rp, hint: {
        "post_logout_redirect_uri": rp.post_logout_redirect_uri,
    },
    "id_token_hint signed by someone else": lambda rp, hint: {
        "id_token_hint": _signed_by_someone_else(hint),
        "post_logout_redirect_uri": rp.post_logout_redirect_uri,
    },
    "id_token_hint changed to alg none": lambda rp, hint: {
        "id_token_hint": _changed_to_alg_none(hint),
        "post_logout_redirect_uri": rp.post_logout_redirect_uri,
    },
    "query added to the post_logout_redirect_uri": lambda rp, hint: {
        "id_token_hint": hint,
        "post_logout_redirect_uri": rp.post_logout_redirect_uri + "?extra=1",
    },
}


@pytest.mark.parametrize("case", list(BAD_LOGOUTS))
def test_a_logout_request_with_an_error_is_a_page_not_a_redirect(
    rp: HttpRP, browser: Browser, case: str
) -> None:
    signed_in = rp.sign_in(browser)
    params = BAD_LOGOUTS[case](rp, signed_in["id_token"])
    answer = _logout(rp.idp, browser, **params, state="logout-state")
    assert answer.status_code in (200, 400)
    assert "Location" not in answer.headers
    page = check_page(answer, status=answer.status_code, h1="Sign out of Madoguchi ID?")
    targets = [str(a.get("href")) for a in page.select("a")]
    targets += [str(form.get("action")) for form in page.select("form")]
    assert not [t for t in targets if t.startswith(rp.idp.rp_base)], "nothing leads to the RP"
    assert page.select("meta[http-equiv='refresh']") == []
    # The page asks the citizen; until they confirm, nothing has ended.
    assert page.select_one("form[action='/logout/confirm']") is not None
    assert _still_signed_in(rp, browser)


def test_a_valid_logout_goes_back_with_the_state_and_ends_the_session(
    rp: HttpRP, browser: Browser
) -> None:
    signed_in = rp.sign_in(browser)
    answer = _logout(
        rp.idp,
        browser,
        id_token_hint=signed_in["id_token"],
        post_logout_redirect_uri=rp.post_logout_redirect_uri,
        state="logout-state",
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{rp.post_logout_redirect_uri}?state=logout-state"
    visit = browser.authorize(rp.authorize_url(prompt="none"))
    assert visit.params["error"] == "login_required"
    refreshed = rp.refresh(signed_in["refresh_token"])
    assert refreshed.status_code == 400, "the session's tokens end with it"
    assert refreshed.json()["error"] == "invalid_grant"


# -- back-channel logout --------------------------------------------------------------------------


class _LogoutReceiver(BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        self.server.received.append(  # type: ignore[attr-defined]
            {"content_type": [self.headers.get("Content-Type", "")], **parse_qs(body)}
        )
        self.send_response(200)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


@pytest.fixture
def logout_receiver() -> Iterator[ThreadingHTTPServer]:
    """A relying party's back-channel logout endpoint, on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LogoutReceiver)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_logout_at_one_rp_sends_a_logout_token_to_the_other_rps_backchannel_uri(
    running_idp: RunningIdp,
    rp: HttpRP,
    register_rp: Callable[..., HttpRP],
    browser: Browser,
    logout_receiver: ThreadingHTTPServer,
) -> None:
    port = logout_receiver.server_address[1]
    other = register_rp("bc-rp", backchannel_logout_uri=f"http://127.0.0.1:{port}/logout")
    here = rp.sign_in(browser)
    there = other.sign_in(browser)
    assert there["visit"].pages == ["/consent/"], "single sign-on: no card, only consent"
    assert there["id_claims"]["sid"] == here["id_claims"]["sid"]

    answer = _logout(
        running_idp,
        browser,
        id_token_hint=here["id_token"],
        post_logout_redirect_uri=rp.post_logout_redirect_uri,
        state="s",
    )
    assert answer.status_code == 302

    received = logout_receiver.received  # type: ignore[attr-defined]
    assert len(received) == 1, received
    assert received[0]["content_type"] == ["application/x-www-form-urlencoded"]
    logout_token = received[0]["logout_token"][0]
    token = jwt.decode(logout_token, running_idp.jwks(), algorithms=["RS256"])
    assert token.header["typ"] == "logout+jwt"
    assert token.header["kid"] == there["id_header"]["kid"]
    claims = token.claims
    assert claims["iss"] == running_idp.url
    assert claims["aud"] == other.client_id
    assert claims["sub"] == there["id_claims"]["sub"]
    assert claims["sid"] == there["id_claims"]["sid"]
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims
    assert claims["jti"]
    assert claims["iat"] <= time.time() + 5 < claims["exp"] + 5


# -- signing-key rotation (in-process) -----------------------------------------------------------


def _rows(provider, alg: str = "RS256") -> dict[str, SigningKey]:
    with get_database(provider.app).session() as session:
        rows = session.exec(select(SigningKey).where(SigningKey.alg == alg)).all()
        return {row.status: row for row in rows if row.status in ("current", "next")}


def _id_token(provider, rp) -> tuple[dict, str]:
    verifier, challenge = provider.pkce()
    answer = provider.redeem(rp, provider.mint_code(rp, challenge), verifier)
    assert answer.status_code == 200, answer.get_json()
    id_token = answer.get_json()["id_token"]
    return jwt.decode(id_token, provider.jwks(), algorithms=["RS256"]).header, id_token


def _kids(provider) -> set[str]:
    return {key.kid for key in provider.jwks()}


def test_rotation_waits_until_the_next_key_has_been_published_long_enough(provider) -> None:
    before = _rows(provider)
    with get_database(provider.app).session() as session:
        report = keys.rotate(session, datetime.now(UTC), retire_grace=keys.PUBLISH_LEAD)
    assert report.activated == []
    assert len(report.waiting) == 2  # RS256 and ES256
    after = _rows(provider)
    assert {s: r.kid for s, r in after.items()} == {s: r.kid for s, r in before.items()}


def test_after_rotation_the_jwks_keeps_the_old_key_and_new_tokens_use_the_new_one(
    provider,
) -> None:
    rp = provider.register()
    old_header, old_token = _id_token(provider, rp)
    before = _rows(provider)
    assert old_header["kid"] == before["current"].kid
    assert before["next"].kid in _kids(provider), "the next key is published before it signs"

    # The next key has been published for longer than PUBLISH_LEAD (JWKS caches expired).
    with get_database(provider.app).transaction() as session:
        upcoming = session.get(SigningKey, before["next"].kid)
        upcoming.created_at = upcoming.created_at - keys.PUBLISH_LEAD - keys.PUBLISH_LEAD
        session.add(upcoming)
    with get_database(provider.app).session() as session:
        report = keys.rotate(session, datetime.now(UTC), retire_grace=keys.PUBLISH_LEAD)
    assert before["next"].kid in report.activated
    assert before["current"].kid in report.retired
    after = _rows(provider)
    assert after["current"].kid == before["next"].kid

    store = provider.app.extensions["idp.provider"].keys
    cached_header, _ = _id_token(provider, rp)
    assert cached_header["kid"] == before["current"].kid, "until its cache expires, a worker"
    store.invalidate()  # … what CACHE_SECONDS later does by itself

    published = _kids(provider)
    assert {before["current"].kid, after["current"].kid, after["next"].kid} <= published
    new_header, _ = _id_token(provider, rp)
    assert new_header["kid"] == after["current"].kid
    # A token signed before the rotation still verifies against the published keys.
    assert jwt.decode(old_token, KeySet.import_key_set(provider.client.get("/jwks").get_json()))
