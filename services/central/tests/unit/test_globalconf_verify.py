"""Signing and verifying the configuration: what a security server checks on every copy."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from central.domain.globalconf import MemberState, RegistryState, ServerState, SubsystemState, build
from central.domain.identifiers import MemberId, ServerId, SubsystemId
from govkit.exchange import globalconf

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DA = MemberId("GOV", "DA")
PORTAL = SubsystemId(DA, "portal")
KEY = ec.generate_private_key(ec.SECP256R1())
ANCHOR = globalconf.public_jwk(KEY)


def payload(now: datetime = NOW) -> dict[str, object]:
    return build(
        RegistryState(
            instance="JP-KIT",
            members=[MemberState(DA, "デジタル庁 (Digital Agency)")],
            subsystems=[SubsystemState(PORTAL)],
            servers=[
                ServerState(ServerId(DA, "ss-da"), "localhost:8200", "ab" * 32, None, (PORTAL,))
            ],
        ),
        now,
    )


def test_a_signed_configuration_verifies_with_the_anchor() -> None:
    signed = globalconf.sign(payload(), KEY)
    config = globalconf.verify(signed, ANCHOR, NOW + timedelta(minutes=1), instance="JP-KIT")
    assert config.instance == "JP-KIT"
    assert config.generated_at == NOW
    assert config.expires_at == NOW + timedelta(minutes=10)
    assert config.member("GOV/DA").name == "デジタル庁 (Digital Agency)"  # type: ignore[union-attr]
    assert config.subsystems == ("GOV/DA/portal",)
    [server] = config.servers_hosting("GOV/DA/portal")
    assert server.address == "localhost:8200"
    assert config.server_with_tls_fingerprint("AB:" * 31 + "AB") == server
    assert config.servers_hosting("GOV/DA/other") == ()
    assert not config.is_expired(NOW + timedelta(minutes=9, seconds=59))


def test_the_header_names_the_key_and_the_type() -> None:
    signed = globalconf.sign(payload(), KEY)
    header = json.loads(base64.urlsafe_b64decode(signed.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "typ": "globalconf+jws", "kid": ANCHOR["kid"]}
    assert globalconf.thumbprint(ANCHOR) == ANCHOR["kid"]
    assert set(ANCHOR) == {"kty", "crv", "x", "y", "alg", "use", "kid"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_tampered_payload_is_refused() -> None:
    header, body, signature = globalconf.sign(payload(), KEY).split(".")
    changed = json.loads(base64.urlsafe_b64decode(body + "=="))
    changed["security_servers"][0]["address"] = "evil.example:8200"
    forged = ".".join([header, _b64(json.dumps(changed).encode()), signature])
    with pytest.raises(globalconf.BadSignature, match="does not verify"):
        globalconf.verify(forged, ANCHOR, NOW)


def test_one_changed_byte_of_the_signature_is_refused() -> None:
    signed = globalconf.sign(payload(), KEY)
    flipped = signed[:-2] + ("A" if signed[-2] != "A" else "B") + signed[-1]
    with pytest.raises(globalconf.BadSignature):
        globalconf.verify(flipped, ANCHOR, NOW)


def test_another_key_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(globalconf.BadSignature, match="anchor"):
        globalconf.verify(globalconf.sign(payload(), other), ANCHOR, NOW)


def test_an_expired_configuration_is_refused() -> None:
    signed = globalconf.sign(payload(), KEY)
    globalconf.verify(signed, ANCHOR, NOW + timedelta(minutes=9, seconds=59))
    with pytest.raises(globalconf.Expired, match="expired at 2026-11-21T09:10:00Z"):
        globalconf.verify(signed, ANCHOR, NOW + timedelta(minutes=10))


def test_a_configuration_from_the_future_is_refused() -> None:
    signed = globalconf.sign(payload(NOW + timedelta(minutes=5)), KEY)
    with pytest.raises(globalconf.NotYetValid):
        globalconf.verify(signed, ANCHOR, NOW)
    # a central clock a few seconds ahead is tolerated
    ahead = globalconf.sign(payload(NOW + timedelta(seconds=20)), KEY)
    globalconf.verify(ahead, ANCHOR, NOW)


@pytest.mark.parametrize(
    "signed",
    ["", "not a jws", "a.b", "a.b.c", "é.é.é", b"\xff\xfe"],
)
def test_garbage_is_malformed(signed: str | bytes) -> None:
    with pytest.raises(globalconf.GlobalConfError):
        globalconf.verify(signed, ANCHOR, NOW)


def test_a_signed_document_that_is_not_a_configuration_is_malformed() -> None:
    from joserfc import jws
    from joserfc.jwk import ECKey

    key = ECKey.import_key(globalconf.public_jwk(KEY) | {"d": _private_d()})
    other_type = jws.serialize_compact(
        {"alg": "ES256", "typ": "JWT"}, json.dumps(payload()).encode(), key
    )
    with pytest.raises(globalconf.Malformed, match="typ"):
        globalconf.verify(other_type, ANCHOR, NOW)
    broken = dict(payload())
    del broken["members"]
    with pytest.raises(globalconf.Malformed, match="members"):
        globalconf.verify(globalconf.sign(broken, KEY), ANCHOR, NOW)


def _private_d() -> str:
    value = KEY.private_numbers().private_value.to_bytes(32, "big")
    return _b64(value)


def test_the_instance_can_be_required() -> None:
    signed = globalconf.sign(payload(), KEY)
    with pytest.raises(globalconf.Malformed, match="expected EE"):
        globalconf.verify(signed, ANCHOR, NOW, instance="EE")


def test_the_anchor_must_be_a_public_p256_jwk() -> None:
    signed = globalconf.sign(payload(), KEY)
    with pytest.raises(globalconf.GlobalConfError, match="private"):
        globalconf.verify(signed, ANCHOR | {"d": _private_d()}, NOW)
    with pytest.raises(globalconf.GlobalConfError, match="not an EC public key"):
        globalconf.verify(signed, {"kty": "EC"}, NOW)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        globalconf.verify(globalconf.sign(payload(), KEY), ANCHOR, datetime(2026, 11, 21, 9))  # noqa: DTZ001
