"""Message signatures between security servers (securityserver.signing, xroad.md §3.4, §7).

Keys and certificates are made here with `cryptography`: a root, a security-server CA under it
and signing certificates shaped like trust's ``securityserver-signing`` profile.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

import securityserver.signing
from govkit.certificates.keys import fingerprint
from govkit.exchange.globalconf import GlobalConfiguration, SecurityServer
from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.headers import request_hash, request_header_part, response_header_part
from securityserver.protocol.identifiers import ClientId, ServiceId
from securityserver.signing import (
    TYP,
    sign_message,
    trusted_signing_fingerprints,
    verify_message,
)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
CONSUMER = ClientId("JP-KIT", "GOV", "DA", "portal")
PROVIDER = ClientId("JP-KIT", "GOV", "LG-139998", "juminhyou")
SERVICE = ServiceId(PROVIDER, "basic-four")


# -- a small PKI ---------------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    commitment: bool = True,
    not_after: datetime = NOW + timedelta(days=365),
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        usage = x509.KeyUsage(
            digital_signature=True, content_commitment=commitment, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False,
        )  # fmt: skip
        builder = builder.add_extension(usage, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class Signer:
    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.chain[0])


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    ca: x509.Certificate
    ca_key: ec.EllipticCurvePrivateKey

    def signer(self, member: str, **options: object) -> Signer:
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate(member, key, self.ca, self.ca_key, ca=False, **options)  # type: ignore[arg-type]
        return Signer(key, (leaf, self.ca, self.root))


def _pki() -> Pki:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Test Root", root_key, None, root_key, ca=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test Security Server CA", ca_key, root, root_key, ca=True)
    return Pki(root, ca, ca_key)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return _pki()


@pytest.fixture(scope="module")
def consumer(pki: Pki) -> Signer:
    return pki.signer("JP-KIT/GOV/DA")


@pytest.fixture(scope="module")
def provider(pki: Pki) -> Signer:
    return pki.signer("JP-KIT/GOV/LG-139998")


# -- messages ------------------------------------------------------------------------------------

BODY = b'{"query": "basic four", "pad": "' + b"x" * 2000 + b'"}'


def _request_part(request_id: str = "6a1f0d6e-0000-4000-8000-000000000001") -> bytes:
    return request_header_part(
        "POST",
        "/r1/JP-KIT/GOV/LG-139998/juminhyou/basic-four/residents?x=1",
        [
            ("Content-Type", "application/json"),
            ("X-Road-Client", str(CONSUMER)),
            ("X-Road-Id", "JP-KIT-1"),
            ("X-Road-Request-Id", request_id),
        ],
    )


RESPONSE_PART = response_header_part(200, "OK", [("Content-Type", "application/json")])
RESPONSE_BODY = b'{"name": "\xe5\xb1\xb1\xe7\x94\xb0"}'


def _sign_request(signer: Signer, *, member: str = "JP-KIT/GOV/DA", **options: object) -> str:
    return sign_message(
        "request", _request_part(), BODY, signer=member, key=signer.key, chain=signer.chain,
        now=options.pop("now", NOW), **options,  # type: ignore[arg-type]
    )  # fmt: skip


def _verify_request(token: str, signer: Signer | None = None, **options: object) -> object:
    checks: dict[str, object] = {"now": NOW, "expected_signer": CONSUMER.member}
    if signer is not None:
        checks["trusted_fingerprints"] = {signer.fingerprint}
    checks.update(options)
    header_part = checks.pop("header_part", _request_part())
    body = checks.pop("body", BODY)
    return verify_message(token, header_part, body, kind="request", **checks)  # type: ignore[arg-type]


def _hash() -> str:
    return request_hash(_request_part(), BODY)


def _sign_response(signer: Signer, *, hash_: str | None = None) -> str:
    return sign_message(
        "response", RESPONSE_PART, RESPONSE_BODY, signer=PROVIDER.member, key=signer.key,
        chain=signer.chain, now=NOW, request_hash=hash_ or _hash(),
    )  # fmt: skip


def _verify_response(token: str, signer: Signer, *, hash_: str | None = None) -> object:
    return verify_message(
        token, RESPONSE_PART, RESPONSE_BODY, kind="response", expected_signer=PROVIDER.member,
        now=NOW, trusted_fingerprints={signer.fingerprint}, request_hash=hash_ or _hash(),
    )  # fmt: skip


def _segments(token: str) -> list[dict[str, object] | bytes]:
    head, payload, signature = token.split(".")
    return [
        json.loads(base64.urlsafe_b64decode(head + "==")),
        json.loads(base64.urlsafe_b64decode(payload + "==")),
        base64.urlsafe_b64decode(signature + "=="),
    ]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _encode(value: object) -> str:
    return _b64url(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())


def _raises(code: str, call: object, *args: object, **kwargs: object) -> ExchangeError:
    with pytest.raises(ExchangeError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- round trips ---------------------------------------------------------------------------------


def test_a_signed_request_verifies_against_the_registered_fingerprint(consumer: Signer) -> None:
    verified = _verify_request(_sign_request(consumer), consumer)
    assert verified.signer == "JP-KIT/GOV/DA"  # type: ignore[attr-defined]
    assert verified.kind == "request"  # type: ignore[attr-defined]
    assert verified.signed_at == NOW  # type: ignore[attr-defined]
    assert verified.fingerprint == consumer.fingerprint  # type: ignore[attr-defined]


def test_a_signed_request_verifies_against_the_ca(consumer: Signer, pki: Pki) -> None:
    _verify_request(_sign_request(consumer), roots=[pki.root])


def test_the_jws_has_the_documented_shape(consumer: Signer) -> None:
    header, payload, signature = _segments(_sign_request(consumer))
    assert header["alg"] == "ES256"  # type: ignore[index]
    assert header["typ"] == TYP  # type: ignore[index]
    assert len(header["x5c"]) == 3  # type: ignore[index,arg-type]
    assert payload == {
        "v": 1,
        "kind": "request",
        "signer": "JP-KIT/GOV/DA",
        "parts": [
            {"name": "header", "sha512": base64.b64encode(_sha512(_request_part())).decode()},
            {"name": "body", "sha512": base64.b64encode(_sha512(BODY)).decode()},
        ],
        "ts": "2026-11-21T09:00:00.000Z",
    }
    assert len(signature) == 64  # type: ignore[arg-type]


def _sha512(data: bytes) -> bytes:
    return hashlib.sha512(data).digest()


def test_a_request_without_a_body_signs_the_header_part_only(consumer: Signer) -> None:
    token = sign_message(
        "request", _request_part(), None, signer=CONSUMER.member, key=consumer.key,
        chain=consumer.chain, now=NOW,
    )  # fmt: skip
    assert [p["name"] for p in _segments(token)[1]["parts"]] == ["header"]  # type: ignore[index,union-attr]
    _verify_request(token, consumer, body=b"")
    _raises("Server.ServerProxy.InvalidSignatureValue", _verify_request, token, consumer)


def test_a_signed_response_verifies_and_is_bound_to_its_request(provider: Signer) -> None:
    verified = _verify_response(_sign_response(provider), provider)
    assert verified.payload["request_hash"] == _hash()  # type: ignore[attr-defined]


# -- changed after signing -----------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 1000, len(BODY) - 1])
def test_one_changed_byte_of_the_body_fails(consumer: Signer, position: int) -> None:
    changed = bytearray(BODY)
    changed[position] ^= 0x01
    error = _raises(
        "Server.ServerProxy.InvalidSignatureValue",
        _verify_request,
        _sign_request(consumer),
        consumer,
        body=bytes(changed),
    )
    assert error.status == 500


def test_one_changed_byte_of_the_header_part_fails(consumer: Signer) -> None:
    changed = _request_part().replace(b"x=1", b"x=2")
    _raises(
        "Server.ServerProxy.InvalidSignatureValue",
        _verify_request,
        _sign_request(consumer),
        consumer,
        header_part=changed,
    )


def test_a_request_signed_for_another_request_id_fails(consumer: Signer) -> None:
    other = _request_part("6a1f0d6e-0000-4000-8000-000000000002")
    _raises(
        "Server.ServerProxy.InvalidSignatureValue",
        _verify_request,
        _sign_request(consumer),
        consumer,
        header_part=other,
    )


def test_a_changed_response_body_fails_at_the_consumer(provider: Signer) -> None:
    token = _sign_response(provider)
    _raises(
        "Server.ClientProxy.InvalidSignatureValue",
        verify_message,
        token, RESPONSE_PART, RESPONSE_BODY + b" ", kind="response",
        expected_signer=PROVIDER.member, now=NOW, trusted_fingerprints={provider.fingerprint},
        request_hash=_hash(),
    )  # fmt: skip


def test_a_changed_payload_breaks_the_signature(consumer: Signer) -> None:
    head, _payload, signature = _sign_request(consumer).split(".")
    body = _segments(_sign_request(consumer))[1]
    body["ts"] = "2026-11-21T09:00:01.000Z"  # type: ignore[index]
    forged = f"{head}.{_encode(body)}.{signature}"
    _raises("Server.ServerProxy.InvalidSignatureValue", _verify_request, forged, consumer)


# -- who signed ----------------------------------------------------------------------------------


def test_the_expected_signer_may_be_given_as_the_subsystem(consumer: Signer) -> None:
    """The proxy can pass the parsed X-Road-Client itself: its member is the signer."""
    assert _verify_request(_sign_request(consumer), consumer, expected_signer=CONSUMER)


def test_the_signer_must_be_the_client_member(consumer: Signer) -> None:
    """A request for GOV/DA's subsystem signed by GOV/DA is refused when the X-Road-Client
    says another member."""
    _raises(
        "Server.ServerProxy.IncorrectCertificate",
        _verify_request,
        _sign_request(consumer),
        consumer,
        expected_signer=ClientId("JP-KIT", "GOV", "MOJ"),
    )


def test_a_member_cannot_sign_in_another_members_name(pki: Pki) -> None:
    """GOV/MOJ's own, valid certificate cannot sign a payload claiming GOV/DA."""
    moj = pki.signer("JP-KIT/GOV/MOJ")
    token = _sign_request(moj, member="JP-KIT/GOV/DA")
    _raises("Server.ServerProxy.IncorrectCertificate", _verify_request, token, roots=[pki.root])


