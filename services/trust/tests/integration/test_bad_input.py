"""Bad input never gives a 500: every route of the trust service (certificates, CRLs, OCSP,
the timestamp authority, the registration API), fed malformed requests
(govkit.testing.robustness) by anyone and by a registration authority with its token."""

from __future__ import annotations

import pytest
from flask import Flask

from govkit.certificates.keys import generate_key, signing_request
from govkit.testing.plugin import ServiceAppFactory
from govkit.testing.robustness import server_errors

TOKEN = "r" * 40


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("trust", trust_ra_token=TOKEN)


@pytest.mark.parametrize("caller", ["anyone", "registration authority"])
def test_no_bad_input_gives_a_server_error(app: Flask, caller: str) -> None:
    client = app.test_client()
    authority = {"Authorization": f"Bearer {TOKEN}"}
    issued = client.post(
        "/api/v1/certificates",
        json={
            "profile": "seal",
            "holder": "GOV/LG-1",
            "csr": signing_request(generate_key(), "GOV/LG-1 seal"),
        },
        headers=authority,
    )
    assert issued.status_code == 201, issued.get_data(as_text=True)
    errors = server_errors(
        app,
        client,
        known={"name": "seal", "serial": issued.get_json()["serial"], "encoded": "MAo%3D"},
        headers=authority if caller != "anyone" else {},
        fields=("profile", "holder", "csr", "dns_names", "subject_attributes", "reason"),
    )
    assert not errors, "\n".join(errors)
