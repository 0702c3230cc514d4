"""A service's OpenID client: its key, its registration with the provider, and where both live.

``kit prepare`` (each service's seed) calls :func:`register_client`: it makes the service's
EC P-256 key once (``<data_dir>/oidc/client-key.json``, mode 0600), registers the client with
the provider (RFC 7591, with the kit's registration token) and stores the answer in
``<data_dir>/oidc/client.json``. Registering again with the same ``software_id`` updates the
client (new URLs after a port change, say) and keeps its ``client_id``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from govkit.auth.client import TIMEOUT, ClientIdentity
from govkit.config import ServiceSettings
from govkit.http import kit_session

FOLDER = "oidc"
KEY_FILE = "client-key.json"
CLIENT_FILE = "client.json"
SCOPE = "openid name address birthdate gender"
CALLBACK_PATH = "/auth/callback"
SIGNED_OUT_PATH = "/auth/signed-out"
BACKCHANNEL_PATH = "/auth/backchannel-logout"


class RegistrationError(RuntimeError):
    """The client could not be registered; the message says why (never a secret)."""


class NotConfigured(RegistrationError):
    """No registration token: this service cannot register (sign-in stays unavailable)."""


@dataclass(frozen=True)
class Registration:
    """What ``client.json`` keeps about the registered client."""

    client_id: str
    issuer: str
    software_id: str
    redirect_uri: str
    post_logout_redirect_uri: str
    backchannel_logout_uri: str
    sector_identifier: str
    kid: str


@dataclass(frozen=True)
class Registered:
    registration: Registration
    created: bool  # a new client (201) rather than an update (200)


def folder(settings: ServiceSettings) -> Path:
    return settings.data_dir / FOLDER


def urls(settings: ServiceSettings) -> dict[str, str]:
    base = settings.public_url
    return {
        "redirect_uri": base + CALLBACK_PATH,
        "post_logout_redirect_uri": base + SIGNED_OUT_PATH,
        "backchannel_logout_uri": base + BACKCHANNEL_PATH,
    }


# -- files -----------------------------------------------------------------------------------


def _write_private(path: Path, data: dict[str, Any], *, replace: bool) -> bool:
    """Write JSON readable by the owner only (0600), atomically.

    ``replace=False`` never overwrites: it returns False when the file already exists (another
    process made it first), so two workers cannot end up with different keys.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    staged = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(staged, path)
            return True
        try:
            os.link(staged, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)


def load_or_create_key(settings: ServiceSettings) -> ECKey:
    """The service's client-authentication key (made once, then reused)."""
    path = folder(settings) / KEY_FILE
    if not path.exists():
        key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": "ES256"}, private=True)
        key.ensure_kid()
        _write_private(path, key.as_dict(private=True), replace=False)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = ECKey.import_key(data)
    except (OSError, ValueError, JoseError) as exc:
        raise RegistrationError(f"the client key in {path} cannot be read: {exc}") from None
    if not key.is_private:
        raise RegistrationError(f"{path} holds no private key")
    key.ensure_kid()
    return key


def public_jwks(key: ECKey) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False)]}


def load_registration(settings: ServiceSettings) -> Registration | None:
    """The stored registration, if it is for this provider and this service's address."""
    path = folder(settings) / CLIENT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        registration = Registration(**{k: data[k] for k in Registration.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if registration.issuer != settings.idp_url:
        return None
    if registration.redirect_uri != urls(settings)["redirect_uri"]:
        return None
    return registration


def identity(settings: ServiceSettings) -> ClientIdentity | None:
    """The client id and key to authenticate with, once registered."""
    registration = load_registration(settings)
    if registration is None:
        return None
    key = load_or_create_key(settings)
    if key.kid != registration.kid:
        return None  # the key changed since registration: register again
    return ClientIdentity(registration.client_id, key)


# -- registration ----------------------------------------------------------------------------


def metadata(
    settings: ServiceSettings, key: ECKey, *, sector: str, client_name: str, scope: str = SCOPE
) -> dict[str, Any]:
    """The client metadata the kit's services register (RFC 7591 plus the kit's extensions)."""
    addresses = urls(settings)
    return {
        "software_id": settings.service_name,
        "client_name": client_name,
        "redirect_uris": [addresses["redirect_uri"]],
        "post_logout_redirect_uris": [addresses["post_logout_redirect_uri"]],
        "backchannel_logout_uri": addresses["backchannel_logout_uri"],
        "backchannel_logout_session_required": True,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks": public_jwks(key),
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": scope,
        "first_party": True,
        "sector_identifier": sector,
        "id_token_signed_response_alg": "RS256",
    }


def register_client(
    settings: ServiceSettings,
    *,
    sector: str,
    client_name: str,
    scope: str = SCOPE,
    http: requests.Session | None = None,
) -> Registered:
    """Register (or update) this service's client with the provider; store the answer."""
    token = settings.idp_registration_token
    if token is None or not token.get_secret_value():
        raise NotConfigured("no registration token (KIT_IDP_REGISTRATION_TOKEN)")
    key = load_or_create_key(settings)
    body = metadata(settings, key, sector=sector, client_name=client_name, scope=scope)
    endpoint = f"{settings.idp_url}/register"
    session = http or kit_session(settings)
    try:
        response = session.post(
            endpoint,
            json=body,
            headers={
                "Authorization": f"Bearer {token.get_secret_value()}",
                "Accept": "application/json",
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise RegistrationError(
            f"the identity provider at {settings.idp_url} is unreachable ({type(exc).__name__})"
        ) from None
    finally:
        if http is None:
            session.close()
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code not in (200, 201) or not isinstance(answer, dict):
        error = answer.get("error") if isinstance(answer, dict) else None
        description = answer.get("error_description") if isinstance(answer, dict) else None
        detail = ": ".join(str(p) for p in (error, description) if p) or response.reason
        raise RegistrationError(
            f"the identity provider refused the registration ({response.status_code}): "
            f"{str(detail)[:300]}"
        )
    client_id = answer.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise RegistrationError("the identity provider's answer has no client_id")
    addresses = urls(settings)
    registration = Registration(
        client_id=client_id,
        issuer=settings.idp_url,
        software_id=settings.service_name,
        redirect_uri=addresses["redirect_uri"],
        post_logout_redirect_uri=addresses["post_logout_redirect_uri"],
        backchannel_logout_uri=addresses["backchannel_logout_uri"],
        sector_identifier=sector,
        kid=str(key.kid),
    )
    _write_private(folder(settings) / CLIENT_FILE, asdict(registration), replace=True)
    return Registered(registration, created=response.status_code == 201)


def seed_client(
    settings: ServiceSettings, *, sector: str, client_name: str, scope: str = SCOPE
) -> str:
    """What a service's seed calls: register, and say what happened in one line.

    Never raises for a missing token or an unreachable provider: ``kit prepare`` goes on, and
    the service's sign-in pages say that sign-in is unavailable.
    """
    try:
        done = register_client(settings, sector=sector, client_name=client_name, scope=scope)
    except NotConfigured as exc:
        return f"OpenID client not registered: {exc}; sign-in is unavailable"
    except RegistrationError as exc:
        return f"OpenID client not registered: {exc}; sign-in is unavailable until it is"
    verb = "registered" if done.created else "registration updated"
    return f"OpenID client {verb} (client_id {done.registration.client_id})"
