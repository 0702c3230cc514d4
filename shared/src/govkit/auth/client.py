"""Talking to the OpenID provider: discovery, its keys, the token endpoint and userinfo.

One :class:`ProviderClient` per app (per issuer). It keeps a keep-alive HTTP session, caches
the discovery document and the JWKS (with a TTL), and fetches the JWKS again, at most every
few seconds, when a token names a ``kid`` it does not know (the provider rotated its keys).
Every call has a timeout; transport failures and unusable answers become
:class:`ProviderUnavailable`, OAuth errors from the token endpoint :class:`TokenRequestFailed`.
Nothing here logs a code, a token or a verifier.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from govkit.auth.idtoken import (
    IdTokenClaims,
    InvalidToken,
    Key,
    LogoutClaims,
    RememberJti,
    validate_id_token,
    validate_logout_token,
)

#: (connect, read) timeouts, in seconds, of every call to the provider.
TIMEOUT = (3.05, 10.0)
DISCOVERY_TTL = 3600.0
JWKS_TTL = 600.0
#: A JWKS fetched because of an unknown ``kid`` is fetched again at most this often.
JWKS_MIN_REFRESH = 10.0
#: Client assertions live this long (the provider accepts up to 300 s).
ASSERTION_LIFETIME = 60
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ANSWER_BYTES = 256 * 1024


class AuthError(Exception):
    """Something about signing in went wrong; subclasses say what."""


class ProviderUnavailable(AuthError):
    """The provider cannot be used now: unreachable, answering errors, or not set up."""


class TokenRequestFailed(AuthError):
    """The token endpoint refused the request (an OAuth error such as ``invalid_grant``)."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the discovery document a relying party uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    registration_endpoint: str | None
    iss_parameter_supported: bool

    @classmethod
    def from_document(cls, document: Mapping[str, Any], issuer: str) -> ProviderMetadata:
        if document.get("issuer") != issuer:
            # OpenID Connect Discovery §4.3: the issuer must be exactly the one asked for.
            raise ProviderUnavailable("the discovery document names another issuer")
        try:
            return cls(
                issuer=issuer,
                authorization_endpoint=_url(document, "authorization_endpoint"),
                token_endpoint=_url(document, "token_endpoint"),
                jwks_uri=_url(document, "jwks_uri"),
                userinfo_endpoint=_url(document, "userinfo_endpoint", required=False),
                end_session_endpoint=_url(document, "end_session_endpoint", required=False),
                registration_endpoint=_url(document, "registration_endpoint", required=False),
                iss_parameter_supported=document.get(
                    "authorization_response_iss_parameter_supported"
                )
                is True,
            )
        except (KeyError, TypeError) as exc:
            raise ProviderUnavailable(f"the discovery document lacks {exc}") from None


def _url(document: Mapping[str, Any], name: str, *, required: bool = True) -> Any:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise KeyError(name)
    return value


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    token_type: str
    expires_in: int | None
    id_token: str | None
    refresh_token: str | None
    scope: str | None


@dataclass(frozen=True)
class ClientIdentity:
    """A registered client: its ``client_id`` and the private key it signs assertions with."""

    client_id: str
    key: ECKey

    def __repr__(self) -> str:  # never show the key
        return f"ClientIdentity(client_id={self.client_id!r})"


