"""Message signing between security servers: a compact JWS over the REST header part and body.

X-Road signs each message with the member's key as XAdES/BDOC over the SHA-512 digests of its
parts (xroad.md §3.4); the kit keeps the digests and the checks and replaces the container with
a compact JWS (ES256, xroad.md §7 "May simplify"). Pure: no Flask, database or network; the
clock is an argument.

Protected header::

    {"alg": "ES256", "typ": "madoguchi-exchange+jws", "x5c": [leaf, issuing CA, ..., root]}

Payload (canonical JSON: sorted keys, no spaces, UTF-8)::

    {"v": 1, "kind": "request" | "response", "signer": "JP-KIT/GOV/LG-139998",
     "parts": [{"name": "header", "sha512": b64}, {"name": "body", "sha512": b64}],
     "ts": "2026-11-21T09:00:00.000Z",
     "request_hash": b64}            # responses only: the X-Road-Request-Hash they answer

``header`` is :func:`~securityserver.protocol.headers.request_header_part` (or
``response_header_part``); the ``body`` part is present only when there is a body (an empty
body counts as none, as in the request hash). Digests are standard base64 with padding, like
``X-Road-Request-Hash``.

Fault codes. The prefix says *which security server found the problem* (xroad.md §1.7): the
provider's checks a request (``Server.ServerProxy.*``), the consumer's checks a response
(``Server.ClientProxy.*``). Neither is ``Client.*``: the consumer's information system did not
sign anything, a security server did, so a bad signature is never the IS's fault. Then:

* ``MalformedSignature``: not a compact JWS, a header or payload of the wrong shape, an
  algorithm other than ES256 (``none`` and ``HS*`` included), no ``x5c``, the wrong ``kind``.
* ``InvalidSignatureValue``: the signature does not verify with the certificate's key, or a
  part's digest differs from the message received (one changed byte of header or body). XAdES
  signs the part digests inside ``SignedInfo``, so X-Road reports both as a bad signature value.
* ``IncorrectCertificate``: the signer is not the member it must be (the ``X-Road-Client``
  member for a request, the provider member for a response), by the payload's ``signer`` or
  the certificate's common name, or the certificate is not one global configuration registers
  for a server hosting the claimed subsystem (X-Road's ``SignatureVerifier``, xroad.md §3.4).
* ``InvalidCertPath``: the certificate chain does not lead to a trusted root at ``now``, or the
  certificate is not a signing certificate (X-Road's ``InvalidCertPath``).
* ``InvalidSignatureTime``: ``ts`` is further than ``max_skew`` from ``now`` (a replayed or
  held-back message). X-Road has no such check (it relies on OCSP freshness); the kit adds it
  because it drops OCSP.
* ``Server.ClientProxy.InconsistentResponse``: a response signed for another request hash,
  the same code as the header check of xroad.md §1.5.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID

from govkit.certificates.keys import ChainError, der, fingerprint, verify_chain
from securityserver.protocol.errors import ExchangeError, FaultCode
from securityserver.protocol.identifiers import ClientId

if TYPE_CHECKING:
    from govkit.exchange.globalconf import GlobalConfiguration

__all__ = [
    "ALGORITHM",
    "DEFAULT_MAX_SKEW",
    "FORMAT_VERSION",
    "TYP",
    "Kind",
    "VerifiedMessage",
    "sign_message",
    "trusted_signing_fingerprints",
    "verify_message",
]

ALGORITHM = "ES256"
TYP = "madoguchi-exchange+jws"
FORMAT_VERSION = 1
#: How far a signature's ``ts`` may be from the verifier's clock, either way.
DEFAULT_MAX_SKEW = timedelta(seconds=60)

Kind = Literal["request", "response"]

_KINDS = ("request", "response")
_HEADER_KEYS = frozenset({"alg", "typ", "x5c"})
_PAYLOAD_KEYS = {"request": {"v", "kind", "signer", "parts", "ts"}}
_PAYLOAD_KEYS["response"] = _PAYLOAD_KEYS["request"] | {"request_hash"}
# ES256 signatures are r || s, 32 bytes each (RFC 7518 §3.4).
_COORDINATE = 32
# Enough for a chain of a few P-256 certificates; anything larger is not ours.
_MAX_TOKEN = 64 * 1024
# Peers sign every message with the same certificate chain: its parsed form and a successful
# path check are kept (the check again only once ``now`` leaves the chain's validity window).
# Revocation is by global configuration (trusted fingerprints), checked on every message.
_CACHE_SIZE = 64
_HEADERS: dict[str, list[x509.Certificate]] = {}
_SIGNING_HEADERS: dict[tuple[x509.Certificate, ...], str] = {}
_PATHS: dict[
    tuple[tuple[x509.Certificate, ...], tuple[x509.Certificate, ...]], tuple[datetime, datetime]
] = {}


@dataclass(frozen=True, slots=True)
class VerifiedMessage:
    """What a verified signature says: who signed, when, with which certificate."""

    kind: Kind
    signer: str
    signed_at: datetime
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    payload: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the signing certificate, as global configuration lists it."""
        return fingerprint(self.certificate)


