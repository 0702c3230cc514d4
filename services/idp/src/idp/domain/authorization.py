"""Checking an authorization request, in the order that keeps redirects safe.

Nothing is ever sent to a ``redirect_uri`` before the client is known and the URI matches one
it registered, character for character. Until then an error is shown on the provider's own
page (:class:`ShowError`); after that, errors go back to the client (:class:`RedirectError`)
with the ``state`` it sent, unchanged, and the provider's ``iss`` (RFC 9207).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from idp.domain.claims import SUPPORTED_SCOPES
from idp.domain.levels import Requirement, parse_acr_values, satisfies

#: Longest value accepted for free-text parameters (state, nonce, hints).
MAX_VALUE = 512
#: Longest nonce: it is kept with the authorization code (a 255-character column).
MAX_NONCE = 255
MAX_SCOPE = 500
#: RFC 7636: an S256 challenge is BASE64URL(SHA-256) = 43 characters.
S256_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
#: Parameters this provider reads; others are ignored (OpenID Connect Core §3.1.2.1).
KNOWN = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
         "code_challenge", "code_challenge_method", "prompt", "max_age", "acr_values",
         "ui_locales", "login_hint", "id_token_hint", "response_mode", "request",
         "request_uri", "display", "claims_locales", "sign_digest", "sign_purpose")  # fmt: skip
#: A signing step-up asks the card to sign this digest (base64url SHA-256 of the submission).
SIGN_SCOPE = "sign"


class ClientLike(Protocol):
    client_id: str
    scopes: frozenset[str]

    @property
    def requires_nonce(self) -> bool: ...

    def check_redirect_uri(self, redirect_uri: str) -> bool: ...


class ShowError(Exception):
    """An error shown on the provider's page: nothing can safely go back to the client."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