def test_a_certificate_not_registered_in_global_conf_is_refused(pki: Pki) -> None:
    """Same member name, same CA, but not the certificate global configuration lists."""
    impostor = pki.signer("JP-KIT/GOV/DA")
    registered = pki.signer("JP-KIT/GOV/DA")
    _raises(
        "Server.ServerProxy.IncorrectCertificate",
        _verify_request,
        _sign_request(impostor),
        registered,
    )


def test_a_certificate_from_another_ca_is_refused(consumer: Signer) -> None:
    stranger = _pki().signer("JP-KIT/GOV/DA")
    _raises(
        "Server.ServerProxy.InvalidCertPath",
        _verify_request,
        _sign_request(stranger),
        roots=[_pki().root],
    )
    del consumer


def test_an_expired_certificate_is_refused_by_the_ca_check(pki: Pki) -> None:
    old = pki.signer("JP-KIT/GOV/DA", not_after=NOW - timedelta(minutes=1))
    _raises(
        "Server.ServerProxy.InvalidCertPath", _verify_request, _sign_request(old), roots=[pki.root]
    )


def test_a_certificate_that_is_not_for_signing_is_refused(pki: Pki) -> None:
    """A TLS certificate (no non-repudiation key usage) is not a message-signing certificate."""
    tls = pki.signer("JP-KIT/GOV/DA", commitment=False)
    _raises(
        "Server.ServerProxy.InvalidCertPath", _verify_request, _sign_request(tls), roots=[pki.root]
    )