# -- helpers -----------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    if not text or "=" in text:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _parts(header_part: bytes, body: bytes | None) -> list[dict[str, str]]:
    parts = [{"name": "header", "sha512": _digest(header_part)}]
    if body:
        parts.append({"name": "body", "sha512": _digest(body)})
    return parts


def _timestamp(now: datetime) -> str:
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _canonical(payload: dict[str, Any]) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.encode("utf-8")


_Fail = Callable[[str, str], ExchangeError]


def _prefix(kind: Kind) -> str:
    return "Server.ServerProxy" if kind == "request" else "Server.ClientProxy"


def _common_name(certificate: x509.Certificate) -> str | None:
    values = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if len(values) == 1 else None


# -- signing -----------------------------------------------------------------------------------


def sign_message(
    kind: Kind,
    header_part: bytes,
    body: bytes | None,
    *,
    signer: ClientId | str,
    key: ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate],
    now: datetime,
    request_hash: str | None = None,
) -> str:
    """The compact JWS signing one message for ``signer`` (the member, ``INSTANCE/CLASS/CODE``).

    ``chain`` is the signing certificate first, then its issuers (it travels in ``x5c``).
    A response must carry the ``X-Road-Request-Hash`` of the request it answers
    (``request_hash``) so it cannot be replayed for another request; a request must not.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'request' or 'response', not {kind!r}")
    if (kind == "response") != (request_hash is not None):
        raise ValueError("a response, and only a response, is bound to a request hash")
    if not chain:
        raise ValueError("the signing certificate is missing")
    if isinstance(signer, ClientId) and signer.is_subsystem:
        raise ValueError("messages are signed by a member, not a subsystem")
    payload: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "kind": kind,
        "signer": str(signer),
        "parts": _parts(header_part, body),
        "ts": _timestamp(now),
    }
    if request_hash is not None:
        payload["request_hash"] = request_hash
    chain_key = tuple(chain)
    encoded_header = _SIGNING_HEADERS.get(chain_key)
    if encoded_header is None:
        header = {
            "alg": ALGORITHM,
            "typ": TYP,
            "x5c": [base64.b64encode(der(c)).decode("ascii") for c in chain],
        }
        encoded_header = _b64url(_canonical(header))
        _remember(_SIGNING_HEADERS, chain_key, encoded_header)
    signing_input = f"{encoded_header}.{_b64url(_canonical(payload))}"
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")
    return f"{signing_input}.{_b64url(signature)}"


# -- verifying ---------------------------------------------------------------------------------


def trusted_signing_fingerprints(conf: GlobalConfiguration, subsystem: ClientId) -> frozenset[str]:
    """The signing-certificate fingerprints global configuration registers for the servers
    hosting ``subsystem``: the only certificates that may sign for it.

    For a request pass the ``X-Road-Client`` subsystem; for a response, the provider subsystem.
    Global configuration names subsystems without the instance (``GOV/DA/portal``).
    """
    if not subsystem.is_subsystem:
        raise ValueError("servers host subsystems: pass the subsystem, not the member")
    if subsystem.instance != conf.instance:
        return frozenset()
    hosted = "/".join(subsystem.parts[1:])
    return frozenset(
        s.signing_fingerprint.replace(":", "").lower()
        for s in conf.servers_hosting(hosted)
        if s.signing_fingerprint
    )


def verify_message(
    token: str,
    header_part: bytes,
    body: bytes | None,
    *,
    kind: Kind,
    expected_signer: ClientId | str,
    now: datetime,
    trusted_fingerprints: Collection[str] | None = None,
    roots: Sequence[x509.Certificate] | None = None,
    request_hash: str | None = None,
    max_skew: timedelta | None = DEFAULT_MAX_SKEW,
) -> VerifiedMessage:
    """Check that ``token`` signs exactly this message for ``expected_signer``; raise
    :class:`ExchangeError` if not (see the module's docstring for the codes).

    ``expected_signer`` is the ``X-Road-Client`` for a request and the provider subsystem for
    a response (a :class:`ClientId`, whose member is taken), or a member id string.
    The signing certificate must be among ``trusted_fingerprints`` (from
    :func:`trusted_signing_fingerprints`), or lead to one of ``roots`` at ``now``, or both
    when both are given; at least one must be. A response must be bound to ``request_hash``
    (the request's ``X-Road-Request-Hash``). ``max_skew=None`` skips the time check (for
    checking archived messages later).
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'request' or 'response', not {kind!r}")
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if trusted_fingerprints is None and roots is None:
        raise ValueError("give the trusted fingerprints, the trusted roots or both")
    if (kind == "response") != (request_hash is not None):
        raise ValueError("a response, and only a response, is checked against a request hash")
    prefix = _prefix(kind)

    def fail(code: str, message: str) -> ExchangeError:
        return ExchangeError(f"{prefix}.{code}", message)

    payload, chain, signing_input, signature = _parse(token, fail)
    if payload["kind"] != kind:
        raise fail("MalformedSignature", f"The signature is for a {payload['kind']}, not a {kind}")

    leaf = chain[0]
    public_key = leaf.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != (
        "secp256r1"
    ):
        raise fail("MalformedSignature", "The signing certificate's key is not ECDSA P-256")
    r = int.from_bytes(signature[:_COORDINATE], "big")
    s = int.from_bytes(signature[_COORDINATE:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as exc:
        raise fail("InvalidSignatureValue", "The message signature does not verify") from exc

    member = expected_signer.member if isinstance(expected_signer, ClientId) else None
    expected = str(member) if member is not None else str(expected_signer)
    if payload["signer"] != expected:
        raise fail(
            "IncorrectCertificate",
            f"The message is signed by {payload['signer']}, not by {expected}",
        )
    if _common_name(leaf) != expected:
        raise fail(
            "IncorrectCertificate",
            f"The signing certificate is {_common_name(leaf)}'s, not {expected}'s",
        )
    if trusted_fingerprints is not None:
        wanted = {f.replace(":", "").lower() for f in trusted_fingerprints}
        if fingerprint(leaf) not in wanted:
            raise fail(
                "IncorrectCertificate",
                f"The signing certificate is not registered in global configuration for {expected}",
            )
    if roots is not None:
        _check_path(chain, roots, now, fail)

    if payload["parts"] != _parts(header_part, body):
        raise fail("InvalidSignatureValue", "The message was changed after it was signed")
    signed_at = _parse_ts(payload["ts"], fail)
    if max_skew is not None and abs(now - signed_at) > max_skew:
        raise fail(
            "InvalidSignatureTime",
            f"The message was signed at {payload['ts']}, more than "
            f"{int(max_skew.total_seconds())} s from this server's clock",
        )
    if kind == "response" and payload["request_hash"] != request_hash:
        raise ExchangeError(
            FaultCode.INCONSISTENT_RESPONSE, "The response is signed for another request"
        )
    return VerifiedMessage(kind, payload["signer"], signed_at, leaf, tuple(chain), payload)


def _parse(token: str, fail: _Fail) -> tuple[dict[str, Any], list[x509.Certificate], bytes, bytes]:
    if not isinstance(token, str) or len(token) > _MAX_TOKEN:
        raise fail("MalformedSignature", "The signature is missing or too large")
    pieces = token.strip().split(".")
    if len(pieces) != 3:
        raise fail("MalformedSignature", "The signature is not a compact JWS")
    try:
        payload = json.loads(_unb64url(pieces[1]))
        signature = _unb64url(pieces[2])
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise fail("MalformedSignature", "The signature is not a compact JWS") from exc
    if not isinstance(payload, dict):
        raise fail("MalformedSignature", "The signature's header or payload is not an object")
    if len(signature) != 2 * _COORDINATE:
        raise fail("MalformedSignature", "The signature value has the wrong length")
    chain = _HEADERS.get(pieces[0])
    if chain is None:
        chain = _parse_header(pieces[0], fail)
        _remember(_HEADERS, pieces[0], chain)
    kind = payload.get("kind")
    if kind not in _KINDS or set(payload) != _PAYLOAD_KEYS[kind] or not _payload_ok(payload):
        raise fail("MalformedSignature", "The signature's payload is not an exchange signature")
    signing_input = f"{pieces[0]}.{pieces[1]}".encode("ascii")
    return payload, chain, signing_input, signature


def _parse_header(encoded: str, fail: _Fail) -> list[x509.Certificate]:
    """The protected header's certificate chain (the header itself checked)."""
    try:
        header = json.loads(_unb64url(encoded))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise fail("MalformedSignature", "The signature is not a compact JWS") from exc
    if not isinstance(header, dict):
        raise fail("MalformedSignature", "The signature's header or payload is not an object")
    if header.get("alg") != ALGORITHM:
        raise fail("MalformedSignature", f"The signature algorithm must be {ALGORITHM}")
    if set(header) != _HEADER_KEYS or header["typ"] != TYP:
        raise fail("MalformedSignature", "The signature's header is not an exchange signature")
    x5c = header["x5c"]
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise fail("MalformedSignature", "The signature carries no certificate chain")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except (ValueError, binascii.Error) as exc:
        raise fail("MalformedSignature", "The signature's certificate chain is unreadable") from exc


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    """Keep ``value`` in a small cache (cleared when full: a server talks to few peers)."""
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value


def _payload_ok(payload: dict[str, Any]) -> bool:
    parts = payload["parts"]
    return (
        type(payload["v"]) is int
        and payload["v"] == FORMAT_VERSION
        and isinstance(payload["signer"], str)
        and isinstance(payload["ts"], str)
        and isinstance(payload.get("request_hash", ""), str)
        and isinstance(parts, list)
        and all(
            isinstance(p, dict) and set(p) == {"name", "sha512"} and isinstance(p["sha512"], str)
            for p in parts
        )
        and [p["name"] for p in parts] in (["header"], ["header", "body"])
    )


def _parse_ts(text: str, fail: _Fail) -> datetime:
    try:
        signed_at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise fail("MalformedSignature", "The signature's time is unreadable") from exc
    if signed_at.utcoffset() is None:
        raise fail("MalformedSignature", "The signature's time has no time zone")
    return signed_at


def _check_path(
    chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate], now: datetime, fail: _Fail
) -> None:
    key = (tuple(chain), tuple(roots))  # certificates compare and hash by their DER
    window = _PATHS.get(key)
    if window is not None and window[0] <= now <= window[1]:
        return  # this exact chain led to these roots and is still within every validity
    try:
        verify_chain(chain, roots, now)
    except ChainError as exc:
        raise fail("InvalidCertPath", f"The signing certificate is not trusted: {exc}") from exc
    try:
        usage = chain[0].extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not (usage.digital_signature and usage.content_commitment):
        raise fail("InvalidCertPath", "The certificate is not a message-signing certificate")
    certificates = [*chain, *roots]
    _remember(
        _PATHS,
        key,
        (
            max(c.not_valid_before_utc for c in certificates),
            min(c.not_valid_after_utc for c in certificates),
        ),
    )
