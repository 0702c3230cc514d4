"""The exchange pseudonym (claim ``exchange_id``): released to the kit's own services only
(``first_party`` clients, which `make up` registers with the kit's registration token), in the
ID token and at userinfo, when the pseudonym key is configured; the same for every kit service
and every sign-in, and exactly ``govkit.exchange.exchange_pseudonym(key, persona)``."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc import jwt

from govkit.exchange import exchange_pseudonym
from govkit.testing.plugin import ServiceAppFactory

KEY = "exchange-pseudonym-key-for-tests-" + "k" * 16
PERSONA = "H1-1"  # the citizen conftest.add_citizen provisions


def _sign_in(provider, rp) -> tuple[dict[str, Any], dict[str, Any]]:
    """A code for the demo citizen, redeemed: (ID token claims, userinfo claims)."""
    verifier, challenge = provider.pkce()
    answer = provider.redeem(rp, provider.mint_code(rp, challenge), verifier)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    id_claims = jwt.decode(body["id_token"], provider.jwks(), algorithms=["RS256", "ES256"]).claims
    userinfo = provider.client.get(
        "/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.status_code == 200, userinfo.get_json()
    return id_claims, userinfo.get_json()


def test_a_kit_service_receives_the_pseudonym_in_the_id_token_and_at_userinfo(
    provider_app,
) -> None:
    provider = provider_app(exchange_pseudonym_key=KEY)
    kit_service = provider.register(first_party=True, sector_identifier="GOV/DA")
    id_claims, userinfo = _sign_in(provider, kit_service)
    expected = exchange_pseudonym(KEY, PERSONA)
    assert id_claims["exchange_id"] == expected
    assert userinfo["exchange_id"] == expected
    assert len(expected) == 43
    assert expected not in {id_claims["sub"], provider.citizen_id}


def test_the_pseudonym_is_stable_across_sign_ins_and_the_same_for_every_kit_service(
    provider_app,
) -> None:
    provider = provider_app(exchange_pseudonym_key=KEY)
    portal = provider.register(first_party=True, sector_identifier="GOV/DA")
    pension = provider.register(first_party=True, sector_identifier="GOV/JPS")
    first, _ = _sign_in(provider, portal)
    again, again_userinfo = _sign_in(provider, portal)
    elsewhere, _ = _sign_in(provider, pension)
    assert first["exchange_id"] == again["exchange_id"] == again_userinfo["exchange_id"]
    assert elsewhere["exchange_id"] == first["exchange_id"]
    assert elsewhere["sub"] != first["sub"]  # unlike the pairwise sub


def test_another_relying_party_never_receives_it(provider_app) -> None:
    provider = provider_app(exchange_pseudonym_key=KEY)
    third_party = provider.register(sector_identifier="COM/BANK-0001")
    id_claims, userinfo = _sign_in(provider, third_party)
    assert "exchange_id" not in id_claims
    assert "exchange_id" not in userinfo
    assert userinfo["name"] == "森下 健太"  # the scopes' claims are still there


def test_without_the_key_nobody_receives_it(provider_app) -> None:
    provider = provider_app()
    kit_service = provider.register(first_party=True, sector_identifier="GOV/DA")
    id_claims, userinfo = _sign_in(provider, kit_service)
    assert "exchange_id" not in id_claims
    assert "exchange_id" not in userinfo


def test_discovery_lists_the_claim(provider) -> None:
    document = provider.client.get("/.well-known/openid-configuration").get_json()
    assert "exchange_id" in document["claims_supported"]


def test_a_key_the_pseudonym_function_would_refuse_stops_start_up(
    service_app: ServiceAppFactory,
) -> None:
    with pytest.raises(ValueError, match=r"exchange_pseudonym_key[\s\S]*at least 16 bytes"):
        service_app("idp", exchange_pseudonym_key="too-short")
