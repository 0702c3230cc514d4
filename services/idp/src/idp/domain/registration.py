"""Client metadata (RFC 7591, OpenID Connect Dynamic Client Registration) as the kit accepts it.

Pure rules: the registration endpoint passes the JSON it received and gets back either clean
metadata or an :class:`InvalidMetadata` naming the field, for an RFC 7591 error response.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from idp.domain.claims import MY_NUMBER_SCOPE, SUPPORTED_SCOPES

#: The conformance-test client's method; kit services use private_key_jwt.
SECRET_METHOD = "client_secret_basic"  # noqa: S105 - a method name, not a secret
AUTH_METHODS = ("private_key_jwt", SECRET_METHOD)
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
ID_TOKEN_ALGS = ("RS256", "ES256")
ASSERTION_ALGS = ("ES256", "RS256", "PS256")
DEFAULT_SCOPE = "openid name address birthdate gender"
MAX_URIS = 10
MAX_URI_LENGTH = 500
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class InvalidMetadata(ValueError):
    """RFC 7591 §3.2.2: ``error`` is invalid_redirect_uri or invalid_client_metadata."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class ClientMetadata:
    client_name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    backchannel_logout_uri: str | None
    backchannel_logout_session_required: bool
    token_endpoint_auth_method: str
    token_endpoint_auth_signing_alg: str | None
    grant_types: tuple[str, ...]
    response_types: tuple[str, ...]
    scope: str
    jwks: dict[str, Any] | None
    id_token_signed_response_alg: str
    sector_identifier: str
    software_id: str | None
    statutory_basis: str | None
    first_party: bool

    def public(self) -> dict[str, Any]:
        """The metadata as a registration response shows it."""
        shown: dict[str, Any] = {
            "client_name": self.client_name,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "grant_types": list(self.grant_types),
            "response_types": list(self.response_types),
            "scope": self.scope,
            "id_token_signed_response_alg": self.id_token_signed_response_alg,
            "subject_type": "pairwise",
        }
        optional = {
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "token_endpoint_auth_signing_alg": self.token_endpoint_auth_signing_alg,
            "jwks": self.jwks,
            "software_id": self.software_id,
        }
        shown.update({k: v for k, v in optional.items() if v is not None})
        if self.backchannel_logout_uri:
            shown["backchannel_logout_session_required"] = self.backchannel_logout_session_required
        return shown


def _string(
    body: dict[str, Any], name: str, *, limit: int, default: str | None = None
) -> str | None:
    value = body.get(name, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidMetadata(
            "invalid_client_metadata",
            f"{name} must be a non-empty string of at most {limit} characters",
        )
    return value.strip()


def check_uri(uri: object, name: str, *, error: str = "invalid_client_metadata") -> str:
    """An absolute https URL (http only on loopback), no fragment, no user information."""
    if not isinstance(uri, str) or not uri or len(uri) > MAX_URI_LENGTH:
        raise InvalidMetadata(
            error, f"{name}: each URI is a string of at most {MAX_URI_LENGTH} characters"
        )
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        raise InvalidMetadata(error, f"{name}: {uri!r} is not a valid URL") from None
    del port
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidMetadata(error, f"{name}: {uri!r} must be an absolute http(s) URL")
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidMetadata(error, f"{name}: {uri!r} must use https (http only on localhost)")
    if parts.fragment or "#" in uri:
        raise InvalidMetadata(error, f"{name}: {uri!r} must not contain a fragment")
    if "@" in parts.netloc:
        raise InvalidMetadata(error, f"{name}: {uri!r} must not contain user information")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in uri):
        raise InvalidMetadata(error, f"{name}: {uri!r} must be ASCII without spaces")
    return uri


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _uris(body: dict[str, Any], name: str, *, required: bool, error: str) -> tuple[str, ...]:
    value = body.get(name, [] if not required else None)
    if value is None or (required and not value):
        raise InvalidMetadata(error, f"{name} is required (a list of URLs)")
    if not isinstance(value, list) or len(value) > MAX_URIS:
        raise InvalidMetadata(error, f"{name} must be a list of at most {MAX_URIS} URLs")
    return tuple(dict.fromkeys(check_uri(uri, name, error=error) for uri in value))


