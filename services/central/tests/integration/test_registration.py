"""A security server reports its address and certificates: token, names and fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from govkit.certificates.keys import fingerprint
from govkit.exchange import globalconf
from govkit.testing.plugin import ServiceAppFactory

TOKEN = "registration-token-for-tests-0123456789"
URL = "/api/v1/members/GOV/DA/servers/ss-da/registration"


def _certificate(name: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def app(service_app: ServiceAppFactory) -> Flask:
    return service_app("central", exchange_registration_token=TOKEN)


def _report(app: Flask, body: Any, token: str = TOKEN) -> Any:
    return app.test_client().put(URL, json=body, headers={"Authorization": f"Bearer {token}"})


def test_a_server_reports_itself_and_global_configuration_lists_it_at_once(app: Flask) -> None:
    tls = _certificate("JP-KIT/GOV/DA security server")
    signing = _certificate("JP-KIT/GOV/DA")
    body = {
        "address": "localhost:8200",
        "tls_certificate": _pem(tls),
        "signing_certificate": _pem(signing),
    }
    answer = _report(app, body)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["tls_fingerprint"] == fingerprint(tls)
    document = app.test_client().get("/globalconf").get_data()
    anchor = app.test_client().get("/anchor").get_json()["jwk"]
    conf = globalconf.verify(document, anchor, datetime.now(UTC))
    server = next(s for s in conf.security_servers if s.code == "ss-da")
    assert (server.address, server.tls_fingerprint, server.signing_fingerprint) == (
        "localhost:8200",
        fingerprint(tls),
        fingerprint(signing),
    )
    assert _report(app, body).status_code == 200  # reporting again changes nothing


@pytest.mark.parametrize(
    ("tls_name", "signing_name", "pem", "status", "says"),
    [
        ("JP-KIT/GOV/DA security server", "JP-KIT/GOV/MOJ", True, 400, "must name 'JP-KIT/GOV/DA'"),
        ("JP-KIT/GOV/MOJ security server", "JP-KIT/GOV/DA", True, 400, "another member"),
        ("JP-KIT/GOV/DA security server", "JP-KIT/GOV/DA", False, 400, "not a PEM certificate"),
    ],
)
def test_certificates_must_be_the_servers_own(
    app: Flask, tls_name: str, signing_name: str, pem: bool, status: int, says: str
) -> None:
    tls = _pem(_certificate(tls_name)) if pem else "not a certificate"
    body = {"address": "localhost:8200", "tls_certificate": tls,
            "signing_certificate": _pem(_certificate(signing_name))}  # fmt: skip
    answer = _report(app, body)
    assert answer.status_code == status
    problem = answer.get_json()
    assert says in problem["detail"] or says in problem["title"]


def test_the_registration_token_is_required_and_is_not_the_admin_token(app: Flask) -> None:
    body = {"address": "localhost:8200"}
    wrong = _report(app, body, token="wrong")
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    admin = app.test_client().get("/api/v1/members", headers={"Authorization": f"Bearer {TOKEN}"})
    assert admin.status_code == 401  # the registration token opens nothing else


def test_an_unknown_server_or_bad_address_is_a_clear_problem(app: Flask) -> None:
    body = {
        "address": "no port",
        "tls_certificate": _pem(_certificate("JP-KIT/GOV/DA security server")),
        "signing_certificate": _pem(_certificate("JP-KIT/GOV/DA")),
    }
    assert _report(app, body).status_code == 400
    body["address"] = "localhost:8200"
    unknown = app.test_client().put(
        "/api/v1/members/GOV/DA/servers/ss-nowhere/registration",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert unknown.status_code == 404