def test_fingerprints_come_from_the_servers_hosting_the_client(consumer: Signer) -> None:
    def server(
        code: str, owner: str, signing: str | None, clients: tuple[str, ...]
    ) -> SecurityServer:
        return SecurityServer(f"{owner}/{code}", owner, code, None, None, signing, clients)

    conf = GlobalConfiguration(
        instance="JP-KIT", generated_at=NOW, expires_at=NOW + timedelta(minutes=10),
        members=(), subsystems=("GOV/DA/portal", "GOV/MOJ/company"),
        security_servers=(
            server("ss-da", "GOV/DA", consumer.fingerprint.upper(), ("GOV/DA/portal",)),
            server("ss-moj", "GOV/MOJ", "ab" * 32, ("GOV/MOJ/company",)),
            server("ss-new", "GOV/DA", None, ("GOV/DA/portal",)),
        ),
        groups=(), payload={},
    )  # fmt: skip
    trusted = trusted_signing_fingerprints(conf, CONSUMER)
    assert trusted == {consumer.fingerprint}
    _verify_request(_sign_request(consumer), trusted_fingerprints=trusted)
    moj = trusted_signing_fingerprints(conf, ClientId("JP-KIT", "GOV", "MOJ", "company"))
    _raises(
        "Server.ServerProxy.IncorrectCertificate",
        _verify_request,
        _sign_request(consumer),
        trusted_fingerprints=moj,
    )
    assert trusted_signing_fingerprints(conf, ClientId("XX", "GOV", "DA", "portal")) == set()


