"""ID token and logout token checks: every way a token can be wrong is refused, with its reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from govkit.auth.idtoken import (
    BACKCHANNEL_EVENT,
    InvalidToken,
    acr_satisfies,
    half_hash,
    validate_id_token,
    validate_logout_token,
)

NOW = time.time()


def part(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def check_id(token: str, keys: Any, claims: Any, **options: Any) -> Any:
    arguments: dict[str, Any] = {
        "keys": keys.lookup,
        "issuer": claims.issuer,
        "client_id": claims.client_id,
        "nonce": claims.nonce,
        "now": time.time(),
        "access_token": claims.access_token,
    }
    arguments.update(options)
    return validate_id_token(token, **arguments)


def refused(reason: str, function: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(InvalidToken) as caught:
        function(*args, **kwargs)
    assert caught.value.reason == reason, caught.value


# -- ID tokens ---------------------------------------------------------------------------------


def test_a_good_id_token_gives_its_claims(mint: Any, keys: Any, claims: Any) -> None:
    checked = check_id(mint(claims.id()), keys, claims, required_acr="aal3", max_age=60)
    assert checked.sub == "pairwise-sub"
    assert checked.sid == "sid-1"
    assert checked.acr == "aal3"
    assert checked.amr == ("sc", "pin", "mfa")


def test_es256_tokens_are_accepted_too(mint: Any, keys: Any, claims: Any) -> None:
    token = mint(claims.id(at_hash=half_hash(claims.access_token, "ES256")), alg="ES256")
    assert check_id(token, keys, claims).sub == "pairwise-sub"


@pytest.mark.parametrize("alg", ["none", "HS256", "PS256", "RS512", ""])
def test_algorithms_off_the_allow_list_are_refused(alg: str, keys: Any, claims: Any) -> None:
    token = f"{part({'alg': alg, 'kid': 'rsa-1'})}.{part(claims.id())}.c2lnbmF0dXJl"
    refused("alg_not_allowed", check_id, token, keys, claims)


def test_a_token_mac_ed_with_the_public_key_is_refused(keys: Any, claims: Any) -> None:
    # The classic confusion: HS256 keyed with the provider's public RSA key.
    signing_input = f"{part({'alg': 'HS256', 'kid': 'rsa-1'})}.{part(claims.id())}"
    mac = hmac.new(keys.rsa.as_pem(private=False), signing_input.encode(), hashlib.sha256)
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"
    refused("alg_not_allowed", check_id, token, keys, claims)


def test_a_token_without_kid_is_refused(mint: Any, keys: Any, claims: Any) -> None:
    refused("no_kid", check_id, mint(claims.id(), kid=None), keys, claims)


def test_an_unknown_kid_is_refused(mint: Any, keys: Any, claims: Any) -> None:
    refused("unknown_kid", check_id, mint(claims.id(), kid="gone"), keys, claims)


def test_a_kid_of_the_wrong_key_type_is_refused(mint: Any, keys: Any, claims: Any) -> None:
    # RS256 in the header, but the kid names the EC key.
    token = mint(claims.id(), alg="RS256", kid="ec-1")
    refused("key_mismatch", check_id, token, keys, claims)


def test_a_signature_by_another_key_is_refused(mint: Any, keys: Any, claims: Any) -> None:
    token = mint(claims.id(), key=keys.other_rsa, kid="rsa-1")
    refused("signature", check_id, token, keys, claims)


def test_a_changed_payload_is_refused(mint: Any, keys: Any, claims: Any) -> None:
    header, _payload, signature = mint(claims.id()).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims.id(sub="someone-else")).encode())
    token = f"{header}.{forged.rstrip(b'=').decode()}.{signature}"
    refused("signature", check_id, token, keys, claims)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "x" * 20_000])
def test_garbage_is_refused(token: str, keys: Any, claims: Any) -> None:
    refused("malformed", check_id, token, keys, claims)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://evil.example"}, "issuer"),
        ({"iss": None}, "issuer"),
        ({"aud": "another-client"}, "audience"),
        ({"aud": None}, "audience"),
        ({"aud": ["client-1", "another-client"]}, "azp"),
        ({"aud": ["client-1", "another-client"], "azp": "another-client"}, "azp"),
        ({"azp": "another-client"}, "azp"),
        ({"exp": int(NOW) - 3600}, "expired"),
        ({"exp": None}, "exp_missing"),
        ({"exp": "tomorrow"}, "exp_missing"),
        ({"iat": None}, "iat_missing"),
        ({"iat": int(NOW) + 3600}, "issued_in_future"),
        ({"nonce": None}, "nonce"),
        ({"nonce": "another-nonce"}, "nonce"),
        ({"sub": None}, "sub_missing"),
        ({"sub": ""}, "sub_invalid"),
        ({"auth_time": None}, "auth_time_missing"),
        ({"auth_time": int(NOW) + 3600}, "auth_time_in_future"),
        ({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at_hash"),
        ({"amr": "pin"}, "amr_invalid"),
        ({"events": {BACKCHANNEL_EVENT: {}}}, "typ"),
    ],
)
def test_each_wrong_claim_is_refused(
    changes: dict[str, Any], reason: str, mint: Any, keys: Any, claims: Any
) -> None:
    refused(reason, check_id, mint(claims.id(**changes)), keys, claims)


def test_several_audiences_are_accepted_with_azp_naming_the_client(
    mint: Any, keys: Any, claims: Any
) -> None:
    token = mint(claims.id(aud=["client-1", "other"], azp="client-1"))
    assert check_id(token, keys, claims).sub == "pairwise-sub"


def test_a_small_clock_difference_is_tolerated(mint: Any, keys: Any, claims: Any) -> None:
    now = int(time.time())
    token = mint(claims.id(exp=now - 30, iat=now + 30, auth_time=now + 30))
    assert check_id(token, keys, claims, leeway=60).sub == "pairwise-sub"
    refused("expired", check_id, token, keys, claims, leeway=10)


def test_the_level_must_be_at_least_the_one_asked_for(mint: Any, keys: Any, claims: Any) -> None:
    passkey = mint(claims.id(acr="aal2"))
    assert check_id(passkey, keys, claims, required_acr="aal2").acr == "aal2"
    assert check_id(passkey, keys, claims, required_acr="aal1").acr == "aal2"
    refused("acr", check_id, passkey, keys, claims, required_acr="aal3")
    refused("acr", check_id, mint(claims.id(acr=None)), keys, claims, required_acr="aal1")
    refused("acr", check_id, mint(claims.id(acr="gold")), keys, claims, required_acr="aal1")
    assert check_id(mint(claims.id(acr=None)), keys, claims).acr is None


def test_max_age_limits_how_long_ago_the_citizen_signed_in(
    mint: Any, keys: Any, claims: Any
) -> None:
    token = mint(claims.id(auth_time=int(time.time()) - 600))
    assert check_id(token, keys, claims, max_age=900).sub
    refused("max_age", check_id, token, keys, claims, max_age=300)


def test_at_hash_is_optional_but_checked_when_present(mint: Any, keys: Any, claims: Any) -> None:
    assert check_id(mint(claims.id(at_hash=None)), keys, claims).sub
    token = mint(claims.id())
    refused("at_hash", check_id, token, keys, claims, access_token="another-access-token")


def test_a_logout_token_is_not_an_id_token(mint: Any, keys: Any, claims: Any) -> None:
    refused("typ", check_id, mint(claims.id(), typ="logout+jwt"), keys, claims)


def test_critical_headers_are_refused(keys: Any, claims: Any) -> None:
    header = {"alg": "RS256", "kid": "rsa-1", "crit": ["exp"], "exp": 1}
    token = f"{part(header)}.{part(claims.id())}.c2lnbmF0dXJl"
    refused("malformed", check_id, token, keys, claims)


def test_half_hash_matches_the_openid_example() -> None:
    # OpenID Connect Core, Appendix A.3 (the access token of its examples).
    assert half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == (
        "77QmUPtjPfzWtF2AnpK9RQ"
    )


@pytest.mark.parametrize(
    ("acr", "required", "ok"),
    [
        ("aal3", "aal3", True),
        ("aal3", "aal2", True),
        ("aal2", "aal3", False),
        (None, None, True),
        ("aal1", None, True),
        (None, "aal1", False),
        ("aal3", "platinum", False),
    ],
)
def test_acr_satisfies(acr: str | None, required: str | None, ok: bool) -> None:
    assert acr_satisfies(acr, required) is ok


# -- logout tokens -----------------------------------------------------------------------------


class Jtis:
    def __init__(self) -> None:
        self.seen: dict[str, float] = {}

    def __call__(self, jti: str, until: float) -> bool:
        if jti in self.seen:
            return False
        self.seen[jti] = until
        return True


def check_logout(token: str, keys: Any, claims: Any, jtis: Jtis | None = None) -> Any:
    return validate_logout_token(
        token,
        keys=keys.lookup,
        issuer=claims.issuer,
        client_id=claims.client_id,
        now=time.time(),
        remember_jti=jtis or Jtis(),
    )


def test_a_good_logout_token_names_the_session(mint: Any, keys: Any, claims: Any) -> None:
    jtis = Jtis()
    checked = check_logout(mint(claims.logout(), typ="logout+jwt"), keys, claims, jtis)
    assert (checked.sid, checked.sub, checked.jti) == ("sid-1", "pairwise-sub", "jti-1")
    assert jtis.seen["jti-1"] >= checked.exp


def test_a_logout_token_without_typ_is_accepted(mint: Any, keys: Any, claims: Any) -> None:
    assert check_logout(mint(claims.logout(), typ=None), keys, claims).sid == "sid-1"


def test_a_replayed_logout_token_is_refused(mint: Any, keys: Any, claims: Any) -> None:
    jtis = Jtis()
    token = mint(claims.logout(), typ="logout+jwt")
    check_logout(token, keys, claims, jtis)
    refused("replayed", check_logout, token, keys, claims, jtis)


@pytest.mark.parametrize(
    ("changes", "typ", "reason"),
    [
        ({}, "JWT", "typ"),
        ({"events": None}, "logout+jwt", "events"),
        ({"events": {"other-event": {}}}, "logout+jwt", "events"),
        ({"events": {BACKCHANNEL_EVENT: "yes"}}, "logout+jwt", "events"),
        ({"nonce": "n"}, "logout+jwt", "nonce_present"),
        ({"sid": None}, "logout+jwt", "sid_missing"),
        ({"jti": None}, "logout+jwt", "jti_missing"),
        ({"aud": "another-client"}, "logout+jwt", "audience"),
        ({"iss": "https://evil.example"}, "logout+jwt", "issuer"),
        ({"exp": int(NOW) - 3600}, "logout+jwt", "expired"),
        ({"iat": int(NOW) + 3600}, "logout+jwt", "issued_in_future"),
    ],
)
def test_each_wrong_logout_token_is_refused(
    changes: dict[str, Any], typ: str, reason: str, mint: Any, keys: Any, claims: Any
) -> None:
    jtis = Jtis()
    refused(reason, check_logout, mint(claims.logout(**changes), typ=typ), keys, claims, jtis)
    assert not jtis.seen, "a refused token's jti is not remembered"


def test_a_logout_token_signed_by_another_key_is_refused(mint: Any, keys: Any, claims: Any) -> None:
    token = mint(claims.logout(), typ="logout+jwt", key=keys.other_rsa, kid="rsa-1")
    refused("signature", check_logout, token, keys, claims)
