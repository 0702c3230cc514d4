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

from central import keys
from govkit.certificates.keys import fingerprint
from govkit.exchange import globalconf
from govkit.testing.plugin import ServiceAppFactory
from govkit.web import get_settings

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


def _body(member: str = "GOV/DA", **fields: Any) -> dict[str, Any]:
    return {
        "address": "localhost:8200",
        "tls_certificate": _pem(_certificate(f"JP-KIT/{member} security server")),
        "signing_certificate": _pem(_certificate(f"JP-KIT/{member}")),
        **fields,
    }


def _conf(app: Flask) -> globalconf.GlobalConfiguration:
    client = app.test_client()
    anchor = client.get("/anchor").get_json()["jwk"]
    return globalconf.verify(client.get("/globalconf").data, anchor, datetime.now(UTC))


def test_a_new_server_and_its_clients_are_registered_and_hosted(app: Flask) -> None:
    answer = _report(app, _body(clients=["portal", "forms", "portal"]))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["registered"] is True
    assert body["clients"] == body["clients_added"] == ["GOV/DA/portal", "GOV/DA/forms"]
    assert body["clients_refused"] == []
    conf = _conf(app)
    [server] = conf.servers_hosting("GOV/DA/forms")
    assert (server.id, server.clients) == ("GOV/DA/ss-da", ("GOV/DA/forms", "GOV/DA/portal"))

    again = _report(app, _body(clients=["portal", "forms"])).get_json()
    assert again["registered"] is False
    assert again["clients"] == ["GOV/DA/portal", "GOV/DA/forms"]
    assert again["clients_added"] == []


def test_nothing_revoked_comes_back(app: Flask, admin: Any) -> None:
    assert _report(app, _body(clients=["portal", "forms"])).status_code == 200
    revoked = admin.post("/members/GOV/DA/subsystems/forms/revoke", {"reason": "closed"})
    assert revoked.status_code == 200
    body = _report(app, _body(clients=["portal", "forms"])).get_json()
    assert body["clients"] == ["GOV/DA/portal"]
    assert body["clients_refused"] == [{"client": "GOV/DA/forms", "reason": "revoked (closed)"}]
    assert "GOV/DA/forms" not in _conf(app).subsystems

    assert admin.post("/members/GOV/DA/servers/ss-da/revoke", {"reason": "key"}).status_code == 200
    refused = _report(app, _body(clients=["portal"]))
    assert refused.status_code == 409
    assert "ss-da is revoked" in refused.get_json()["detail"]


def test_a_server_of_an_unknown_member_is_refused(app: Flask) -> None:
    answer = app.test_client().put(
        "/api/v1/members/GOV/NTA/servers/ss-nta/registration",
        json=_body("GOV/NTA"),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 404
    assert answer.get_json()["detail"] == "member GOV/NTA is not registered"


def test_without_automatic_approval_only_what_an_operator_registered_is_accepted(
    service_app: ServiceAppFactory,
) -> None:
    app = service_app(
        "central",
        exchange_registration_token=TOKEN,
        auto_approve_servers=False,
        auto_approve_clients=False,
    )
    unknown = _report(app, _body(clients=["portal"]))
    assert unknown.status_code == 404
    assert unknown.get_json()["detail"] == "security server GOV/DA/ss-da is not registered"
    assert "GOV/DA/ss-da" not in [s.id for s in _conf(app).security_servers]

    with app.app_context():
        token = keys.read_admin_token(get_settings().data_dir)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    for path, body in [
        ("/api/v1/members/GOV/DA/servers", {"code": "ss-da"}),
        ("/api/v1/members/GOV/DA/subsystems", {"code": "portal"}),
        ("/api/v1/members/GOV/DA/subsystems", {"code": "forms"}),
        ("/api/v1/members/GOV/DA/servers/ss-da/clients", {"client": "GOV/DA/portal"}),
    ]:
        assert client.post(path, json=body, headers=headers).status_code == 201, path
    answer = _report(app, _body(clients=["portal", "forms", "tax"])).get_json()
    assert answer["registered"] is False
    assert answer["clients"] == ["GOV/DA/portal"]
    assert answer["clients_refused"] == [
        {"client": "GOV/DA/forms", "reason": "not a client of this server at central"},
        {"client": "GOV/DA/tax", "reason": "not registered at central"},
    ]


@pytest.mark.parametrize(
    ("fields", "title"),
    [
        ({"address": "no port"}, "Invalid field"),
        ({"clients": "portal"}, "Invalid field"),
        ({"clients": [1]}, "Invalid field"),
        ({"clients": ["bad/code"]}, "Invalid identifier"),
        ({"clients": ["x"] * 101}, "Invalid field"),
        ({"services": []}, "JSON object expected"),
    ],
)
def test_bad_reports_are_clear_problems_and_change_nothing(
    app: Flask, fields: dict[str, Any], title: str
) -> None:
    before = app.test_client().get("/globalconf").data
    answer = _report(app, _body(**fields))
    assert answer.status_code == 400
    assert answer.get_json()["title"] == title
    assert app.test_client().get("/globalconf").data == before
