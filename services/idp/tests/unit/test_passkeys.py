"""The passkey rules and ceremony options (no database, no HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from idp import passkeys
from idp.domain.authorization import AuthorizationRequest
from idp.domain.levels import parse_acr_values
from idp.models import Citizen, OPSession, Passkey

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
RP = passkeys.RelyingParty.from_public_url("http://localhost:8001", "Madoguchi ID")


def _citizen() -> Citizen:
    return Citizen(id="c-0001", persona="H1-1", family_name="森下", given_name="健太",
                   family_name_kana="モリシタ", given_name_kana="ケンタ",
                   name_roman="MORISHITA Kenta", birthdate=date(1990, 5, 12), gender="male",
                   postal_code="000-0101", address="桜木市", created_at=NOW)  # fmt: skip


def _session(acr: str) -> OPSession:
    return OPSession(sid="s", citizen_id="c-0001", auth_time=NOW, acr=acr, amr=[],
                     created_at=NOW, expires_at=NOW + timedelta(hours=1))  # fmt: skip


def _request(acr_values: str | None) -> AuthorizationRequest:
    return AuthorizationRequest(client_id="rp", redirect_uri="http://localhost:9000/cb",
                                scopes=("openid",), state=None, nonce="n", code_challenge="c" * 43,
                                prompt=frozenset(), max_age=None,
                                requirement=parse_acr_values(acr_values), acr_values=acr_values,
                                ui_locales=None, login_hint=None, id_token_hint=None)  # fmt: skip


@pytest.mark.parametrize(
    ("public_url", "rp_id", "origin"),
    [
        ("http://localhost:8001", "localhost", "http://localhost:8001"),
        ("https://id.madoguchi.example", "id.madoguchi.example", "https://id.madoguchi.example"),
        ("https://ID.example:8443", "id.example", "https://ID.example:8443"),
    ],
)
def test_the_relying_party_is_the_public_url_host(public_url, rp_id, origin) -> None:
    rp = passkeys.RelyingParty.from_public_url(public_url, "Madoguchi ID")
    assert (rp.id, rp.origin) == (rp_id, origin)


@pytest.mark.parametrize(
    ("stored", "reported", "ok"),
    [(0, 0, True), (0, 1, True), (4, 5, True), (5, 5, False), (5, 3, False), (5, 0, False)],
)
def test_the_signature_counter_must_grow_unless_there_is_none(stored, reported, ok) -> None:
    assert passkeys.counter_advanced(stored, reported) is ok


@pytest.mark.parametrize(
    ("acr_values", "allowed"),
    [
        (None, True),
        ("aal1", True),
        ("aal2", True),
        ("aal2 aal3", True),
        ("aal3", False),
        ("aal2 crl", False),
        ("crl", False),
        ("unknown", True),
    ],
)
def test_a_passkey_is_allowed_when_the_service_accepts_aal2(acr_values, allowed) -> None:
    assert passkeys.allowed_for(_request(acr_values)) is allowed


@pytest.mark.parametrize(
    ("acr", "may"), [("aal3", True), ("aal2", False), ("aal1", False), (None, False)]
)
def test_only_a_card_session_may_add_a_passkey(acr, may) -> None:
    assert passkeys.may_register(_session(acr) if acr else None) is may


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  My  phone\n", "My phone"),
        ("", "fallback"),
        (None, "fallback"),
        ("   ", "fallback"),
        ("仕事用のノートパソコン", "仕事用のノートパソコン"),
        ("👨\u200d👩\u200d👧 tablet", "👨\u200d👩\u200d👧 tablet"),
        ("x" * 60, "x" * 60),
    ],
)
def test_passkey_names_are_tidied(text, expected) -> None:
    assert passkeys.clean_name(text, "fallback") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("x" * 61, "name_too_long"), ("evil\x00", "name"), ("abc\u202edef", "name")],
)
def test_unusable_names_are_refused(text, reason) -> None:
    with pytest.raises(passkeys.PasskeyRefused) as refused:
        passkeys.clean_name(text, "fallback")
    assert refused.value.reason == reason


def test_the_user_handle_is_stable_opaque_and_per_citizen() -> None:
    handle = passkeys.user_handle("c-0001")
    assert handle == passkeys.user_handle("c-0001")
    assert handle != passkeys.user_handle("c-0002")
    assert len(handle) == 32
    assert b"c-0001" not in handle


def test_registration_asks_for_a_discoverable_user_verified_passkey() -> None:
    existing = [
        Passkey(
            credential_id="AAEC", citizen_id="c-0001", public_key=b"k", name="n", created_at=NOW
        )
    ]
    ceremony = passkeys.registration_options(_citizen(), existing, RP, NOW)
    options = ceremony.options
    assert options["rp"] == {"id": "localhost", "name": "Madoguchi ID"}
    assert options["challenge"] == ceremony.challenge
    assert len(ceremony.challenge) >= 43  # at least 32 random bytes
    assert ceremony.expires_at == NOW + timedelta(minutes=5)
    assert options["user"]["name"] == "MORISHITA Kenta"
    assert options["user"]["displayName"] == "森下 健太"
    assert "c-0001" not in options["user"]["id"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["excludeCredentials"] == [{"id": "AAEC", "type": "public-key"}]
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -8, -257]


def test_every_ceremony_has_its_own_challenge() -> None:
    first = passkeys.authentication_options(RP, NOW)
    second = passkeys.authentication_options(RP, NOW)
    assert first.challenge != second.challenge
    assert first.options["rpId"] == "localhost"
    assert first.options["userVerification"] == "required"
    assert first.options.get("allowCredentials", []) == []
