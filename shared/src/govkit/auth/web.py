"""Sign-in for a kit service: a Flask extension over the kit's OpenID provider.

``init_auth(app, settings, sector=…, client_name=…, model=AUTH)`` (from the app factory) adds:

* the ``auth`` blueprint: ``/auth/login`` (starts the authorization code flow with PKCE S256,
  ``state`` and ``nonce``, kept in the session), ``/auth/callback`` (checks ``state`` and
  ``iss``, exchanges the code with a ``private_key_jwt`` assertion, checks the ID token, reads
  userinfo), ``/auth/logout`` (GET asks, POST signs out here and at the provider),
  ``/auth/signed-out`` and ``/auth/backchannel-logout`` (the provider's logout tokens);
* a check before every request: a signed-in session that expired, or whose provider session
  (``sid``) ended by back-channel logout, is dropped (one primary-key lookup);
* ``service_navigation`` links to sign in, or to the account page and to sign out;
* ``agency_identifier`` for templates: the citizen's pairwise ``sub`` here, explained
  (``govkit/auth/signed-in.html`` shows it);
* the provider's origin in the CSP ``form-action`` (the sign-out form ends there).

Views use :func:`login_required` (or a blueprint :func:`citizen_access` rule) and
:func:`current_citizen`; its ``exchange_id`` is the citizen's exchange pseudonym when the
provider released the ``exchange_id`` claim (to the kit's own services only), its
``birthdate`` the date of birth when the ``birthdate`` scope released it. Failures at the
callback are plain-language pages, never a 500; an unreachable provider gives a 503 page
"sign-in is unavailable". Nothing secret is logged.

A submission that legally needs a signature asks for the provider's signing step-up:
:func:`request_signature` (the digest to sign, the purpose shown, the page to come back to)
sends the browser to the provider, which reuses its card session and asks for the signing
password; back at that page, :func:`signature_for` gives the checked
:class:`~govkit.auth.signing.CardSignature`, or :func:`signature_refusal` why there is none
(never an error page). The round trip never changes who is signed in here.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    json,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from govkit import db
from govkit.access import PUBLIC, AccessRule
from govkit.auth import models
from govkit.auth import registration as reg
from govkit.auth.client import (
    ClientIdentity,
    ProviderClient,
    ProviderUnavailable,
    TokenRequestFailed,
    TokenResponse,
)
from govkit.auth.flow import MAX_FLOWS, PendingFlow, newest, remember, take
from govkit.auth.idtoken import LEVELS, IdTokenClaims, InvalidToken, acr_satisfies
from govkit.auth.models import AuthTables
from govkit.auth.presenters import agency_identifier
from govkit.auth.signing import (
    DIGEST_SIZE,
    MAX_PURPOSE,
    SIGN_SCOPE,
    SIGNATURE_CLAIM,
    CardSignature,
    MalformedSignature,
    b64url,
)
from govkit.config import ServiceSettings
from govkit.http import kit_session
from govkit.web import csrf, register_blueprint, safe_next

log = logging.getLogger("govkit.auth")

EXTENSION = "govkit.auth"
SESSION_KEY = "auth"
FLOWS_KEY = "auth_flows"
LOGOUT_STATE_KEY = "auth_logout_state"
#: A signed-in session ends after this long, however active (seconds).
SESSION_LIFETIME = 8 * 3600
#: …or after this long without a request.
IDLE_TIMEOUT = 3600
#: The last-seen time is written back to the cookie at most this often.
SEEN_GRANULARITY = 300
#: A service without a registration tries to register again at most this often.
REGISTRATION_RETRY = 30.0
#: Name claims kept in the session (from userinfo): session key → claim.
NAME_CLAIMS = {
    "name": "name",
    "family_name": "family_name",
    "given_name": "given_name",
    "name_kana": "name#ja-Kana-JP",
    "name_latin": "name#ja-Latn-JP",
}
#: The citizen's exchange pseudonym (``X-Road-UserId``), a claim the provider releases to the
#: kit's own services: kept from the ID token (else userinfo) when it is there.
EXCHANGE_ID_CLAIM = "exchange_id"
#: The date of birth (``YYYY-MM-DD``, scope ``birthdate``): kept from userinfo (else the ID token).
BIRTHDATE_CLAIM = "birthdate"
#: Card signatures received and not yet taken by the service (digest → the claim and signer).
SIGNATURES_KEY = "auth_signatures"
#: Why the last signing step-up came back without a signature.
SIGNATURE_REFUSAL_KEY = "auth_signature_refusal"
#: At most this many signatures wait in the session: each holds a certificate (~1 kB of a
#: cookie that must stay under 4 kB), and the service takes it on the very next page.
MAX_SIGNATURES = 1
#: …and while one waits, fewer sign-ins in progress are kept (the certificate takes their room).
FLOWS_BESIDE_SIGNATURE = 2
#: A signature needs the card: the provider's SSO session is reused only if it is a card one.
SIGNING_ACR = "aal3"
#: Errors that only mean "not signed in at the provider" for a silent (prompt=none) check.
SILENT_ERRORS = frozenset(
    {"login_required", "interaction_required", "consent_required", "account_selection_required"}
)
#: Errors that mean the provider is having trouble, not that the request was wrong.
UNAVAILABLE_ERRORS = frozenset({"server_error", "temporarily_unavailable"})
PROMPTS = frozenset({"login", "none"})
MAX_MAX_AGE = 7 * 86400

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Citizen:
    """Who is signed in, as the provider said: a pairwise ``sub`` and how they signed in."""

    sub: str
    sid: str | None
    acr: str | None
    amr: tuple[str, ...]
    auth_time: datetime
    name: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    name_kana: str | None = None
    name_latin: str | None = None
    #: The exchange pseudonym (the ``exchange_id`` claim), or ``None`` if none was released.
    exchange_id: str | None = None
    #: The date of birth (the ``birthdate`` claim), or ``None`` if none was released.
    birthdate: date | None = None

    @property
    def display_name(self) -> str:
        """The name to greet them with (kanji, else the Latin alphabet)."""
        return self.name or self.name_latin or ""


class RelyingParty:
    """The app's sign-in set-up: settings, tables, the provider client and the registration."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        sector: str,
        client_name: str,
        tables: AuthTables,
        scope: str = reg.SCOPE,
        provider: ProviderClient | None = None,
        session_lifetime: int = SESSION_LIFETIME,
        idle_timeout: int = IDLE_TIMEOUT,
        account_endpoint: str | None = None,
    ) -> None:
        self.settings = settings
        self.sector = sector
        self.client_name = client_name
        self.tables = tables
        self.scope = scope
        self.provider = provider or ProviderClient(
            settings.idp_url, http=kit_session(settings, user_agent="govkit-auth/1")
        )
        self.session_lifetime = session_lifetime
        self.idle_timeout = idle_timeout
        self.account_endpoint = account_endpoint
        self.urls = reg.urls(settings)
        self._identity: ClientIdentity | None = None
        self._lock = threading.Lock()
        self._last_attempt = float("-inf")

    @property
    def redirect_uri(self) -> str:
        return self.urls["redirect_uri"]

    def identity(self) -> ClientIdentity:
        """This service's client id and key; registers now if ``kit prepare`` could not."""
        found = self._identity
        if found is not None:
            return found
        with self._lock:
            found = self._identity or reg.identity(self.settings)
            now = time.monotonic()
            if (
                found is None
                and self.settings.idp_registration_token is not None
                and now - self._last_attempt >= REGISTRATION_RETRY
            ):
                self._last_attempt = now
                try:
                    reg.register_client(
                        self.settings,
                        sector=self.sector,
                        client_name=self.client_name,
                        scope=self.scope,
                        http=self.provider.http,
                    )
                    found = reg.identity(self.settings)
                    log.info("OpenID client registered at first sign-in")
                except reg.RegistrationError as exc:
                    log.warning("OpenID client registration failed", extra={"reason": str(exc)})
            if found is None:
                raise ProviderUnavailable("this service has no OpenID client registration")
            self._identity = found
        return found