# -- request binding and time --------------------------------------------------------------------


def test_a_response_for_another_request_is_inconsistent(provider: Signer) -> None:
    other = request_hash(_request_part("6a1f0d6e-0000-4000-8000-000000000002"), BODY)
    error = _raises(
        "Server.ClientProxy.InconsistentResponse",
        _verify_response,
        _sign_response(provider, hash_=other),
        provider,
    )
    assert error.status == 500


def test_a_request_signature_cannot_pass_as_a_response(consumer: Signer) -> None:
    _raises(
        "Server.ClientProxy.MalformedSignature",
        verify_message,
        _sign_request(consumer), _request_part(), BODY, kind="response",
        expected_signer=CONSUMER.member, now=NOW, trusted_fingerprints={consumer.fingerprint},
        request_hash=_hash(),
    )  # fmt: skip


@pytest.mark.parametrize(
    "offset", [timedelta(seconds=-61), timedelta(seconds=61), timedelta(hours=-5)]
)
def test_a_signature_outside_the_allowed_skew_is_refused(
    consumer: Signer, offset: timedelta
) -> None:
    token = _sign_request(consumer, now=NOW + offset)
    _raises("Server.ServerProxy.InvalidSignatureTime", _verify_request, token, consumer)


def test_the_skew_is_configurable_and_can_be_skipped(consumer: Signer) -> None:
    token = _sign_request(consumer, now=NOW - timedelta(minutes=5))
    _verify_request(token, consumer, max_skew=timedelta(minutes=10))
    _verify_request(token, consumer, max_skew=None)
    _verify_request(_sign_request(consumer, now=NOW - timedelta(seconds=59)), consumer)


# -- malformed and downgraded --------------------------------------------------------------------


def test_alg_none_is_refused(consumer: Signer) -> None:
    header, payload, _signature = _segments(_sign_request(consumer))
    header["alg"] = "none"  # type: ignore[index]
    token = f"{_encode(header)}.{_encode(payload)}."
    _raises("Server.ServerProxy.MalformedSignature", _verify_request, token, consumer)


@pytest.mark.parametrize("alg", ["HS256", "HS512", "ES384", "RS256", "EdDSA"])
def test_other_algorithms_are_refused(consumer: Signer, alg: str) -> None:
    """An HMAC keyed with the certificate's public key (the classic confusion) is refused."""
    header, payload, _signature = _segments(_sign_request(consumer))
    header["alg"] = alg  # type: ignore[index]
    signing_input = f"{_encode(header)}.{_encode(payload)}"
    mac = hmac.HMAC(consumer.chain[0].public_bytes(serialization.Encoding.DER), hashes.SHA256())
    mac.update(signing_input.encode())
    token = f"{signing_input}.{_b64url(mac.finalize())}"
    _raises("Server.ServerProxy.MalformedSignature", _verify_request, token, consumer)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a jws",
        "a.b",
        "a.b.c.d",
        "!!!.???.***",
        f"{_encode([1, 2])}.{_encode({})}.AAAA",
        f"{_encode({'alg': 'ES256'})}.{_encode({})}.{_b64url(bytes(64))}",
        "x" * 70_000,
    ],
)
def test_malformed_signatures_are_refused(consumer: Signer, token: str) -> None:
    _raises("Server.ServerProxy.MalformedSignature", _verify_request, token, consumer)


