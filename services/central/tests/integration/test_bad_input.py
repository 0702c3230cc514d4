"""Bad input never gives a 500: every route of the central registry (global configuration,
self-registration, the admin API), fed malformed requests (govkit.testing.robustness) by
anyone and by an administrator with the token."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.testing.robustness import server_errors

FIELDS = (
    "member_class", "member_code", "name", "subsystem", "address", "clients", "code",
    "tls_fingerprint", "signing_fingerprint", "reason",
)  # fmt: skip
KNOWN = {
    "member_class": "GOV",
    "member_code": "LG-139998",
    "server": "ss-lg139998",
    "subsystem": "residence",
    "code": "kit-agencies",
}


@pytest.mark.parametrize("caller", ["anyone", "administrator"])
def test_no_bad_input_gives_a_server_error(app: Flask, token: str, caller: str) -> None:
    headers = {"Authorization": f"Bearer {token}"} if caller == "administrator" else {}
    errors = server_errors(app, app.test_client(), known=KNOWN, headers=headers, fields=FIELDS)
    assert not errors, "\n".join(errors)