def relying_party() -> RelyingParty:
    return current_app.extensions[EXTENSION]


# -- the signed-in citizen ---------------------------------------------------------------------


def _citizen_from(data: dict[str, Any]) -> Citizen | None:
    try:
        names = data.get("names") or {}
        return Citizen(
            sub=str(data["sub"]),
            sid=data.get("sid") if isinstance(data.get("sid"), str) else None,
            acr=data.get("acr") if isinstance(data.get("acr"), str) else None,
            amr=tuple(str(m) for m in data.get("amr") or ()),
            auth_time=datetime.fromtimestamp(int(data["auth_time"]), UTC),
            **{key: names.get(key) for key in NAME_CLAIMS if isinstance(names.get(key), str)},
            exchange_id=_exchange_id(data.get(EXCHANGE_ID_CLAIM)),
            birthdate=_birthdate(data.get(BIRTHDATE_CLAIM)),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError):
        return None


_BIRTHDATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _birthdate(value: Any) -> date | None:
    """The date of a ``birthdate`` claim (``YYYY-MM-DD``); ``None`` for anything else."""
    if not isinstance(value, str) or not _BIRTHDATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


_EXCHANGE_ID = re.compile(r"[\x21-\x7e]{1,128}")


def _exchange_id(value: Any) -> str | None:
    """The pseudonym if it can be one (it becomes a header): 1 to 128 visible ASCII characters."""
    return value if isinstance(value, str) and _EXCHANGE_ID.fullmatch(value) else None


