"""The signed global configuration on the wire: a compact JWS (ES256) over a JSON payload.

Signing happens in central; :func:`verify` is what a security server runs on every copy it
downloads, against the anchor it pinned (central's public key as a JWK, from ``GET /anchor``).
It depends on nothing but the standard library, ``cryptography`` and ``joserfc`` (no Flask, no
database): central signs with it, every security server verifies with it.

Payload (``version`` 1)::

    {"version": 1, "instance": "JP-KIT",
     "generated_at": "2026-11-21T09:00:00Z", "expires_at": "2026-11-21T09:10:00Z",
     "members": [{"id": "GOV/DA", "class": "GOV", "code": "DA", "name": "…"}],
     "subsystems": [{"id": "GOV/DA/portal", "member": "GOV/DA", "code": "portal"}],
     "security_servers": [{"id": "GOV/DA/ss-da", "owner": "GOV/DA", "code": "ss-da",
                           "address": "host:port" | null, "tls_fingerprint": hex | null,
                           "signing_fingerprint": hex | null, "clients": ["GOV/DA/portal"]}],
     "groups": [{"code": "…", "description": "…", "members": ["GOV/DA/portal"]}]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

#: The JWS ``typ`` of a global configuration.
TYP = "globalconf+jws"
ALGORITHM = "ES256"
FORMAT_VERSION = 1
#: Clock difference tolerated between central and a security server.
DEFAULT_LEEWAY = timedelta(seconds=30)


class _Registry(jws.JWSRegistry):
    max_payload_length = 8 * 1024 * 1024


REGISTRY = _Registry(algorithms=[ALGORITHM])


class GlobalConfError(ValueError):
    """A global configuration that must not be used (the subclass and message say why)."""


class Malformed(GlobalConfError):
    """Not a compact JWS, or its payload is not a global configuration."""


class BadSignature(GlobalConfError):
    """The signature does not verify with the pinned anchor (tampered, or another key)."""


class Expired(GlobalConfError):
    """``expires_at`` has passed: a security server must stop traffic (OutdatedGlobalConf)."""


class NotYetValid(GlobalConfError):
    """``generated_at`` is in the future (beyond the leeway): a clock or a forgery problem."""


# -- keys ----------------------------------------------------------------------------------------


def public_jwk(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public half as a JWK, with ``kid`` = its RFC 7638 SHA-256 thumbprint."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = ECKey.import_key(pem)
    body: dict[str, str] = {str(k): str(v) for k, v in jwk.as_dict(private=False).items()}
    body.update(alg=ALGORITHM, use="sig", kid=jwk.thumbprint())
    return body


def thumbprint(anchor_jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint (base64url) of a public JWK."""
    return _import_anchor(anchor_jwk).thumbprint()


def _import_anchor(anchor_jwk: Mapping[str, Any]) -> ECKey:
    try:
        key = ECKey.import_key(dict(anchor_jwk))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise GlobalConfError(f"the anchor is not an EC public key (JWK): {exc}") from None
    if key.is_private:
        raise GlobalConfError("the anchor holds a private key: pin the public JWK only")
    if key.as_dict().get("crv") != "P-256":
        raise GlobalConfError("the anchor must be a P-256 key (ES256)")
    return key


# -- signing -------------------------------------------------------------------------------------


