"""`kit prepare` gives each security server its TLS and signing keys, certified by a real trust
service's registration authority (securityserver.keys, xroad.md §3.2)."""

from __future__ import annotations

import socket
import ssl
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from govkit.certificates.keys import common_name, fingerprint, load_pem_chain, verify_chain
from govkit.service import load_definition, prepare
from govkit.testing.plugin import RunningTrust
from securityserver.keys import (
    KeysMissing,
    MemberKeys,
    Purpose,
    load_signing_keys,
    load_tls_keys,
    member_id,
)
from securityserver.protocol.headers import request_header_part
from securityserver.settings import SecurityServerSettings
from securityserver.signing import sign_message, verify_message

SS_CA = "Madoguchi Kit Test Security Server CA"


def _settings(
    tmp_path: Path, member: str, trust: RunningTrust | None, **overrides: object
) -> SecurityServerSettings:
    issuers = trust.settings_for_issuers() if trust else {}
    return SecurityServerSettings(
        environment="test", secret_key="s" * 48, member=member,
        data_dir=tmp_path / member.replace("/", "-"), **issuers, **overrides,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture(scope="module")
def kit_root(trust_service: RunningTrust) -> x509.Certificate:
    response = requests.get(f"{trust_service.url}/pki/root.pem", timeout=10)
    response.raise_for_status()
    return load_pem_chain(response.content)[0]


def _files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_prepare_obtains_both_certificates_once(
    trust_service: RunningTrust, tmp_path: Path, kit_root: x509.Certificate
) -> None:
    settings = _settings(tmp_path, "GOV/LG-139998", trust_service)
    definition = load_definition("securityserver")

    report = prepare(definition, settings).seeded
    # No central in this test: the server says it cannot exchange yet.
    assert report[2].startswith("no global configuration anchor")
    assert report[2].endswith("exchange traffic disabled")
    seeded = report[:2]
    tls, signing = load_tls_keys(settings), load_signing_keys(settings)
    assert seeded == (
        f"new tls certificate for localhost (sha256 {tls.fingerprint()})",
        f"new signing certificate for JP-KIT/GOV/LG-139998 (sha256 {signing.fingerprint()})",
    )

    # Keys 0600 in a 0700 folder; chains next to them.
    folder = settings.data_dir / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for keys in (tls, signing):
        assert keys.key_path.parent == folder
        assert stat.S_IMODE(keys.key_path.stat().st_mode) == 0o600
        assert keys.chain_path.parent == folder
        assert keys.fingerprint() == fingerprint(keys.certificate)
        assert len(keys.fingerprint()) == 64
        assert common_name(keys.certificate.issuer) == SS_CA
        assert verify_chain(keys.full_chain, [kit_root], datetime.now(UTC)) == kit_root

    # A second prepare changes nothing and says the certificates already exist.
    files = _files(settings.data_dir / "keys")
    again = prepare(definition, settings).seeded[:2]
    assert again == tuple(line.replace("new ", "existing ", 1) for line in seeded)
    assert _files(settings.data_dir / "keys") == files


def test_the_tls_certificate_has_the_tls_profile(
    trust_service: RunningTrust, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, "GOV/DA", trust_service)
    prepare(load_definition("securityserver"), settings)
    certificate = load_tls_keys(settings).certificate

    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usages) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert common_name(certificate.subject) == "JP-KIT/GOV/DA security server"
    key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert not key_usage.content_commitment  # so it can never pass as a signing certificate


