"""The sign-in and signing pages as a resident sees them: the service that asked, named in its
own language (a Japanese name on an English page is marked lang="ja", so it is read out in
Japanese), and the demo card's PIN and signing password, which the kit's simulator tells."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlencode

import pytest

from govkit.testing import Page, check_page

RESIDENCE = "住民票の写し（桜木市）"


def _pages(provider, language: str, client_name: str) -> tuple[Page, Page]:
    """The login page of a signing request from a client called ``client_name``, and the
    signing page of the same request."""
    rp = provider.register(client_name=client_name)
    _verifier, challenge = provider.pkce()
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"a form").digest()).rstrip(b"=").decode()
    query = urlencode(
        {
            "client_id": rp.client_id,
            "redirect_uri": provider.redirect_uri,
            "response_type": "code",
            "scope": "openid sign",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "sign_digest": digest,
            "sign_purpose": "A notification of moving in",
        }
    )
    provider.client.set_cookie("kit_lang", language)
    login = provider.client.get("/authorize?" + query).headers["Location"]
    assert login.startswith("/login/")
    login_page = check_page(provider.client.get(login), lang=language)
    sign_page = check_page(provider.client.get(login.replace("/login/", "/sign/")), lang=language)
    return login_page, sign_page


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_japanese_client_name_is_marked_as_japanese(provider, language: str) -> None:
    login, sign = _pages(provider, language, RESIDENCE)
    for page in (login, sign):
        [name] = page.select(".govuk-caption-l [lang]")
        assert (name["lang"], name.get_text()) == ("ja", RESIDENCE)
    [named] = login.select("main p.govuk-body span[lang=ja]")
    assert named.get_text() == RESIDENCE
    if language == "en":
        assert named.parent.get_text().startswith(f"{RESIDENCE} asked you to sign in.")


def test_a_latin_client_name_is_not_marked(provider) -> None:
    login, sign = _pages(provider, "en", "Sakura Bank")
    for page in (login, sign):
        assert page.select_one(".govuk-caption-l").get_text(strip=True) == "Sakura Bank"
        assert not page.select("main [lang]")


@pytest.mark.parametrize(
    ("language", "pin", "password"),
    [
        ("en", "Every demo card's PIN is 1234.", "signing password is Sakura2025"),
        ("ja", "デモカードの暗証番号はすべて1234です。", "署名用パスワードはすべてSakura2025です"),
    ],
)
def test_the_simulator_tells_the_demo_pin_and_signing_password(
    provider, language: str, pin: str, password: str
) -> None:
    login, sign = _pages(provider, language, RESIDENCE)
    assert pin in login.select_one(".govuk-inset-text").get_text()
    assert password in sign.select_one(".govuk-inset-text").get_text()