def _choice(
    body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    value = body.get(name, default)
    if value is None:
        return None
    if value not in allowed:
        raise InvalidMetadata(
            "invalid_client_metadata", f"{name} must be one of: {', '.join(allowed)}"
        )
    return str(value)


def _jwks(body: dict[str, Any]) -> dict[str, Any] | None:
    if "jwks_uri" in body:
        raise InvalidMetadata("invalid_client_metadata", "jwks_uri is not supported: send jwks")
    value = body.get("jwks")
    if value is None:
        return None
    keys = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(keys, list) or not 1 <= len(keys) <= 5:
        raise InvalidMetadata("invalid_client_metadata", "jwks must hold 1 to 5 keys")
    for key in keys:
        if not isinstance(key, dict):
            raise InvalidMetadata("invalid_client_metadata", "each key in jwks is a JSON object")
        if any(part in key for part in ("d", "p", "q", "k")):
            raise InvalidMetadata("invalid_client_metadata", "jwks must hold public keys only")
        if key.get("kty") == "EC" and key.get("crv") == "P-256":
            continue
        if key.get("kty") == "RSA" and isinstance(key.get("n"), str) and len(key["n"]) >= 342:
            continue  # 342 base64url characters = 2048 bits
        raise InvalidMetadata(
            "invalid_client_metadata", "keys must be EC P-256 or RSA of 2048 bits or more"
        )
    return {"keys": keys}


def validate_metadata(body: Any) -> ClientMetadata:
    """Check registration metadata, including the kit's extensions: ``sector_identifier``
    (pairwise subjects per agency), ``statutory_basis`` (may receive the My Number) and
    ``first_party`` (a kit service: no data-release consent screen). Only holders of the
    kit's registration token can register at all."""
    if not isinstance(body, dict):
        raise InvalidMetadata("invalid_client_metadata", "send client metadata as a JSON object")
    redirect_uris = _uris(body, "redirect_uris", required=True, error="invalid_redirect_uri")
    post_logout = _uris(
        body, "post_logout_redirect_uris", required=False, error="invalid_client_metadata"
    )
    backchannel = body.get("backchannel_logout_uri")
    if backchannel is not None:
        backchannel = check_uri(backchannel, "backchannel_logout_uri")
    session_required = body.get("backchannel_logout_session_required", True)
    if not isinstance(session_required, bool):
        raise InvalidMetadata(
            "invalid_client_metadata", "backchannel_logout_session_required is a boolean"
        )

    method = _choice(body, "token_endpoint_auth_method", AUTH_METHODS, SECRET_METHOD)
    assert method is not None
    signing_alg = _choice(body, "token_endpoint_auth_signing_alg", ASSERTION_ALGS, None)
    jwks = _jwks(body)
    if method == "private_key_jwt" and jwks is None:
        raise InvalidMetadata(
            "invalid_client_metadata", "private_key_jwt needs the client's public keys in jwks"
        )

    grant_types = body.get("grant_types", ["authorization_code"])
    if (
        not isinstance(grant_types, list)
        or not grant_types
        or not all(g in GRANT_TYPES for g in grant_types)
    ):
        raise InvalidMetadata(
            "invalid_client_metadata",
            f"grant_types must be a list drawn from: {', '.join(GRANT_TYPES)}",
        )
    response_types = body.get(
        "response_types", ["code"] if "authorization_code" in grant_types else []
    )
    if not isinstance(response_types, list) or any(r != "code" for r in response_types):
        raise InvalidMetadata("invalid_client_metadata", "response_types may only hold 'code'")
    if ("authorization_code" in grant_types) != bool(response_types):
        raise InvalidMetadata(
            "invalid_client_metadata",
            "response_types ['code'] goes with grant type authorization_code",
        )

    scope = _string(body, "scope", limit=500, default=DEFAULT_SCOPE) or DEFAULT_SCOPE
    scopes = scope.split()
    unknown = [s for s in scopes if s not in SUPPORTED_SCOPES]
    if unknown:
        raise InvalidMetadata("invalid_client_metadata", f"unsupported scope: {' '.join(unknown)}")

    statutory_basis = _string(body, "statutory_basis", limit=200)
    if MY_NUMBER_SCOPE in scopes and not statutory_basis:
        raise InvalidMetadata(
            "invalid_client_metadata",
            "the my_number scope needs a statutory basis registered by the kit",
        )
    first_party = body.get("first_party", False)
    if not isinstance(first_party, bool):
        raise InvalidMetadata("invalid_client_metadata", "first_party is a boolean")

    sector = _string(body, "sector_identifier", limit=200)
    if sector is None:
        hosts = {urlsplit(uri).netloc.lower() for uri in redirect_uris}
        if len(hosts) > 1:
            raise InvalidMetadata(
                "invalid_client_metadata",
                "redirect_uris on several hosts need a sector identifier for pairwise subjects",
            )
        sector = hosts.pop()

    return ClientMetadata(
        client_name=_string(body, "client_name", limit=200, default="Unnamed client") or "",
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout,
        backchannel_logout_uri=backchannel,
        backchannel_logout_session_required=session_required,
        token_endpoint_auth_method=method,
        token_endpoint_auth_signing_alg=signing_alg,
        grant_types=tuple(dict.fromkeys(grant_types)),
        response_types=tuple(dict.fromkeys(response_types)),
        scope=" ".join(dict.fromkeys(scopes)),
        jwks=jwks,
        id_token_signed_response_alg=_choice(
            body, "id_token_signed_response_alg", ID_TOKEN_ALGS, "RS256"
        )
        or "RS256",
        sector_identifier=sector,
        software_id=_string(body, "software_id", limit=64),
        statutory_basis=statutory_basis,
        first_party=first_party,
    )