def _still_valid(rp: RelyingParty, data: dict[str, Any], citizen: Citizen, now: float) -> bool:
    signed_in_at = data.get("signed_in_at")
    seen_at = data.get("seen_at")
    if not isinstance(signed_in_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return False
    if now - signed_in_at > rp.session_lifetime or now - seen_at > rp.idle_timeout:
        return False
    return citizen.sid is None or not models.session_ended(db.get_session(), rp.tables, citizen.sid)


def current_citizen() -> Citizen | None:
    """The citizen signed in to this service, or ``None``.

    A session that timed out, or whose provider session ended (back-channel logout), is
    dropped here: once per request, with one primary-key lookup.
    """
    if "auth_citizen" in g:
        return g.auth_citizen  # type: ignore[no-any-return]
    rp: RelyingParty | None = current_app.extensions.get(EXTENSION)
    data = session.get(SESSION_KEY)
    citizen = None
    if rp is not None and isinstance(data, dict):
        citizen = _citizen_from(data)
        now = time.time()
        if citizen is None or not _still_valid(rp, data, citizen, now):
            session.pop(SESSION_KEY, None)
            citizen = None
        elif now - data["seen_at"] >= SEEN_GRANULARITY:
            session[SESSION_KEY] = {**data, "seen_at": now}
    g.auth_citizen = citizen
    return citizen


def _sign_in_url(acr: str | None, max_age: int | None) -> str:
    if request.method == "GET":
        target = request.full_path if request.query_string else request.path
    else:
        target = request.path  # come back to the page, not to a form post
    params: dict[str, Any] = {"next": safe_next(target)}
    if acr is not None:
        params["acr"] = acr
    if max_age is not None:
        params["max_age"] = max_age
    return url_for("auth.login", **params)


def _good_enough(citizen: Citizen, acr: str | None, max_age: int | None, now: float) -> bool:
    if not acr_satisfies(citizen.acr, acr):
        return False
    return max_age is None or now - citizen.auth_time.timestamp() <= max_age


def render_signed_in(notice: str, start: tuple[str, str] | None = None) -> str:
    """The page that says who is signed in here, how, and the agency's identifier for them,
    with ``notice``, the button ``start`` (its address and text) when the service has
    something to start, and a way out (``govkit/auth/signed-in.html``); behind
    :func:`login_required`."""
    from govkit.auth.presenters import signed_in_as, signed_in_rows

    citizen = current_citizen()
    if citizen is None:
        raise RuntimeError("render_signed_in needs a signed-in citizen (use login_required)")
    return render_template(
        "govkit/auth/signed-in.html",
        page_title=_("You are signed in"),
        signed_in_as=signed_in_as(citizen),
        rows=signed_in_rows(citizen),
        notice=notice,
        start=start,
        sign_out_text=_("Sign out"),
    )


def require_citizen(acr: str | None = "aal3", max_age: int | None = None) -> Response | None:
    """``None`` if a citizen is signed in well enough; otherwise the redirect to sign in."""
    citizen = current_citizen()
    if citizen is not None and _good_enough(citizen, acr, max_age, time.time()):
        return None
    return redirect(_sign_in_url(acr, max_age), 303 if request.method != "GET" else 302)


def login_required(
    view: F | None = None, *, acr: str | None = "aal3", max_age: int | None = None
) -> Any:
    """Let only a signed-in citizen (at ``acr`` or better, within ``max_age`` seconds of
    signing in) use the view; send anyone else to sign in, then back."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refused = require_citizen(acr, max_age)
            if refused is not None:
                return refused
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def citizen_access(acr: str | None = "aal3", max_age: int | None = None) -> AccessRule:
    """An access rule for a whole blueprint of citizen pages (see :mod:`govkit.access`)."""
    return AccessRule(f"citizen-{acr or 'any'}", lambda: require_citizen(acr, max_age))


# -- pages ---------------------------------------------------------------------------------------

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _page(
    status: int,
    *,
    title: str,
    explanation: str,
    next_step: str,
    retry_url: str | None = None,
    home_url: str = "/",
) -> Response:
    html = render_template(
        "govkit/auth/problem.html",
        page_title=title,
        explanation=explanation,
        next_step=next_step,
        retry_url=retry_url,
        home_url=home_url,
    )
    response = current_app.response_class(html, status=status, mimetype="text/html")
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _unavailable(reason: str, next_url: str = "/") -> Response:
    log.warning("sign-in unavailable", extra={"reason": reason})
    return _page(
        503,
        title=_("Sign-in is unavailable"),
        explanation=_(
            "You cannot sign in to this service at the moment because Madoguchi ID, the "
            "sign-in service, cannot be reached or is not set up for this service."
        ),
        next_step=_("Try again in a few minutes. Nothing you entered has been lost."),
        retry_url=url_for("auth.login", next=next_url),
        home_url=next_url,
    )


def _failed(reason: str, next_url: str = "/", status: int = 400) -> Response:
    log.warning("sign-in failed", extra={"reason": reason})
    return _page(
        status,
        title=_("We could not sign you in"),
        explanation=_(
            "The answer from Madoguchi ID could not be accepted, so you have not been signed in. "
            "No details about you have been kept."
        ),
        next_step=_("Try signing in again. If it happens again, try later."),
        retry_url=url_for("auth.login", next=next_url),
        home_url=next_url,
    )


def _start_again(reason: str) -> Response:
    log.info("sign-in not matched", extra={"reason": reason})
    return _page(
        400,
        title=_("Your sign-in has timed out"),
        explanation=_(
            "This sign-in took too long, or it was not started in this browser, so it cannot "
            "be completed. You have not been signed in."
        ),
        next_step=_("Start signing in again."),
        retry_url=url_for("auth.login", next="/"),
    )


def _parse_max_age(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 7:
        return None
    return min(int(value), MAX_MAX_AGE)


@bp.get("/login")
def login() -> ResponseReturnValue:
    """Send the browser to the provider (or straight back, if already signed in well enough)."""
    rp = relying_party()
    next_url = safe_next(request.args.get("next"))
    acr = request.args.get("acr")
    acr = acr if acr in LEVELS else None
    max_age = _parse_max_age(request.args.get("max_age"))
    prompt = request.args.get("prompt")
    prompt = prompt if prompt in PROMPTS else None
    citizen = current_citizen()
    if prompt is None and citizen is not None and _good_enough(citizen, acr, max_age, time.time()):
        return redirect(next_url, 303)
    try:
        client = rp.identity()
        rp.provider.metadata()
    except ProviderUnavailable as exc:
        return _unavailable(str(exc), next_url)
    flow = PendingFlow.start(
        next_url=next_url, acr=acr, max_age=max_age, prompt=prompt, now=time.time()
    )
    _remember_flow(flow)
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": rp.scope,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": flow.challenge,
        "code_challenge_method": "S256",
    }
    if acr is not None:
        params["acr_values"] = acr
    if max_age is not None:
        params["max_age"] = str(max_age)
    if prompt is not None:
        params["prompt"] = prompt
    return redirect(rp.provider.authorization_url(params), 302)


@bp.get("/callback")
def callback() -> ResponseReturnValue:
    """The provider sends the browser back here with a code (or an error)."""
    rp = relying_party()
    flow, left = take(session.get(FLOWS_KEY), request.args.get("state"))
    if left:
        session[FLOWS_KEY] = left
    else:
        session.pop(FLOWS_KEY, None)
    if flow is not None and flow.sign_digest is not None:
        return _finish_signing(rp, flow)
    next_url = flow.next_url if flow is not None else "/"
    try:
        wrong_issuer = _wrong_issuer(rp)
    except ProviderUnavailable as exc:
        return _unavailable(str(exc), next_url)
    if wrong_issuer:
        return _failed("issuer_mismatch", next_url)
    if flow is None:
        return _start_again("unknown_state")
    if flow.expired(time.time()):
        return _start_again("expired_flow")

    error = request.args.get("error")
    if error is not None:
        return _provider_error(error[:64], flow)
    code = request.args.get("code")
    if not code or len(code) > 512:
        return _failed("no_code", next_url)
    try:
        tokens, claims = _tokens(rp, flow, code)
        userinfo = rp.provider.userinfo(tokens.access_token)
        if userinfo.get("sub") != claims.sub:
            raise InvalidToken("userinfo_sub", "userinfo is about someone else")
    except ProviderUnavailable as exc:
        return _unavailable(str(exc), next_url)
    except TokenRequestFailed as exc:
        return _failed(f"token_{exc.error}", next_url)
    except InvalidToken as exc:
        return _failed(f"id_token_{exc.reason}", next_url)

    now = time.time()
    signed_in: dict[str, Any] = {
        "sub": claims.sub,
        "sid": claims.sid,
        "acr": claims.acr,
        "amr": list(claims.amr),
        "auth_time": claims.auth_time,
        "names": {
            key: userinfo[claim]
            for key, claim in NAME_CLAIMS.items()
            if isinstance(userinfo.get(claim), str)
        },
        "id_token": tokens.id_token,
        "signed_in_at": now,
        "seen_at": now,
    }
    exchange_id = _exchange_id(claims.claims.get(EXCHANGE_ID_CLAIM)) or _exchange_id(
        userinfo.get(EXCHANGE_ID_CLAIM)
    )
    if exchange_id is not None:
        signed_in[EXCHANGE_ID_CLAIM] = exchange_id
    birthdate = userinfo.get(BIRTHDATE_CLAIM, claims.claims.get(BIRTHDATE_CLAIM))
    if _birthdate(birthdate) is not None:
        signed_in[BIRTHDATE_CLAIM] = birthdate
    session[SESSION_KEY] = signed_in
    g.pop("auth_citizen", None)
    log.info("signed in", extra={"acr": claims.acr})
    return redirect(flow.next_url, 303)


def _remember_flow(flow: PendingFlow) -> None:
    keep = FLOWS_BESIDE_SIGNATURE if session.get(SIGNATURES_KEY) else MAX_FLOWS
    session[FLOWS_KEY] = remember(session.get(FLOWS_KEY), flow, keep=keep)


def _wrong_issuer(rp: RelyingParty) -> bool:
    """Whether the answer names another issuer (RFC 9207: a mix-up, or a forged answer);
    raises :class:`ProviderUnavailable` when the discovery document cannot be had."""
    metadata = rp.provider.metadata()
    issuer = request.args.get("iss")
    return issuer != rp.provider.issuer and (issuer is not None or metadata.iss_parameter_supported)


def _tokens(rp: RelyingParty, flow: PendingFlow, code: str) -> tuple[TokenResponse, IdTokenClaims]:
    """Trade the code for tokens and check the ID token against the flow; the tokens and the
    ID token's claims (raises ``ProviderUnavailable``, ``TokenRequestFailed``,
    ``InvalidToken``)."""
    client = rp.identity()
    tokens = rp.provider.exchange_code(
        client, code=code, redirect_uri=rp.redirect_uri, code_verifier=flow.verifier
    )
    if tokens.id_token is None:
        raise InvalidToken("no_id_token", "the token answer has no ID token")
    claims = rp.provider.validate_id_token(
        tokens.id_token,
        client_id=client.client_id,
        nonce=flow.nonce,
        access_token=tokens.access_token,
        required_acr=flow.acr,
        max_age=flow.max_age,
    )
    return tokens, claims


def _provider_error(error: str, flow: PendingFlow) -> Response:
    if flow.prompt == "none" and error in SILENT_ERRORS:
        return redirect(flow.next_url, 303)  # not signed in at the provider: carry on
    if error in UNAVAILABLE_ERRORS:
        return _unavailable(f"provider_{error}", flow.next_url)
    if error == "access_denied":
        log.info("sign-in cancelled")
        return _page(
            200,
            title=_("You have not signed in"),
            explanation=_(
                "You chose not to sign in, so nothing has been shared with this service."
            ),
            next_step=_("You can sign in whenever you are ready."),
            retry_url=url_for("auth.login", next=flow.next_url),
            home_url=flow.next_url,
        )
    return _failed(f"provider_{error}", flow.next_url)


@bp.get("/logout")
def logout_confirm() -> ResponseReturnValue:
    """Ask before signing out (the header's "Sign out" link leads here)."""
    if current_citizen() is None:
        return redirect(url_for("auth.signed_out"), 303)
    return render_template(
        "govkit/auth/sign-out.html",
        page_title=_("Sign out"),
        explanation=_(
            "You will be signed out of this service and of Madoguchi ID, and so of every "
            "Madoguchi service you are using in this browser."
        ),
    )


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out here, then at the provider (which signs the citizen out everywhere)."""
    rp = relying_party()
    data = session.get(SESSION_KEY)
    id_token = data.get("id_token") if isinstance(data, dict) else None
    session.clear()
    g.auth_citizen = None
    if isinstance(id_token, str):
        state = secrets.token_urlsafe(24)
        try:
            client = rp.identity()
            end_session = rp.provider.end_session_url(
                {
                    "id_token_hint": id_token,
                    "client_id": client.client_id,
                    "post_logout_redirect_uri": rp.urls["post_logout_redirect_uri"],
                    "state": state,
                }
            )
        except ProviderUnavailable as exc:
            log.warning("signed out here only", extra={"reason": str(exc)})
            end_session = None
        if end_session is not None:
            session[LOGOUT_STATE_KEY] = state
            log.info("signed out; ending the provider session")
            return redirect(end_session, 303)
    return redirect(url_for("auth.signed_out"), 303)


@bp.get("/signed-out")
def signed_out() -> ResponseReturnValue:
    expected = session.pop(LOGOUT_STATE_KEY, None)
    given = request.args.get("state")
    everywhere = (
        isinstance(expected, str)
        and given is not None
        and secrets.compare_digest(expected.encode(), given.encode())
    )
    return render_template(
        "govkit/auth/signed-out.html",
        page_title=_("You have signed out"),
        explanation=(
            _("You have signed out of this service and of Madoguchi ID.")
            if everywhere
            else _("You have signed out of this service.")
        ),
        sign_in_url=url_for("auth.login", next="/"),
    )


def _oauth_error(status: int, error: str, description: str) -> Response:
    body = json.dumps({"error": error, "error_description": description})
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/backchannel-logout")
def backchannel_logout() -> ResponseReturnValue:
    """The provider ended a session (OpenID Connect Back-Channel Logout 1.0)."""
    rp = relying_party()
    if request.mimetype != "application/x-www-form-urlencoded":
        return _oauth_error(400, "invalid_request", "send the logout token as a form")
    token = request.form.get("logout_token")
    if not token:
        return _oauth_error(400, "invalid_request", "logout_token is missing")
    try:
        client = rp.identity()
    except ProviderUnavailable:
        return _oauth_error(503, "temporarily_unavailable", "this client is not registered")
    database = db.get_session()
    now = datetime.now(UTC)

    def remember_jti(jti: str, until: float) -> bool:
        expires = datetime.fromtimestamp(until, UTC)
        return models.remember_logout_token(database, rp.tables, jti, expires)

    try:
        claims = rp.provider.validate_logout_token(
            token, client_id=client.client_id, remember_jti=remember_jti
        )
    except InvalidToken as exc:
        database.rollback()
        log.warning("logout token refused", extra={"reason": exc.reason})
        return _oauth_error(400, "invalid_request", f"the logout token is not valid ({exc.reason})")
    except ProviderUnavailable:
        database.rollback()
        return _oauth_error(503, "temporarily_unavailable", "the provider's keys are unavailable")
    models.end_session(database, rp.tables, claims.sid, now)
    models.prune(database, rp.tables, now)
    try:
        database.commit()
    except SQLAlchemyError:
        database.rollback()
        log.exception("back-channel logout not recorded")
        return _oauth_error(503, "temporarily_unavailable", "the logout could not be recorded")
    log.info("back-channel logout: session ended")
    response = current_app.response_class(b"", status=200)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- signing step-up ----------------------------------------------------------------------------


class SignatureRefusal(StrEnum):
    """Why a signing step-up came back without a signature (:func:`signature_refusal`)."""

    #: The citizen chose not to sign at the provider, or their card could not sign there
    #: (signing password locked after 5 wrong entries, or a card holder under 15: the
    #: provider's page said which, and the only way on was "Do not sign").
    CANCELLED = "cancelled"
    #: The round trip took longer than a flow lives.
    EXPIRED = "expired"
    #: The signer is not the citizen signed in here.
    OTHER_CITIZEN = "other_citizen"
    #: The sign-in here ended while the citizen was signing.
    SIGNED_OUT = "signed_out"
    #: The provider could not be reached or had trouble.
    UNAVAILABLE = "unavailable"
    #: A signature came back but is not a valid card signature over the digest asked for.
    INVALID = "invalid"
    #: The provider's answer could not be accepted (an error, a bad token).
    FAILED = "failed"

    @property
    def message(self) -> str:
        """What to tell the citizen, in plain language (translated)."""
        return str(_REFUSAL_MESSAGES[self])


_REFUSAL_MESSAGES = {
    SignatureRefusal.CANCELLED: _l(
        "You have not signed, so nothing has been sent. Either you chose not to sign, or your "
        "card could not sign (the signing password is locked, or signing is not available to "
        "people under 15)."
    ),
    SignatureRefusal.EXPIRED: _l(
        "Signing took too long, so nothing has been sent. Start signing again."
    ),
    SignatureRefusal.OTHER_CITIZEN: _l(
        "The card that signed is not the card of the person signed in to this service, so the "
        "signature has not been accepted and nothing has been sent."
    ),
    SignatureRefusal.SIGNED_OUT: _l(
        "You were signed out while signing, so nothing has been sent. Sign in and sign again."
    ),
    SignatureRefusal.UNAVAILABLE: _l(
        "Signing is unavailable at the moment because Madoguchi ID cannot be reached. Try "
        "again in a few minutes. Nothing you entered has been lost."
    ),
    SignatureRefusal.INVALID: _l(
        "The signature could not be checked, so it has not been accepted and nothing has been "
        "sent. Try signing again."
    ),
    SignatureRefusal.FAILED: _l(
        "The answer from Madoguchi ID could not be accepted, so nothing has been signed or "
        "sent. Try signing again. If it happens again, try later."
    ),
}


def _signing_scope(scope: str) -> str:
    scopes = scope.split()
    return " ".join(scopes if SIGN_SCOPE in scopes else [*scopes, SIGN_SCOPE])


def _forget_signing(encoded: str) -> None:
    """Drop what an earlier round trip for this digest left behind (and any refusal)."""
    session.pop(SIGNATURE_REFUSAL_KEY, None)
    stored = session.get(SIGNATURES_KEY)
    if isinstance(stored, dict) and encoded in stored:
        left = {key: value for key, value in stored.items() if key != encoded}
        if left:
            session[SIGNATURES_KEY] = left
        else:
            session.pop(SIGNATURES_KEY, None)


def _refuse_signature(
    encoded: str, reason: SignatureRefusal, next_url: str, detail: str | None = None
) -> Response:
    """Back to the service's page, which reads the reason with :func:`signature_refusal`."""
    level = (
        logging.WARNING
        if reason in (SignatureRefusal.INVALID, SignatureRefusal.FAILED)
        else logging.INFO
    )
    log.log(level, "no signature", extra={"reason": detail or str(reason)})
    session[SIGNATURE_REFUSAL_KEY] = {"digest": encoded, "reason": str(reason)}
    return redirect(next_url, 303)


def request_signature(*, digest: bytes, purpose: str, next_url: str) -> Response:
    """Ask the signed-in citizen to sign ``digest`` (the SHA-256 of the submission) with their
    My Number card; the redirect to the provider, whose page shows ``purpose`` (up to 200
    characters) and asks for the signing password.

    The provider's single sign-on session is reused (no PIN again) when it is a card one. The
    browser comes back to ``next_url`` (a path on this service) either way: then
    :func:`signature_for` gives the checked signature, or :func:`signature_refusal` says why
    there is none. Call it from a view behind :func:`login_required`.
    """
    if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZE:
        raise ValueError("digest must be the 32 bytes of a SHA-256 digest")
    purpose = purpose.strip() if isinstance(purpose, str) else ""
    if not purpose or len(purpose) > MAX_PURPOSE:
        raise ValueError(f"purpose must be 1 to {MAX_PURPOSE} characters")
    if current_citizen() is None:
        raise RuntimeError("request_signature needs a signed-in citizen (use login_required)")
    rp = relying_party()
    next_url = safe_next(next_url)
    encoded = b64url(digest)
    _forget_signing(encoded)
    try:
        client = rp.identity()
        rp.provider.metadata()
    except ProviderUnavailable as exc:
        return _refuse_signature(encoded, SignatureRefusal.UNAVAILABLE, next_url, str(exc))
    flow = PendingFlow.start(
        next_url=next_url,
        acr=SIGNING_ACR,
        max_age=None,
        prompt=None,
        now=time.time(),
        sign_digest=encoded,
    )
    _remember_flow(flow)
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": _signing_scope(rp.scope),
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": flow.challenge,
        "code_challenge_method": "S256",
        "acr_values": SIGNING_ACR,
        "sign_digest": encoded,
        "sign_purpose": purpose,
    }
    log.info("signature requested")
    return redirect(rp.provider.authorization_url(params), 303)


