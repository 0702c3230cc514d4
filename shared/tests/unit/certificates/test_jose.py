"""Compact JWS with an ``x5c`` chain: what ``sign`` makes ``verify`` accepts against the root and
returns unchanged; anything else is a ``SignatureError`` — another root, a changed payload or
signature, a trusted chain carried by a token another key signed, ``alg: none`` or HS256
tokens, a wrong ``typ``, a chain not valid at the moment asked about, or text that is not a
token at all."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.certificates import jose
from govkit.certificates.keys import der

PAYLOAD = {"document_id": "DA-1", "status": "issued", "name": "見本 花子", "n": [1, 2, 3]}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _parts(token: str) -> list[str]:
    return token.split(".")


def _header(token: str) -> dict[str, Any]:
    encoded = _parts(token)[0]
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


@pytest.fixture(scope="module")
def token(signer, root) -> str:
    return jose.sign(PAYLOAD, signer.key, [signer.certificate, root.certificate], typ="test+jwt")


def test_round_trip(token: str, signer, root) -> None:
    payload, chain = jose.verify(token, [root.certificate])
    assert payload == PAYLOAD
    assert [der(c) for c in chain] == [der(signer.certificate), der(root.certificate)]


def test_header_carries_es256_the_type_and_the_chain(token: str, signer, root) -> None:
    header = _header(token)
    assert header["alg"] == "ES256"
    assert header["typ"] == "test+jwt"
    assert [base64.b64decode(c) for c in header["x5c"]] == [
        der(signer.certificate),
        der(root.certificate),
    ]


def test_expected_type_is_checked(token: str, root) -> None:
    assert jose.verify(token, [root.certificate], typ="test+jwt")[0] == PAYLOAD
    with pytest.raises(jose.SignatureError, match="unexpected type"):
        jose.verify(token, [root.certificate], typ="madoguchi-trust-list+jwt")


def test_surrounding_whitespace_is_ignored(token: str, root) -> None:
    assert jose.verify(f"\n{token}  \n", [root.certificate])[0] == PAYLOAD


def test_chain_through_an_intermediate(root) -> None:
    ca = root.issue("Intermediate", ca=True)
    leaf = ca.issue("Leaf")
    token = jose.sign(PAYLOAD, leaf.key, [leaf.certificate, ca.certificate, root.certificate])
    assert jose.verify(token, [root.certificate])[0] == PAYLOAD


def test_another_root_is_refused(token: str, new_root: Callable) -> None:
    with pytest.raises(jose.SignatureError, match="not trusted"):
        jose.verify(token, [new_root("Another Root").certificate])


def test_a_trusted_chain_on_a_token_another_key_signed_is_refused(signer, root) -> None:
    """The x5c names a trusted certificate, but its key did not make the signature."""
    forger = ec.generate_private_key(ec.SECP256R1())
    forged = jose.sign(PAYLOAD, forger, [signer.certificate, root.certificate])
    with pytest.raises(jose.SignatureError, match="does not match"):
        jose.verify(forged, [root.certificate])


def _replace_payload(token: str) -> str:
    header, _payload, signature = _parts(token)
    changed = json.dumps({**PAYLOAD, "status": "revoked"}, separators=(",", ":")).encode()
    return ".".join([header, _b64url(changed), signature])


def _flip_signature(token: str) -> str:
    header, payload, signature = _parts(token)
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01
    return ".".join([header, payload, _b64url(bytes(raw))])


def _drop_signature(token: str) -> str:
    header, payload, _signature = _parts(token)
    return f"{header}.{payload}."


def _swap_header(token: str, **changes: Any) -> str:
    _header_text, payload, signature = _parts(token)
    header = {**_header(token), **changes}
    return ".".join([_b64url(json.dumps(header).encode()), payload, signature])


NO_MATCH, NOT_A_TOKEN = "the signature does not match", "not a signed kit document"
TAMPERED: list[tuple[str, Callable[[str], str], str]] = [
    ("payload replaced", _replace_payload, NO_MATCH),
    ("signature byte flipped", _flip_signature, NO_MATCH),
    ("signature dropped", _drop_signature, NO_MATCH),
    ("typ changed in the header", lambda t: _swap_header(t, typ="other+jwt"), NO_MATCH),
    ("x5c removed", lambda t: ".".join([_b64url(b'{"alg":"ES256"}'), *_parts(t)[1:]]), NOT_A_TOKEN),
    ("x5c not DER", lambda t: _swap_header(t, x5c=["bm90IGEgY2VydGlmaWNhdGU="]), NOT_A_TOKEN),
]


@pytest.mark.parametrize(
    ("change", "reason"), [(c, r) for _, c, r in TAMPERED], ids=[n for n, _, _ in TAMPERED]
)
def test_tampered_tokens_are_refused(
    token: str, root, change: Callable[[str], str], reason: str
) -> None:
    jose.verify(token, [root.certificate])  # the untouched token passes: the change is the cause
    with pytest.raises(jose.SignatureError, match=reason):
        jose.verify(change(token), [root.certificate])


def _unsigned(signer, root, alg: str) -> str:
    header = {
        "alg": alg,
        "typ": "JWT",
        "x5c": [base64.b64encode(der(c)).decode() for c in (signer.certificate, root.certificate)],
    }
    return f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(PAYLOAD).encode())}"


def _alg_none(signer, root) -> str:
    return _unsigned(signer, root, "none") + "."


def _hs256_with(secret: bytes) -> Callable[[Any, Any], str]:
    def make(signer, root) -> str:
        signing_input = _unsigned(signer, root, "HS256")
        mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
        return f"{signing_input}.{_b64url(mac)}"

    return make


def _hs256_keyed_by_the_public_key(signer, root) -> str:
    """The classic confusion: HMAC keyed with the (public) certificate key."""
    public = signer.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _hs256_with(public)(signer, root)


OTHER_ALGORITHMS = [
    ("alg none", _alg_none),
    ("HS256", _hs256_with(b"shared secret")),
    ("HS256 keyed by the public key", _hs256_keyed_by_the_public_key),
]


@pytest.mark.parametrize(
    "make", [m for _, m in OTHER_ALGORITHMS], ids=[n for n, _ in OTHER_ALGORITHMS]
)
def test_tokens_with_another_algorithm_are_refused(signer, root, make: Callable) -> None:
    with pytest.raises(jose.SignatureError, match="unexpected algorithm"):
        jose.verify(make(signer, root), [root.certificate])


def test_a_chain_not_valid_at_the_moment_is_refused(root) -> None:
    start = root.certificate.not_valid_before_utc
    short = root.issue("Short-lived", not_before=start, not_after=start + timedelta(days=2))
    token = jose.sign(PAYLOAD, short.key, [short.certificate, root.certificate])
    inside = start + timedelta(days=1)
    assert jose.verify(token, [root.certificate], at=inside)[0] == PAYLOAD
    with pytest.raises(jose.SignatureError, match="not valid at"):
        jose.verify(token, [root.certificate], at=start + timedelta(days=3))
    with pytest.raises(jose.SignatureError, match="not valid at"):
        jose.verify(token, [root.certificate], at=start - timedelta(days=1))


def test_an_expired_chain_is_refused_now(root) -> None:
    start = root.certificate.not_valid_before_utc
    expired = root.issue("Expired", not_before=start, not_after=start + timedelta(hours=1))
    token = jose.sign(PAYLOAD, expired.key, [expired.certificate, root.certificate])
    with pytest.raises(jose.SignatureError, match="not valid at"):
        jose.verify(token, [root.certificate])


def test_a_payload_that_is_not_an_object_is_refused(signer, root) -> None:
    token = jose.sign([1, 2, 3], signer.key, [signer.certificate, root.certificate])  # type: ignore[arg-type]
    with pytest.raises(jose.SignatureError, match="not a JSON object"):
        jose.verify(token, [root.certificate])


@pytest.mark.parametrize(
    "text", ["", "not a token", "a.b.c", "a.b", "....", "ünïcödé.x.y", "e30.e30.e30"]
)
def test_text_that_is_not_a_token_is_refused(root, text: str) -> None:
    with pytest.raises(jose.SignatureError, match=NOT_A_TOKEN):
        jose.verify(text, [root.certificate])
