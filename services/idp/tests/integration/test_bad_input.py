"""Bad input never gives a 500: every route of the identity provider, fed malformed requests
(govkit.testing.robustness) by a browser, by the kit's provisioning (the registration token)
and by a relying party authenticating with its secret."""

from __future__ import annotations

import pytest

from govkit.testing.robustness import server_errors

#: Members of the provider's JSON bodies: client registration and the kit's provisioning.
FIELDS = (
    "client_name", "redirect_uris", "grant_types", "response_types", "jwks",
    "token_endpoint_auth_method", "id_token_signed_response_alg", "sector_identifier",
    "post_logout_redirect_uris", "backchannel_logout_uri", "first_party", "statutory_basis",
    "households", "people", "reference_date", "demo_pin", "demo_signing_password", "count",
    "username", "password", "totp_secret", "code_challenges",
)  # fmt: skip


@pytest.mark.parametrize("caller", ["browser", "provisioning", "relying party"])
def test_no_bad_input_gives_a_server_error(provider, caller: str) -> None:
    headers: dict[str, str] = {}
    if caller == "provisioning":
        token = provider.app.extensions["govkit.settings"].idp_registration_token
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
    elif caller == "relying party":
        rp = provider.register(token_endpoint_auth_method="client_secret_basic")
        headers = rp.basic()
    errors = server_errors(provider.app, provider.app.test_client(), headers=headers, fields=FIELDS)
    assert not errors, "\n".join(errors)