def _finish_signing(rp: RelyingParty, flow: PendingFlow) -> Response:
    """The callback of a signing step-up: keep the checked signature, or say why there is
    none; the signed-in session here stays exactly as it was either way."""
    encoded = str(flow.sign_digest)

    def refuse(reason: SignatureRefusal, detail: str | None = None) -> Response:
        return _refuse_signature(encoded, reason, flow.next_url, detail)

    try:
        if _wrong_issuer(rp):
            return refuse(SignatureRefusal.FAILED, "issuer_mismatch")
    except ProviderUnavailable as exc:
        return refuse(SignatureRefusal.UNAVAILABLE, str(exc))
    if flow.expired(time.time()):
        return refuse(SignatureRefusal.EXPIRED)
    error = request.args.get("error")
    if error is not None:
        error = error[:64]
        if error == "access_denied":
            return refuse(SignatureRefusal.CANCELLED)
        if error in UNAVAILABLE_ERRORS:
            return refuse(SignatureRefusal.UNAVAILABLE, f"provider_{error}")
        return refuse(SignatureRefusal.FAILED, f"provider_{error}")
    code = request.args.get("code")
    if not code or len(code) > 512:
        return refuse(SignatureRefusal.FAILED, "no_code")
    try:
        _answer, claims = _tokens(rp, flow, code)
    except ProviderUnavailable as exc:
        return refuse(SignatureRefusal.UNAVAILABLE, str(exc))
    except TokenRequestFailed as exc:
        return refuse(SignatureRefusal.FAILED, f"token_{exc.error}")
    except InvalidToken as exc:
        return refuse(SignatureRefusal.FAILED, f"id_token_{exc.reason}")
    citizen = current_citizen()
    if citizen is None:
        return refuse(SignatureRefusal.SIGNED_OUT)
    if claims.sub != citizen.sub:
        return refuse(SignatureRefusal.OTHER_CITIZEN)
    try:
        signature = CardSignature.from_json(
            claims.claims.get(SIGNATURE_CLAIM),
            signer_sub=claims.sub,
            signer_exchange_id=_exchange_id(claims.claims.get(EXCHANGE_ID_CLAIM)),
        )
    except MalformedSignature as exc:
        return refuse(SignatureRefusal.INVALID, f"malformed: {exc}")
    if b64url(signature.digest) != encoded:
        return refuse(SignatureRefusal.INVALID, "another_digest")
    if not signature.verify(signature.digest):
        return refuse(SignatureRefusal.INVALID, "signature")
    stored = session.get(SIGNATURES_KEY)
    kept = {k: v for k, v in stored.items() if k != encoded} if isinstance(stored, dict) else {}
    kept[encoded] = {
        **signature.as_json(),
        "sub": signature.signer_sub,
        "exchange_id": signature.signer_exchange_id,
    }
    session[SIGNATURES_KEY] = dict(list(kept.items())[-MAX_SIGNATURES:])
    if session.get(FLOWS_KEY):
        session[FLOWS_KEY] = newest(session[FLOWS_KEY], FLOWS_BESIDE_SIGNATURE)
    session.pop(SIGNATURE_REFUSAL_KEY, None)
    log.info("signature received")
    return redirect(flow.next_url, 303)


