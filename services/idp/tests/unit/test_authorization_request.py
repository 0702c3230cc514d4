"""The authorization request rules: nothing goes to a redirect URI before it is verified."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from idp.domain import authorization as rules
from idp.domain.levels import parse_acr_values

REDIRECT = "https://rp.example/cb"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@dataclass
class FakeClient:
    client_id: str = "rp"
    redirect_uris: tuple[str, ...] = (REDIRECT, "https://rp.example/other")
    scopes: frozenset[str] = field(
        default_factory=lambda: frozenset({"openid", "name", "address", "birthdate", "gender"})
    )
    requires_nonce: bool = True

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris


def params(**overrides: str | list[str] | None) -> dict[str, list[str]]:
    base: dict[str, str | list[str] | None] = {
        "client_id": "rp",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid name",
        "state": "s t/ä~",
        "nonce": "n-1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    base.update(overrides)
    return {k: (v if isinstance(v, list) else [v]) for k, v in base.items() if v is not None}


def check(p: dict[str, list[str]], client: FakeClient | None = None):
    found = client or FakeClient()
    return rules.validate(p, lambda cid: found if cid == found.client_id else None)


def test_a_good_request_is_accepted_and_keeps_state_byte_for_byte() -> None:
    _client, request = check(params())
    assert request.state == "s t/ä~"
    assert request.scopes == ("openid", "name")
    assert request.as_params()["code_challenge_method"] == "S256"


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example/cb",  # other host
        "https://rp.example/cb/extra",  # extra path
        "https://rp.example/cb?x=1",  # added query
        "https://rp.example@evil.example/cb",  # user@host
        "https://evil.example@rp.example/cb",
        "https://rp.example/cb#frag",  # fragment
        "https://RP.example/cb",  # case is not ignored
        "https://rp.example/cb/",  # trailing slash
        "http://rp.example/cb",  # scheme
        "https://rp.example:443/cb",  # explicit port
        " https://rp.example/cb",
    ],
)
def test_an_unregistered_redirect_uri_in_any_disguise_is_shown_not_followed(uri: str) -> None:
    with pytest.raises(rules.ShowError) as caught:
        check(params(redirect_uri=uri))
    assert caught.value.reason == "unregistered_redirect_uri"


def test_unknown_or_missing_client_is_shown() -> None:
    with pytest.raises(rules.ShowError) as caught:
        check(params(client_id="nobody"))
    assert caught.value.reason == "unknown_client"
    with pytest.raises(rules.ShowError) as caught:
        check(params(client_id=None))
    assert caught.value.reason == "missing_client"


def test_missing_redirect_uri_is_shown_for_a_client_with_two() -> None:
    with pytest.raises(rules.ShowError) as caught:
        check(params(redirect_uri=None))
    assert caught.value.reason == "missing_redirect_uri"


def test_two_redirect_uris_are_refused_even_if_both_registered() -> None:
    with pytest.raises(rules.ShowError):
        check(params(redirect_uri=[REDIRECT, "https://rp.example/other"]))


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "name address"}, "invalid_scope"),
        ({"scope": "openid email"}, "invalid_scope"),
        ({"scope": "openid my_number"}, "invalid_scope"),  # not registered for this client
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "sideways"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
        ({"max_age": "1e3"}, "invalid_request"),
        ({"max_age": "１０"}, "invalid_request"),
        ({"response_mode": "fragment"}, "invalid_request"),
        ({"request": "eyJ..."}, "request_not_supported"),
        ({"request_uri": "https://rp.example/r"}, "request_uri_not_supported"),
        ({"nonce": "x" * 600}, "invalid_request"),
        ({"login_hint": "\ufffd"}, "invalid_request"),
        ({"scope": ["openid", "openid name"]}, "invalid_request"),
        ({"scope": "openid sign"}, "invalid_request"),  # without a digest to sign
    ],
)
def test_bad_requests_go_back_to_the_verified_redirect_uri(overrides, error: str) -> None:
    with pytest.raises(rules.RedirectError) as caught:
        check(params(**overrides))
    assert caught.value.error == error
    assert caught.value.redirect_uri == REDIRECT
    assert caught.value.state == "s t/ä~"


def test_the_conformance_client_may_omit_the_nonce() -> None:
    _client, request = check(params(nonce=None), FakeClient(requires_nonce=False))
    assert request.nonce is None


def test_a_signing_request_carries_its_digest_and_purpose() -> None:
    _client, request = check(
        params(scope="openid sign", sign_digest=CHALLENGE, sign_purpose="委任状")
    )
    assert request.sign_digest == CHALLENGE
    assert request.sign_purpose == "委任状"


def test_unknown_parameters_are_ignored() -> None:
    _client, request = check(params(extra="foobar", display="page", claims_locales="ja"))
    assert request.client_id == "rp"


def facts(acr: str = "aal3", age: float = 10, checked: bool = False) -> rules.SessionFacts:
    return rules.SessionFacts("c", acr, age, checked)


def request_with(**kw) -> rules.AuthorizationRequest:
    _client, request = check(params(**kw))
    return request


def test_sign_in_is_needed_without_a_session_or_with_prompt_login() -> None:
    assert rules.needs_sign_in(request_with(), None)
    assert rules.needs_sign_in(request_with(prompt="login"), facts())
    assert not rules.needs_sign_in(request_with(), facts())


def test_max_age_is_enforced_against_the_time_of_sign_in() -> None:
    assert rules.needs_sign_in(request_with(max_age="5"), facts(age=6))
    assert not rules.needs_sign_in(request_with(max_age="10000"), facts(age=6))
    assert rules.needs_sign_in(request_with(max_age="0"), facts(age=0.5))


def test_step_up_to_a_higher_level_and_to_a_revocation_check() -> None:
    assert rules.needs_sign_in(request_with(acr_values="aal3"), facts(acr="aal2"))
    assert not rules.needs_sign_in(request_with(acr_values="aal2"), facts(acr="aal3"))
    assert rules.needs_sign_in(request_with(acr_values="aal3 crl"), facts(checked=False))
    assert not rules.needs_sign_in(request_with(acr_values="aal3 crl"), facts(checked=True))
    assert parse_acr_values("aal2 aal3").minimum == "aal2"
