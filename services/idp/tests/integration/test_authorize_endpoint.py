"""The authorization endpoint's answers to bad requests: an error page, or an OAuth error sent
to the verified redirect URI with the client's state — never a 500, never an open redirect."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from govkit.testing import check_page


def _query(provider, rp, **overrides) -> str:
    _verifier, challenge = provider.pkce()
    params = {
        "client_id": rp.client_id,
        "redirect_uri": provider.redirect_uri,
        "response_type": "code",
        "scope": "openid name",
        "state": "xyz 123/ä",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return urlencode({k: v for k, v in params.items() if v is not None})


def _error_redirect(answer) -> dict[str, str]:
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    location = answer.headers["Location"]
    assert location.startswith("http://localhost:9000/cb?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example/cb",
        "http://localhost:9000/cb/extra",
        "http://localhost:9000/cb?added=1",
        "http://localhost:9000@evil.example/cb",
        "http://user@localhost:9000/cb",
        "http://localhost:9000/cb#fragment",
        "http://localhost:9001/cb",
    ],
)
def test_an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect(
    provider, redirect_uri: str
) -> None:
    rp = provider.register()
    answer = provider.client.get("/authorize?" + _query(provider, rp, redirect_uri=redirect_uri))
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    check_page(answer, status=400)


def test_an_unknown_client_gets_an_error_page(provider) -> None:
    rp = provider.register()
    answer = provider.client.get("/authorize?" + _query(provider, rp, client_id="who-knows"))
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_a_missing_redirect_uri_for_a_client_with_two_gets_an_error_page(provider) -> None:
    rp = provider.register(redirect_uris=[provider.redirect_uri, "http://localhost:9000/two"])
    answer = provider.client.get("/authorize?" + _query(provider, rp, redirect_uri=None))
    assert answer.status_code == 400
    assert "Location" not in answer.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "name address"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "id_token token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"state": "s" * 400, "nonce": "n" * 600}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_bad_requests_go_back_with_the_state_unchanged_and_our_issuer(
    provider, overrides, error
) -> None:
    rp = provider.register()
    answer = provider.client.get("/authorize?" + _query(provider, rp, **overrides))
    params = _error_redirect(answer)
    assert params["error"] == error
    assert params["iss"] == provider.issuer
    assert params["state"] == overrides.get("state", "xyz 123/ä")


def test_a_post_authorization_request_is_accepted(provider) -> None:
    rp = provider.register()
    answer = provider.client.post(
        "/authorize", data=_query(provider, rp), content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/login/")


def test_non_utf8_parameters_are_refused_without_a_server_error(provider) -> None:
    rp = provider.register()
    # Werkzeug keeps bytes that are not UTF-8 as their %-escapes: a harmless hint.
    answer = provider.client.get("/authorize?" + _query(provider, rp) + "&login_hint=%ff%fe")
    assert answer.status_code == 303
    answer = provider.client.get("/authorize?client_id=%ff%fe&redirect_uri=%c3%28")
    assert answer.status_code == 400


def test_a_sign_in_link_only_works_in_the_browser_that_started_it(provider) -> None:
    rp = provider.register()
    answer = provider.client.get("/authorize?" + _query(provider, rp))
    login = answer.headers["Location"]
    assert provider.client.get(login).status_code == 200
    other_browser = provider.app.test_client()
    page = check_page(other_browser.get(login), status=400)
    assert "started" in page.h1 or "開始" in page.h1 or page.h1


def test_the_login_page_allows_the_form_to_lead_back_to_the_client(provider) -> None:
    rp = provider.register()
    login = provider.client.get("/authorize?" + _query(provider, rp)).headers["Location"]
    page = provider.client.get(login)
    assert "form-action 'self' http://localhost:9000" in page.headers["Content-Security-Policy"]


def test_discovery_describes_what_the_provider_does(provider) -> None:
    document = provider.client.get("/.well-known/openid-configuration").get_json()
    assert document["issuer"] == provider.issuer
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert document["subject_types_supported"] == ["pairwise"]
    assert "none" not in document["id_token_signing_alg_values_supported"]
    assert document["backchannel_logout_session_supported"] is True
    keys = provider.client.get("/jwks")
    assert "max-age" in keys.headers["Cache-Control"]
    kids = [k["kid"] for k in keys.get_json()["keys"]]
    assert len(kids) == len(set(kids)) >= 2
    assert all("d" not in k for k in keys.get_json()["keys"])


def test_registration_needs_the_token_and_valid_metadata(provider) -> None:
    assert provider.client.post("/register", json={}).status_code == 401
    wrong = provider.client.post("/register", json={}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    token = {"Authorization": "Bearer test-registration-token-" + "x" * 24}
    broken = provider.client.post(
        "/register", data="{not json", headers=token, content_type="application/json"
    )
    assert broken.status_code == 400
    assert broken.get_json()["error"] == "invalid_client_metadata"
    bad_uri = provider.client.post("/register", json={"redirect_uris": ["x"]}, headers=token)
    assert bad_uri.get_json()["error"] == "invalid_redirect_uri"


def test_registering_again_under_the_same_software_id_updates_the_client(provider) -> None:
    first = provider.register(software_id="residence")
    second = provider.register(software_id="residence", redirect_uris=["http://localhost:9000/cb"])
    assert first.client_id == second.client_id