def signature_for(digest: bytes) -> CardSignature | None:
    """The card signature over exactly ``digest`` that the last signing step-up brought back,
    checked again, by the citizen signed in now; ``None`` if there is none. Taken once: a
    second call gives ``None``."""
    if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZE:
        return None
    stored = session.get(SIGNATURES_KEY)
    encoded = b64url(digest)
    if not isinstance(stored, dict) or encoded not in stored:
        return None
    data = stored[encoded]
    _forget_signing(encoded)
    citizen = current_citizen()
    if citizen is None or not isinstance(data, dict) or data.get("sub") != citizen.sub:
        return None
    try:
        signature = CardSignature.from_json(
            data, signer_sub=citizen.sub, signer_exchange_id=_exchange_id(data.get("exchange_id"))
        )
    except MalformedSignature:
        return None
    return signature if signature.verify(digest) else None


def signature_refusal(digest: bytes | None = None) -> SignatureRefusal | None:
    """Why the last signing step-up (for ``digest``, when given) brought no signature back, or
    ``None``; taken once. ``.message`` is the text to show the citizen."""
    data = session.pop(SIGNATURE_REFUSAL_KEY, None)
    if not isinstance(data, dict):
        return None
    if digest is not None and data.get("digest") != b64url(digest):
        return None
    try:
        return SignatureRefusal(data.get("reason"))
    except ValueError:
        return SignatureRefusal.FAILED


