"""Client metadata as the registration endpoint accepts it (RFC 7591 + the kit's extensions)."""

from __future__ import annotations

import pytest
from joserfc.jwk import ECKey, OctKey

from idp.domain.registration import InvalidMetadata, validate_metadata

EC = ECKey.generate_key("P-256", private=True, auto_kid=True)
#: A 1024-bit RSA public key (joserfc refuses to make one; only the modulus length matters).
SMALL_RSA = {"kty": "RSA", "e": "AQAB", "n": "x" * 171}


def body(**overrides):
    base = {
        "client_name": "桜木市 住民票",
        "redirect_uris": ["https://rp.example/cb"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [EC.as_dict(private=False)]},
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_kit_client_metadata_is_accepted_with_defaults() -> None:
    metadata = validate_metadata(body())
    assert metadata.grant_types == ("authorization_code",)
    assert metadata.response_types == ("code",)
    assert metadata.id_token_signed_response_alg == "RS256"
    assert metadata.sector_identifier == "rp.example"
    assert metadata.public()["subject_type"] == "pairwise"


def test_the_kits_extensions_are_kept() -> None:
    metadata = validate_metadata(
        body(
            sector_identifier="GOV/JPS",
            statutory_basis="番号法 別表 第1 (年金)",
            scope="openid name my_number",
            first_party=True,
        )
    )
    assert (metadata.sector_identifier, metadata.first_party) == ("GOV/JPS", True)
    assert metadata.statutory_basis
    assert "my_number" in metadata.scope


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"redirect_uris": None}, "invalid_redirect_uri"),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"redirect_uris": ["http://rp.example/cb"]}, "invalid_redirect_uri"),  # http off loopback
        ({"redirect_uris": ["https://rp.example/cb#x"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://u@rp.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["javascript:alert(1)"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://rp.example:99999/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": "https://rp.example/cb"}, "invalid_redirect_uri"),
        (
            {"redirect_uris": ["https://a.example/cb", "https://b.example/cb"]},
            "invalid_client_metadata",
        ),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "client_secret_post"}, "invalid_client_metadata"),
        ({"jwks": None}, "invalid_client_metadata"),
        ({"jwks_uri": "https://rp.example/jwks"}, "invalid_client_metadata"),
        ({"jwks": {"keys": [EC.as_dict(private=True)]}}, "invalid_client_metadata"),
        ({"jwks": {"keys": [OctKey.generate_key(256).as_dict()]}}, "invalid_client_metadata"),
        (
            {"jwks": {"keys": [SMALL_RSA]}},
            "invalid_client_metadata",
        ),
        ({"grant_types": ["implicit"]}, "invalid_client_metadata"),
        ({"grant_types": ["password"]}, "invalid_client_metadata"),
        ({"response_types": ["token"]}, "invalid_client_metadata"),
        ({"id_token_signed_response_alg": "none"}, "invalid_client_metadata"),
        ({"id_token_signed_response_alg": "HS256"}, "invalid_client_metadata"),
        ({"token_endpoint_auth_signing_alg": "HS256"}, "invalid_client_metadata"),
        ({"scope": "openid email"}, "invalid_client_metadata"),
        ({"scope": "openid my_number"}, "invalid_client_metadata"),  # no statutory basis
        ({"client_name": "x" * 201}, "invalid_client_metadata"),
        ({"first_party": "yes"}, "invalid_client_metadata"),
    ],
)
def test_bad_metadata_names_the_problem(overrides, error: str) -> None:
    with pytest.raises(InvalidMetadata) as caught:
        validate_metadata(body(**overrides))
    assert caught.value.error == error
    assert caught.value.description


@pytest.mark.parametrize("value", [None, [], "text", 3])
def test_a_body_that_is_not_an_object_is_refused(value) -> None:
    with pytest.raises(InvalidMetadata):
        validate_metadata(value)


def test_a_secret_client_needs_no_keys() -> None:
    metadata = validate_metadata(
        body(
            token_endpoint_auth_method="client_secret_basic",
            jwks=None,
            grant_types=["client_credentials"],
            response_types=[],
        )
    )
    assert metadata.jwks is None
    assert metadata.response_types == ()