def test_the_signing_certificate_names_the_member(
    trust_service: RunningTrust, tmp_path: Path, kit_root: x509.Certificate
) -> None:
    settings = _settings(tmp_path, "GOV/MOJ", trust_service, exchange_instance="JP-KIT")
    prepare(load_definition("securityserver"), settings)
    signing = load_signing_keys(settings)

    assert member_id(settings) == "JP-KIT/GOV/MOJ"
    assert common_name(signing.certificate.subject) == "JP-KIT/GOV/MOJ"
    key_usage = signing.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert key_usage.digital_signature
    assert key_usage.content_commitment
    with pytest.raises(x509.ExtensionNotFound):
        signing.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)

    # What the proxy will do: sign with these keys, verify by global conf's fingerprint and
    # by the kit root.
    now = datetime.now(UTC)
    header_part = request_header_part("GET", "/r1/JP-KIT/GOV/DA/portal/x", [])
    token = sign_message(
        "request", header_part, None, signer=member_id(settings), key=signing.key,
        chain=signing.full_chain, now=now,
    )  # fmt: skip
    verified = verify_message(
        token, header_part, None, kind="request", expected_signer="JP-KIT/GOV/MOJ", now=now,
        trusted_fingerprints={signing.fingerprint()}, roots=[kit_root],
    )  # fmt: skip
    assert verified.fingerprint == signing.fingerprint()


def test_a_public_host_name_joins_localhost(trust_service: RunningTrust, tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, "GOV/JPS", trust_service, public_url="http://ss-jps.kit.internal:8103"
    )
    lines = prepare(load_definition("securityserver"), settings).seeded
    assert lines[0].startswith("new tls certificate for localhost, ss-jps.kit.internal ")
    san = load_tls_keys(settings).certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert san.value.get_values_for_type(x509.DNSName) == ["localhost", "ss-jps.kit.internal"]


def test_a_changed_member_gets_new_certificates(
    trust_service: RunningTrust, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, "GOV/DA", trust_service)
    definition = load_definition("securityserver")
    prepare(definition, settings)
    before = load_signing_keys(settings).fingerprint()
    moved = settings.model_copy(update={"exchange_instance": "JP-TEST"})
    lines = prepare(definition, moved).seeded
    assert lines[0].startswith("new tls certificate")
    assert lines[1].startswith("new signing certificate for JP-TEST/GOV/DA ")
    assert load_signing_keys(moved).fingerprint() != before


def test_without_a_registration_token_prepare_says_so(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "GOV/DA", None)
    seeded = prepare(load_definition("securityserver"), settings).seeded
    assert seeded == ("no TLS or signing keys (no registration token): exchange traffic disabled",)
    assert not (settings.data_dir / "keys").exists()
    with pytest.raises(KeysMissing, match="kit prepare"):
        load_signing_keys(settings)


def _tls_context(keys: MemberKeys, side: int) -> ssl.SSLContext:
    context = ssl.SSLContext(side)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(keys.chain_path, keys.key_path)
    context.load_verify_locations(cadata=keys.root_pem())
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def test_two_servers_authenticate_each_other_over_loopback(
    trust_service: RunningTrust, tmp_path: Path
) -> None:
    """Mutual TLS on localhost with the issued certificates; each side sees the other's
    fingerprint (what it compares with global configuration's tls_fingerprint)."""
    definition = load_definition("securityserver")
    consumer_settings = _settings(tmp_path, "GOV/DA", trust_service)
    provider_settings = _settings(tmp_path, "GOV/LG-139998", trust_service)
    prepare(definition, consumer_settings)
    prepare(definition, provider_settings)
    consumer, provider = load_tls_keys(consumer_settings), load_tls_keys(provider_settings)
    assert consumer.purpose is Purpose.TLS

    server_context = _tls_context(provider, ssl.PROTOCOL_TLS_SERVER)
    client_context = _tls_context(consumer, ssl.PROTOCOL_TLS_CLIENT)
    seen: dict[str, str] = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            connection, _address = listener.accept()
            with server_context.wrap_socket(connection, server_side=True) as tls:
                peer = tls.getpeercert(binary_form=True)
                seen["client"] = fingerprint(x509.load_der_x509_certificate(peer or b""))
                tls.sendall(b"ok")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client_context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            peer = tls.getpeercert(binary_form=True)
            seen["server"] = fingerprint(x509.load_der_x509_certificate(peer or b""))
            assert tls.recv(2) == b"ok"
        thread.join(timeout=5)
    assert seen == {"client": consumer.fingerprint(), "server": provider.fingerprint()}