# -- the extension -------------------------------------------------------------------------------


def _check_session() -> None:
    # Assets, /healthz and the language switch show nothing personal: no lookup for them.
    if request.blueprint != "govkit" and SESSION_KEY in session:
        current_citizen()


def _navigation() -> dict[str, Any]:
    rp: RelyingParty = current_app.extensions[EXTENSION]
    try:
        citizen = current_citizen()
    except SQLAlchemyError:
        citizen = None
    items: list[dict[str, Any]] = []
    if citizen is not None:
        if rp.account_endpoint is not None:
            items.append(
                {
                    "href": url_for(rp.account_endpoint),
                    "text": _("Your account"),
                    "active": request.endpoint == rp.account_endpoint,
                }
            )
        items.append({"href": url_for("auth.logout_confirm"), "text": _("Sign out")})
    else:
        here = request.full_path if request.query_string else request.path
        if request.blueprint == "auth" or request.routing_exception is not None:
            here = "/"
        items.append({"href": url_for("auth.login", next=safe_next(here)), "text": _("Sign in")})
    return {"service_navigation": items}


def _signed_in_context() -> dict[str, Any]:
    """``agency_identifier`` for templates: the signed-in citizen's identifier at this agency
    and why it differs elsewhere (``None`` when nobody is signed in)."""
    try:
        citizen = current_citizen()
    except SQLAlchemyError:
        citizen = None
    return {"agency_identifier": agency_identifier(citizen) if citizen is not None else None}