@pytest.mark.parametrize(
    "change",
    [
        {"x5c": []},
        {"x5c": ["bm90IGEgY2VydGlmaWNhdGU="]},
        {"typ": "JWT"},
        {"jku": "https://attacker.example/keys"},
    ],
)
def test_headers_of_the_wrong_shape_are_refused(
    consumer: Signer, change: dict[str, object]
) -> None:
    header, payload, signature = _segments(_sign_request(consumer))
    header.update(change)  # type: ignore[union-attr]
    token = f"{_encode(header)}.{_encode(payload)}.{_b64url(signature)}"  # type: ignore[arg-type]
    _raises("Server.ServerProxy.MalformedSignature", _verify_request, token, consumer)


@pytest.mark.parametrize(
    "change",
    [
        {"v": 2},
        {"v": True},
        {"parts": [{"name": "body", "sha512": "x"}]},
        {"parts": "header"},
        {"signer": ["JP-KIT/GOV/DA"]},
        {"ts": 1_763_715_600},
        {"request_hash": "abc"},
        {"extra": 1},
    ],
)
def test_payloads_of_the_wrong_shape_are_refused(
    consumer: Signer, change: dict[str, object]
) -> None:
    """Checked before the signature, so re-signing with the right key is not needed here."""
    header, payload, signature = _segments(_sign_request(consumer))
    payload.update(change)  # type: ignore[union-attr]
    token = f"{_encode(header)}.{_encode(payload)}.{_b64url(signature)}"  # type: ignore[arg-type]
    _raises("Server.ServerProxy.MalformedSignature", _verify_request, token, consumer)


def test_an_unreadable_time_is_malformed(consumer: Signer) -> None:
    """A well-signed payload whose ts cannot be read (only a buggy signer makes one)."""
    header, payload, _signature = _segments(_sign_request(consumer))
    payload["ts"] = "yesterday"  # type: ignore[index]
    signing_input = f"{_encode(header)}.{_encode(payload)}"
    r, s = decode_dss_signature(
        consumer.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    )
    token = f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    _raises("Server.ServerProxy.MalformedSignature", _verify_request, token, consumer)


# -- misuse by the caller ------------------------------------------------------------------------


def test_callers_must_say_what_to_trust(consumer: Signer) -> None:
    with pytest.raises(ValueError, match="trusted"):
        verify_message(
            _sign_request(consumer), _request_part(), BODY, kind="request",
            expected_signer=CONSUMER.member, now=NOW,
        )  # fmt: skip


def test_only_responses_are_bound_to_a_request_hash(consumer: Signer) -> None:
    with pytest.raises(ValueError, match="request hash"):
        _sign_request(consumer, request_hash=_hash())
    with pytest.raises(ValueError, match="request hash"):
        sign_message(
            "response", RESPONSE_PART, None, signer=PROVIDER.member, key=consumer.key,
            chain=consumer.chain, now=NOW,
        )  # fmt: skip


def test_a_subsystem_cannot_be_the_signer(consumer: Signer) -> None:
    with pytest.raises(ValueError, match="member"):
        _sign_request(consumer, member=CONSUMER)  # type: ignore[arg-type]


def test_the_signing_module_stays_pure() -> None:
    """No web framework, database, network, clock or randomness imported by signing.py."""
    tree = ast.parse(Path(securityserver.signing.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    banned = {"flask", "sqlmodel", "sqlalchemy", "requests", "socket", "ssl", "os", "time"}
    assert not {name.split(".")[0] for name in imported} & banned
    assert not any(name.startswith("govkit.http") or name == "govkit.db" for name in imported)
