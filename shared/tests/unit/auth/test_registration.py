"""The service's client key and its registration with the provider (``kit prepare``)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from govkit.auth import registration
from govkit.auth.registration import (
    NotConfigured,
    RegistrationError,
    load_or_create_key,
    load_registration,
    register_client,
    seed_client,
)
from govkit.config import ServiceSettings
from govkit.testing.oidc import FakeProvider, closed_port_url


class DemoSettings(ServiceSettings):
    service_name: ClassVar[str] = "demo"
    env_prefix: ClassVar[str] = "DEMO_"


def settings(tmp_path: Path, **values: Any) -> DemoSettings:
    base: dict[str, Any] = {
        "environment": "test",
        "secret_key": "s" * 48,
        "data_dir": tmp_path,
        "public_url": "http://localhost:8011",
        "idp_url": "https://id.example",
        "idp_registration_token": "r" * 48,
    }
    base.update(values)
    return DemoSettings.model_validate(base)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_is_made_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    config = settings(tmp_path)
    key = load_or_create_key(config)
    path = tmp_path / "oidc" / "client-key.json"
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert key.is_private
    assert key.kid
    assert load_or_create_key(config).kid == key.kid
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "no staged files"


def test_a_key_made_by_another_worker_first_is_the_one_used(tmp_path: Path) -> None:
    config = settings(tmp_path)
    first = load_or_create_key(config)
    # A second worker that also found no key writes one too: it must not replace the first.
    assert (
        registration._write_private(
            tmp_path / "oidc" / "client-key.json", {"kty": "junk"}, replace=False
        )
        is False
    )
    assert load_or_create_key(config).kid == first.kid


def test_an_unreadable_key_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "oidc" / "client-key.json"
    path.parent.mkdir()
    path.write_text("not json")
    with pytest.raises(RegistrationError, match="cannot be read"):
        load_or_create_key(settings(tmp_path))


def test_registration_sends_the_kits_metadata_and_stores_the_answer(tmp_path: Path) -> None:
    fake = FakeProvider(issuer="https://id.example")
    config = settings(tmp_path)
    done = register_client(
        config, sector="GOV/LG-139998", client_name="住民票の写し", http=fake.session()
    )
    assert done.created
    method, url, kwargs = fake.requests[-1]
    assert (method, url) == ("POST", "https://id.example/register")
    assert kwargs["headers"]["Authorization"] == "Bearer " + "r" * 48
    assert kwargs["timeout"]
    sent = kwargs["json"]
    assert sent == {
        "software_id": "demo",
        "client_name": "住民票の写し",
        "redirect_uris": ["http://localhost:8011/auth/callback"],
        "post_logout_redirect_uris": ["http://localhost:8011/auth/signed-out"],
        "backchannel_logout_uri": "http://localhost:8011/auth/backchannel-logout",
        "backchannel_logout_session_required": True,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks": sent["jwks"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "openid name address birthdate gender",
        "first_party": True,
        "sector_identifier": "GOV/LG-139998",
        "id_token_signed_response_alg": "RS256",
    }
    (public,) = sent["jwks"]["keys"]
    assert (public["kty"], public["crv"]) == ("EC", "P-256")
    assert "d" not in public
    stored = tmp_path / "oidc" / "client.json"
    assert mode(stored) == 0o600
    assert json.loads(stored.read_text())["client_id"] == done.registration.client_id
    assert load_registration(config) == done.registration
    assert public["kid"] == done.registration.kid


def test_registering_again_updates_the_same_client(tmp_path: Path) -> None:
    fake = FakeProvider(issuer="https://id.example")
    first = register_client(
        settings(tmp_path), sector="GOV/DA", client_name="窓口", http=fake.session()
    )
    moved = settings(tmp_path, public_url="http://localhost:9000")
    assert load_registration(moved) is None, "registered for another address"
    again = register_client(moved, sector="GOV/DA", client_name="窓口", http=fake.session())
    assert not again.created
    assert again.registration.client_id == first.registration.client_id
    assert load_registration(moved) == again.registration
    assert load_registration(settings(tmp_path, idp_url="https://other.example")) is None


def test_no_token_means_not_configured(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        register_client(
            settings(tmp_path, idp_registration_token=None), sector="GOV/DA", client_name="x"
        )


def test_refusals_and_an_unreachable_provider_are_clear_errors(tmp_path: Path) -> None:
    fake = FakeProvider(issuer="https://id.example")
    wrong_token = settings(tmp_path)
    fake.handle = lambda method, url, **kw: __import__(  # type: ignore[method-assign]
        "govkit.testing.oidc", fromlist=["_response"]
    )._response(400, {"error": "invalid_redirect_uri", "error_description": "https only"})
    with pytest.raises(RegistrationError, match=r"refused the registration \(400\).*https only"):
        register_client(wrong_token, sector="GOV/DA", client_name="x", http=fake.session())
    down = settings(tmp_path, idp_url=closed_port_url())
    with pytest.raises(RegistrationError, match="unreachable"):
        register_client(down, sector="GOV/DA", client_name="x")


def test_the_seed_says_what_happened_and_never_fails(tmp_path: Path) -> None:
    line = seed_client(settings(tmp_path, idp_registration_token=None), sector="s", client_name="c")
    assert line == (
        "OpenID client not registered: no registration token (KIT_IDP_REGISTRATION_TOKEN); "
        "sign-in is unavailable"
    )
    line = seed_client(settings(tmp_path, idp_url=closed_port_url()), sector="s", client_name="c")
    assert line.startswith("OpenID client not registered: the identity provider at http://127")
    assert line.endswith("sign-in is unavailable until it is")


def test_the_token_is_never_in_a_message(tmp_path: Path) -> None:
    config = settings(tmp_path, idp_url=closed_port_url())
    line = seed_client(config, sector="s", client_name="c")
    assert "r" * 48 not in line
    assert isinstance(config.idp_registration_token, SecretStr)