def sign(payload: Mapping[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    """The compact JWS of ``payload`` (canonical JSON: sorted keys, no spaces, UTF-8)."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private = ECKey.import_key(pem)
    header = {"alg": ALGORITHM, "typ": TYP, "kid": private.thumbprint()}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return jws.serialize_compact(header, body.encode("utf-8"), private, registry=REGISTRY)


# -- verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: str
    member_class: str
    code: str
    name: str


@dataclass(frozen=True)
class SecurityServer:
    id: str
    owner: str
    code: str
    address: str | None
    tls_fingerprint: str | None
    signing_fingerprint: str | None
    clients: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    code: str
    description: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class GlobalConfiguration:
    """A verified configuration. Identifiers are strings without the instance
    (``GOV/DA``, ``GOV/DA/portal``, ``GOV/DA/ss-da``)."""

    instance: str
    generated_at: datetime
    expires_at: datetime
    members: tuple[Member, ...]
    subsystems: tuple[str, ...]
    security_servers: tuple[SecurityServer, ...]
    groups: tuple[Group, ...]
    payload: Mapping[str, Any]

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def member(self, member_id: str) -> Member | None:
        return next((m for m in self.members if m.id == member_id), None)

    def servers_hosting(self, subsystem: str) -> tuple[SecurityServer, ...]:
        """The security servers a message for ``subsystem`` may go to."""
        return tuple(s for s in self.security_servers if subsystem in s.clients)

    def server_with_tls_fingerprint(self, fingerprint: str) -> SecurityServer | None:
        wanted = fingerprint.replace(":", "").lower()
        return next((s for s in self.security_servers if s.tls_fingerprint == wanted), None)

    def groups_of(self, subsystem: str) -> tuple[str, ...]:
        return tuple(g.code for g in self.groups if subsystem in g.members)


def verify(
    signed: str | bytes,
    anchor_jwk: Mapping[str, Any],
    now: datetime,
    *,
    leeway: timedelta = DEFAULT_LEEWAY,
    instance: str | None = None,
) -> GlobalConfiguration:
    """Check ``signed`` against the pinned anchor and the time ``now``; return its content.

    Raises :class:`Malformed`, :class:`BadSignature`, :class:`NotYetValid` or :class:`Expired`
    (all :class:`GlobalConfError`). ``leeway`` tolerates a central clock slightly ahead of ours
    (``generated_at``); expiry is strict. ``instance``, if given, must be the one named.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    key = _import_anchor(anchor_jwk)
    try:
        text = signed.decode("ascii") if isinstance(signed, bytes) else signed
        compact = jws.extract_compact(text.strip().encode("ascii"), registry=REGISTRY)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise Malformed(f"not a compact JWS: {exc}") from None
    header = compact.protected
    if header.get("alg") != ALGORITHM:
        raise BadSignature(f"unexpected algorithm {header.get('alg')!r}")
    if header.get("typ") != TYP:
        raise Malformed(f"not a global configuration (typ {header.get('typ')!r})")
    try:
        jws.deserialize_compact(text.strip(), key, registry=REGISTRY)
    except (JoseError, ValueError) as exc:
        raise BadSignature(
            "the signature does not verify with the pinned anchor "
            f"(signed by key {header.get('kid')!r}, anchor {key.thumbprint()!r}): {exc}"
        ) from None
    try:
        payload = json.loads(compact.payload)
    except ValueError:
        raise Malformed("the payload is not JSON") from None
    config = parse(payload)
    if instance is not None and config.instance != instance:
        raise Malformed(f"configuration of instance {config.instance}, expected {instance}")
    if config.generated_at > now + leeway:
        raise NotYetValid(
            f"generated at {_iso(config.generated_at)}, after now ({_iso(now)}): check the clocks"
        )
    if now >= config.expires_at:
        raise Expired(f"expired at {_iso(config.expires_at)} (now {_iso(now)})")
    return config


def parse(payload: object) -> GlobalConfiguration:
    """The typed view of a payload (already verified); :class:`Malformed` if it is not one."""
    try:
        if not isinstance(payload, dict):
            raise TypeError("not a JSON object")
        if payload["version"] != FORMAT_VERSION:
            raise ValueError(f"unsupported version {payload['version']!r}")
        generated = _time(payload["generated_at"])
        expires = _time(payload["expires_at"])
        if expires <= generated:
            raise ValueError("expires_at is not after generated_at")
        return GlobalConfiguration(
            instance=_str(payload["instance"]),
            generated_at=generated,
            expires_at=expires,
            members=tuple(
                Member(_str(m["id"]), _str(m["class"]), _str(m["code"]), _str(m["name"]))
                for m in _list(payload["members"])
            ),
            subsystems=tuple(_str(s["id"]) for s in _list(payload["subsystems"])),
            security_servers=tuple(
                SecurityServer(
                    id=_str(s["id"]),
                    owner=_str(s["owner"]),
                    code=_str(s["code"]),
                    address=_optional(s["address"]),
                    tls_fingerprint=_optional(s["tls_fingerprint"]),
                    signing_fingerprint=_optional(s["signing_fingerprint"]),
                    clients=tuple(_str(c) for c in _list(s["clients"])),
                )
                for s in _list(payload["security_servers"])
            ),
            groups=tuple(
                Group(
                    _str(g["code"]),
                    _str(g["description"]),
                    tuple(_str(m) for m in _list(g["members"])),
                )
                for g in _list(payload["groups"])
            ),
            payload=payload,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise Malformed(f"not a global configuration: {exc!s}") from None


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _optional(value: object) -> str | None:
    return None if value is None else _str(value)


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _time(value: object) -> datetime:
    moment = datetime.fromisoformat(_str(value).replace("Z", "+00:00"))
    if moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