def init_auth(
    app: Flask,
    settings: ServiceSettings,
    *,
    sector: str,
    client_name: str,
    model: AuthTables,
    scope: str = reg.SCOPE,
    account_endpoint: str | None = None,
    navigation: bool = True,
    provider: ProviderClient | None = None,
    session_lifetime: int = SESSION_LIFETIME,
    idle_timeout: int = IDLE_TIMEOUT,
) -> RelyingParty:
    """Let citizens sign in to ``app`` with the kit's OpenID provider (call from the factory,
    after :func:`govkit.service.new_app`). ``model`` is the service's :func:`auth_tables`."""
    rp = RelyingParty(
        settings,
        sector=sector,
        client_name=client_name,
        tables=model,
        scope=scope,
        provider=provider,
        session_lifetime=session_lifetime,
        idle_timeout=idle_timeout,
        account_endpoint=account_endpoint,
    )
    app.extensions[EXTENSION] = rp
    register_blueprint(app, bp, access=PUBLIC)
    csrf.exempt(backchannel_logout)  # a server-to-server POST with a signed token, no cookie
    app.before_request(_check_session)
    if navigation:
        app.context_processor(_navigation)
    app.context_processor(_signed_in_context)
    issuer = urlsplit(settings.idp_url)
    origin = f"{issuer.scheme}://{issuer.netloc}"
    app.config["GOVKIT_FORM_ACTION"] = (*app.config.get("GOVKIT_FORM_ACTION", ()), origin)
    return rp