class RedirectError(Exception):
    """An OAuth error sent back to the (verified) redirect URI."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None) -> None:
        super().__init__(description)
        self.redirect_uri = redirect_uri
        self.error = error
        self.description = description
        self.state = state


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str
    prompt: frozenset[str]
    max_age: int | None
    requirement: Requirement
    acr_values: str | None
    ui_locales: str | None
    login_hint: str | None
    id_token_hint: str | None
    sign_digest: str | None = None
    sign_purpose: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def as_params(self) -> dict[str, str]:
        """The request as the parameters Authlib re-reads when it issues the code."""
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        optional = {"state": self.state, "nonce": self.nonce}
        params.update({k: v for k, v in optional.items() if v is not None})
        return params


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or ()
    return values[0] if values else None


def validate(
    params: Mapping[str, Sequence[str]], find_client
) -> tuple[ClientLike, AuthorizationRequest]:
    """Check the request; ``find_client(client_id)`` returns the client or ``None``."""
    client_id = _single(params, "client_id")
    if not client_id:
        raise ShowError("missing_client", "The request does not say which service it is for.")
    if len(params.get("client_id", ())) > 1:
        raise ShowError("duplicate_client", "The request names more than one service.")
    client = find_client(client_id)
    if client is None:
        raise ShowError("unknown_client", "The service that sent you here is not registered.")
    redirect_values = params.get("redirect_uri") or ()
    if not redirect_values:
        raise ShowError(
            "missing_redirect_uri", "The request does not say where to send you back to."
        )
    if len(redirect_values) > 1 or not client.check_redirect_uri(redirect_values[0]):
        raise ShowError(
            "unregistered_redirect_uri",
            "The address the request wants to send you back to is not registered for this "
            "service. You have not been sent there.",
        )
    redirect_uri = redirect_values[0]
    state_values = params.get("state") or ()
    state = state_values[0] if state_values else None

    def fail(error: str, description: str) -> RedirectError:
        return RedirectError(redirect_uri, error, description, state)

    for name in KNOWN:
        if len(params.get(name, ())) > 1:
            raise fail("invalid_request", f"parameter {name} appears more than once")
    for name in KNOWN:
        value = _single(params, name)
        if value is None:
            continue
        if "\ufffd" in value:
            raise fail("invalid_request", f"parameter {name} is not valid UTF-8")
        if len(value) > MAX_VALUE and name not in ("id_token_hint", "request"):
            raise fail("invalid_request", f"parameter {name} is longer than {MAX_VALUE} characters")
    if state is not None and len(state) > MAX_VALUE:
        raise RedirectError(redirect_uri, "invalid_request", "state is too long", None)

    if _single(params, "request") is not None:
        raise fail("request_not_supported", "request objects are not supported")
    if _single(params, "request_uri") is not None:
        raise fail("request_uri_not_supported", "request_uri is not supported")
    response_type = _single(params, "response_type")
    if not response_type:
        raise fail("invalid_request", "response_type is required (only 'code' is supported)")
    if response_type != "code":
        raise fail("unsupported_response_type", "only response_type=code is supported")
    response_mode = _single(params, "response_mode")
    if response_mode not in (None, "query"):
        raise fail("invalid_request", "only response_mode=query is supported")

    scope = _single(params, "scope") or ""
    scopes = tuple(dict.fromkeys(scope.split()))
    if "openid" not in scopes:
        raise fail("invalid_scope", "scope must include openid")
    unknown = [s for s in scopes if s not in SUPPORTED_SCOPES and s != SIGN_SCOPE]
    if unknown:
        raise fail("invalid_scope", f"unsupported scope: {' '.join(unknown)}")
    not_allowed = [s for s in scopes if s not in client.scopes and s != SIGN_SCOPE]
    if not_allowed:
        raise fail("invalid_scope", f"scope not registered for the client: {' '.join(not_allowed)}")

    challenge = _single(params, "code_challenge")
    method = _single(params, "code_challenge_method")
    if not challenge:
        raise fail("invalid_request", "code_challenge is required (PKCE with S256)")
    if method != "S256":
        raise fail("invalid_request", "code_challenge_method must be S256 ('plain' is refused)")
    if not S256_CHALLENGE.match(challenge):
        raise fail("invalid_request", "code_challenge must be 43 base64url characters")

    nonce = _single(params, "nonce")
    if not nonce and client.requires_nonce:
        raise fail("invalid_request", "nonce is required")
    if nonce is not None and len(nonce) > MAX_NONCE:
        raise fail("invalid_request", f"nonce is longer than {MAX_NONCE} characters")

    prompt = frozenset((_single(params, "prompt") or "").split())
    if prompt - PROMPTS:
        raise fail("invalid_request", f"unsupported prompt: {' '.join(sorted(prompt - PROMPTS))}")
    if "none" in prompt and len(prompt) > 1:
        raise fail("invalid_request", "prompt=none cannot be combined with other values")

    max_age_text = _single(params, "max_age")
    max_age = None
    if max_age_text is not None:
        if not max_age_text.isascii() or not max_age_text.isdigit() or len(max_age_text) > 9:
            raise fail("invalid_request", "max_age must be a whole number of seconds")
        max_age = int(max_age_text)

    sign_digest = _single(params, "sign_digest")
    sign_purpose = _single(params, "sign_purpose")
    if SIGN_SCOPE in scopes:
        if not sign_digest or not S256_CHALLENGE.match(sign_digest):
            raise fail("invalid_request", "scope sign needs sign_digest (base64url SHA-256)")
        if not sign_purpose or len(sign_purpose) > 200:
            raise fail("invalid_request", "scope sign needs sign_purpose: up to 200 characters")
    elif sign_digest or sign_purpose:
        raise fail("invalid_request", "sign_digest and sign_purpose go with scope sign")

    acr_values = _single(params, "acr_values")
    return client, AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        prompt=prompt,
        max_age=max_age,
        requirement=parse_acr_values(acr_values),
        acr_values=acr_values,
        ui_locales=_single(params, "ui_locales"),
        login_hint=_single(params, "login_hint"),
        id_token_hint=_single(params, "id_token_hint"),
        sign_digest=sign_digest,
        sign_purpose=sign_purpose,
    )


@dataclass(frozen=True)
class SessionFacts:
    """What the provider knows about the browser's current sign-in, if any."""

    citizen_id: str
    acr: str
    auth_age_seconds: float
    revocation_checked: bool


def needs_sign_in(request: AuthorizationRequest, current: SessionFacts | None) -> bool:
    """Whether the citizen must (re-)authenticate for this request."""
    if current is None or "login" in request.prompt:
        return True
    if request.max_age is not None and current.auth_age_seconds > request.max_age:
        return True
    if not satisfies(current.acr, request.requirement):
        return True
    return request.requirement.check_revocation and not current.revocation_checked