class ProviderClient:
    """The relying party's side of one OpenID provider (thread-safe)."""

    def __init__(
        self,
        issuer: str,
        *,
        http: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        discovery_ttl: float = DISCOVERY_TTL,
        jwks_ttl: float = JWKS_TTL,
        jwks_min_refresh: float = JWKS_MIN_REFRESH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.http = http or requests.Session()
        self.http.headers.setdefault("User-Agent", "govkit-auth/1")
        self.timeout = timeout
        self.discovery_ttl = discovery_ttl
        self.jwks_ttl = jwks_ttl
        self.jwks_min_refresh = jwks_min_refresh
        self.clock = clock
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: dict[str, Key] = {}
        self._keys_at = float("-inf")

    # -- HTTP -----------------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.http.request(
                method, url, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            raise ProviderUnavailable(
                f"the identity provider did not answer ({type(exc).__name__})"
            ) from None

    @staticmethod
    def _json(response: requests.Response, what: str) -> dict[str, Any]:
        if len(response.content) > MAX_ANSWER_BYTES:
            raise ProviderUnavailable(f"the {what} answer is too large")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"the {what} answer ({response.status_code}) is not JSON")
        return body

    # -- discovery and keys ---------------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        """The discovery document (cached for ``discovery_ttl``)."""
        now = self.clock()
        cached = self._metadata
        if cached is not None and now - self._metadata_at < self.discovery_ttl:
            return cached
        response = self._request("GET", f"{self.issuer}/.well-known/openid-configuration")
        if response.status_code != 200:
            raise ProviderUnavailable(f"discovery answered {response.status_code}")
        metadata = ProviderMetadata.from_document(self._json(response, "discovery"), self.issuer)
        with self._lock:
            self._metadata, self._metadata_at = metadata, now
        return metadata

    def _fetch_keys(self) -> dict[str, Key]:
        response = self._request("GET", self.metadata().jwks_uri)
        if response.status_code != 200:
            raise ProviderUnavailable(f"the JWKS answered {response.status_code}")
        body = self._json(response, "JWKS")
        keys: dict[str, Key] = {}
        for entry in body.get("keys", []) if isinstance(body.get("keys"), list) else []:
            if not isinstance(entry, dict) or entry.get("kty") not in ("RSA", "EC"):
                continue  # symmetric or unknown keys are never used to check a token
            if any(private in entry for private in ("d", "p", "q")) or not entry.get("kid"):
                continue
            try:
                key = KeySet.import_key_set({"keys": [entry]}).keys[0]
            except (JoseError, ValueError, TypeError):
                continue
            if isinstance(key, (RSAKey, ECKey)):
                keys[str(entry["kid"])] = key
        if not keys:
            raise ProviderUnavailable("the JWKS holds no usable signing key")
        return keys

    def key(self, kid: str) -> Key:
        """The provider's public key ``kid``; refetches the JWKS once if ``kid`` is new."""
        now = self.clock()
        with self._lock:
            fresh = now - self._keys_at < self.jwks_ttl
            found = self._keys.get(kid) if fresh else None
            may_refresh = not fresh or now - self._keys_at >= self.jwks_min_refresh
        if found is not None:
            return found
        if may_refresh:
            keys = self._fetch_keys()
            with self._lock:
                self._keys, self._keys_at = keys, self.clock()
            found = keys.get(kid)
        if found is None:
            raise InvalidToken("unknown_kid", "the provider publishes no key with this kid")
        return found

    # -- the client's credentials ---------------------------------------------------------------

    def client_assertion(self, client: ClientIdentity) -> str:
        """A ``private_key_jwt`` assertion (RFC 7523) for one call to the token endpoint."""
        now = int(self.clock())
        claims = {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": self.metadata().token_endpoint,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": secrets.token_urlsafe(24),
        }
        header = {"alg": "ES256", "kid": client.key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, client.key, algorithms=["ES256"])

    def _token_request(self, client: ClientIdentity, form: dict[str, str]) -> TokenResponse:
        form = {
            **form,
            "client_id": client.client_id,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": self.client_assertion(client),
        }
        response = self._request(
            "POST",
            self.metadata().token_endpoint,
            data=form,
            headers={"Accept": "application/json"},
        )
        if response.status_code >= 500:
            raise ProviderUnavailable(f"the token endpoint answered {response.status_code}")
        body = self._json(response, "token")
        if response.status_code != 200:
            error = body.get("error")
            raise TokenRequestFailed(
                error if isinstance(error, str) else "invalid_request",
                str(body.get("error_description") or "")[:300],
            )
        access_token = body.get("access_token")
        token_type = body.get("token_type")
        if not isinstance(access_token, str) or not isinstance(token_type, str):
            raise ProviderUnavailable("the token answer has no access token")
        if token_type.lower() != "bearer":
            raise ProviderUnavailable(f"unexpected token type {token_type!r}")
        expires_in = body.get("expires_in")
        return TokenResponse(
            access_token=access_token,
            token_type=token_type,
            expires_in=int(expires_in) if isinstance(expires_in, int) else None,
            id_token=body.get("id_token") if isinstance(body.get("id_token"), str) else None,
            refresh_token=(
                body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None
            ),
            scope=body.get("scope") if isinstance(body.get("scope"), str) else None,
        )

    def exchange_code(
        self, client: ClientIdentity, *, code: str, redirect_uri: str, code_verifier: str
    ) -> TokenResponse:
        """Trade an authorization code (with its PKCE verifier) for tokens."""
        return self._token_request(
            client,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
        )

    def refresh(self, client: ClientIdentity, refresh_token: str) -> TokenResponse:
        """New tokens for a refresh token. The provider rotates it: use the new one next time
        (presenting an old one again revokes the whole family)."""
        return self._token_request(
            client, {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    def userinfo(self, access_token: str) -> dict[str, Any]:
        """The claims the access token's scopes release."""
        endpoint = self.metadata().userinfo_endpoint
        if endpoint is None:
            raise ProviderUnavailable("the provider has no userinfo endpoint")
        response = self._request(
            "GET",
            endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        if response.status_code >= 500:
            raise ProviderUnavailable(f"userinfo answered {response.status_code}")
        if response.status_code != 200:
            raise TokenRequestFailed("invalid_token", f"userinfo answered {response.status_code}")
        return self._json(response, "userinfo")

    # -- browser redirects ----------------------------------------------------------------------

    def authorization_url(self, params: Mapping[str, str]) -> str:
        return f"{self.metadata().authorization_endpoint}?{urlencode(dict(params))}"

    def end_session_url(self, params: Mapping[str, str]) -> str | None:
        endpoint = self.metadata().end_session_endpoint
        return f"{endpoint}?{urlencode(dict(params))}" if endpoint else None

    # -- token checks with this provider's keys -------------------------------------------------

    def validate_id_token(
        self, token: str, *, client_id: str, nonce: str, **checks: Any
    ) -> IdTokenClaims:
        return validate_id_token(
            token,
            keys=self.key,
            issuer=self.issuer,
            client_id=client_id,
            nonce=nonce,
            now=self.clock(),
            **checks,
        )

    def validate_logout_token(
        self, token: str, *, client_id: str, remember_jti: RememberJti
    ) -> LogoutClaims:
        return validate_logout_token(
            token,
            keys=self.key,
            issuer=self.issuer,
            client_id=client_id,
            now=self.clock(),
            remember_jti=remember_jti,
        )

    def close(self) -> None:
        self.http.close()
