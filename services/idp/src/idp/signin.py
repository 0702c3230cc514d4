"""Use cases of the authorization journey: one function per thing the citizen or client does.

An authorization request becomes a server-side *login transaction* (opaque id in the URL,
bound to the browser that started it), which moves through sign-in, consent and signing as
needed, then ends in a code sent to the client's registered redirect URI.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.oauth2 import OAuth2Error
from sqlalchemy import inspect
from sqlmodel import Session, select

from idp import audit, repository
from idp.card import CardAnswer, CardReader
from idp.clients import RegisteredClient
from idp.domain import authorization as rules
from idp.domain.claims import BASIC_SCOPES, MY_NUMBER_SCOPE
from idp.domain.levels import CARD_AMR, parse_acr_values
from idp.domain.people import may_sign
from idp.hashing import new_token
from idp.models import CardRecord, Citizen, LoginTransaction, OPSession
from idp.oauth import KitServer, SignedIn, stored_request

TRANSACTION_LIFETIME = timedelta(minutes=15)
#: Scopes a citizen is asked to agree to release (``openid`` itself releases nothing).
CONSENT_SCOPES = (*BASIC_SCOPES[1:], MY_NUMBER_SCOPE, "offline_access")


class CardVerifier(Protocol):
    def verify_authentication(
        self, answer: CardAnswer, challenge: bytes, *, now: datetime, check_revocation: bool
    ) -> Any: ...

    def verify_signing(
        self, answer: CardAnswer, data: bytes, *, now: datetime, check_revocation: bool
    ) -> Any: ...


@dataclass(frozen=True)
class Step:
    """Where the browser goes next."""

    kind: Literal["error_page", "redirect", "login", "consent", "sign"]
    url: str | None = None
    transaction_id: str | None = None
    reason: str | None = None
    description: str | None = None
    status: int = 200


@dataclass
class Journey:
    """What a use case needs from the app: the OAuth server and the card components."""

    server: KitServer
    reader_for: Any  # Callable[[Session, datetime], CardReader]
    verifier: CardVerifier | None
    session_lifetime: timedelta
    issuer: str


# -- helpers ---------------------------------------------------------------------------------
def error_redirect(
    redirect_uri: str, error: str, description: str, state: str | None, issuer: str
) -> str:
    params: dict[str, str] = {"error": error, "error_description": description}
    if state is not None:
        params["state"] = state
    params["iss"] = issuer
    return _add_query(redirect_uri, params)


def _add_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _request_dict(request: rules.AuthorizationRequest) -> dict[str, Any]:
    return {
        "client_id": request.client_id,
        "redirect_uri": request.redirect_uri,
        "scope": request.scope,
        "state": request.state,
        "nonce": request.nonce,
        "code_challenge": request.code_challenge,
        "prompt": sorted(request.prompt),
        "max_age": request.max_age,
        "acr_values": request.acr_values,
        "ui_locales": request.ui_locales,
        "login_hint": request.login_hint,
        "sign_digest": request.sign_digest,
        "sign_purpose": request.sign_purpose,
    }


def request_from(txn: LoginTransaction) -> rules.AuthorizationRequest:
    data = txn.request
    return rules.AuthorizationRequest(
        client_id=data["client_id"],
        redirect_uri=data["redirect_uri"],
        scopes=tuple(data["scope"].split()),
        state=data.get("state"),
        nonce=data.get("nonce"),
        code_challenge=data["code_challenge"],
        prompt=frozenset(data.get("prompt") or ()),
        max_age=data.get("max_age"),
        requirement=parse_acr_values(data.get("acr_values")),
        acr_values=data.get("acr_values"),
        ui_locales=data.get("ui_locales"),
        login_hint=data.get("login_hint"),
        id_token_hint=None,
        sign_digest=data.get("sign_digest"),
        sign_purpose=data.get("sign_purpose"),
    )


def consent_missing(
    session: Session, client: RegisteredClient, citizen_id: str, request: rules.AuthorizationRequest
) -> list[str]:
    """Scopes the citizen has not yet agreed to release to this client."""
    if client.first_party:
        return []
    wanted = [s for s in request.scopes if s in CONSENT_SCOPES]
    granted = repository.granted_scopes(session, citizen_id, client.client_id)
    return [s for s in wanted if s not in granted]


def find_transaction(
    session: Session, transaction_id: str, now: datetime
) -> LoginTransaction | None:
    if not transaction_id or len(transaction_id) > 64:
        return None
    txn = session.get(LoginTransaction, transaction_id)
    if txn is None or txn.expires_at <= now:
        return None
    return txn


# -- the authorization request -----------------------------------------------------------------
def begin(
    session: Session, journey: Journey, params: Any, browser_sid: str | None, now: datetime
) -> Step:
    """``GET|POST /authorize``: check the request, then send the browser where it must go."""
    clients = journey.server.provider.clients
    try:
        client, request = rules.validate(params, clients.get)
    except rules.ShowError as error:
        audit.record(session, "authorization_refused", now=now, reason=error.reason)
        session.commit()
        return Step("error_page", reason=error.reason, description=error.description, status=400)
    except rules.RedirectError as error:
        url = error_redirect(
            error.redirect_uri, error.error, error.description, error.state, journey.issuer
        )
        return Step("redirect", url=url)
    assert isinstance(client, RegisteredClient)
    txn = LoginTransaction(
        id=new_token(24),
        client_id=client.client_id,
        request=_request_dict(request),
        challenge=secrets.token_hex(32),
        created_at=now,
        expires_at=now + TRANSACTION_LIFETIME,
    )
    session.add(txn)
    step = advance(session, journey, txn, browser_sid, now)
    session.commit()
    return step


def advance(
    session: Session,
    journey: Journey,
    txn: LoginTransaction,
    browser_sid: str | None,
    now: datetime,
) -> Step:
    """The next step of a transaction (no commit): sign in, consent, sign, or the code."""
    request = request_from(txn)
    client = journey.server.provider.clients.get(txn.client_id)
    if client is None:  # deleted meanwhile
        return Step(
            "error_page",
            reason="unknown_client",
            description="The service that sent you here is no longer registered.",
            status=400,
        )
    current = repository.live_session(session, browser_sid, now)
    signed_in_here = current is not None and txn.sid == current.sid
    if not signed_in_here:
        facts = None
        if current is not None:
            age = (now - current.auth_time).total_seconds()
            facts = rules.SessionFacts(
                current.citizen_id, current.acr, age, current.revocation_checked
            )
        if rules.needs_sign_in(request, facts):
            if "none" in request.prompt:
                return _fail(
                    session, txn, journey, "login_required", "the citizen must sign in", now
                )
            return Step("login", transaction_id=txn.id)
    assert current is not None
    txn.citizen_id = current.citizen_id
    missing = consent_missing(session, client, current.citizen_id, request)
    if missing:
        if "none" in request.prompt:
            return _fail(
                session, txn, journey, "consent_required", "the citizen must agree first", now
            )
        return Step("consent", transaction_id=txn.id)
    if rules.SIGN_SCOPE in request.scopes and txn.signature is None:
        if "none" in request.prompt:
            return _fail(
                session, txn, journey, "interaction_required", "signing needs the citizen", now
            )
        return Step("sign", transaction_id=txn.id)
    return _issue_code(session, journey, txn, current, now)


def _discard(session: Session, txn: LoginTransaction) -> None:
    """A finished transaction leaves no row (it may never have been written at all)."""
    if inspect(txn).persistent:
        session.delete(txn)
    else:
        session.expunge(txn)


def _fail(
    session: Session,
    txn: LoginTransaction,
    journey: Journey,
    error: str,
    description: str,
    now: datetime,
) -> Step:
    request = request_from(txn)
    _discard(session, txn)
    audit.record(
        session,
        "authorization_failed",
        now=now,
        client_id=txn.client_id,
        citizen_id=txn.citizen_id,
        error=error,
    )
    return Step(
        "redirect",
        url=error_redirect(request.redirect_uri, error, description, request.state, journey.issuer),
    )


def _issue_code(
    session: Session, journey: Journey, txn: LoginTransaction, current: OPSession, now: datetime
) -> Step:
    """Authlib re-checks the stored request and issues the code to the redirect URI."""
    request = request_from(txn)
    server = journey.server
    oauth_request = stored_request(server.provider, request.as_params())
    user = SignedIn(
        current.citizen_id,
        current.sid,
        current.auth_time,
        current.acr,
        tuple(current.amr),
        txn.signature,
    )
    oauth_request.user = user
    grant = server.get_authorization_grant(oauth_request)
    try:
        redirect_uri = grant.validate_authorization_request()
        _status, _body, headers = grant.create_authorization_response(redirect_uri, user)
    except OAuth2Error as error:  # e.g. the nonce was used before, or the client changed
        return _fail(session, txn, journey, error.error, error.description or error.error, now)
    location = dict(headers)["Location"]
    _discard(session, txn)
    audit.record(
        session,
        "authorized",
        now=now,
        client_id=txn.client_id,
        citizen_id=current.citizen_id,
        acr=current.acr,
    )
    return Step("redirect", url=_add_query(location, {"iss": journey.issuer}))


# -- signing in with the card ------------------------------------------------------------------
class SignInFailed(Exception):
    """The card or PIN was refused; ``reason`` says how (for the page), never the PIN."""

    def __init__(self, reason: str, remaining: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.remaining = remaining


def card_sign_in(
    session: Session,
    journey: Journey,
    txn: LoginTransaction,
    card_id: str,
    pin: str,
    browser_sid: str | None,
    now: datetime,
) -> tuple[OPSession, Step]:
    """The card checks the PIN and signs the transaction's challenge; the provider checks the
    signature, the certificate chain, its validity and (when asked) its revocation."""
    from idp.card import CardLocked, UnknownCard, WrongPin

    request = request_from(txn)
    record = session.get(CardRecord, card_id) if card_id and len(card_id) <= 32 else None
    if record is None:
        raise SignInFailed("unknown_card")
    reader: CardReader = journey.reader_for(session, now)
    challenge = bytes.fromhex(txn.challenge)
    try:
        answer = reader.authenticate(card_id, pin, challenge)
    except WrongPin as error:
        audit.record(
            session,
            "login_failed",
            now=now,
            citizen_id=record.citizen_id,
            method="card",
            reason="wrong_pin",
            remaining=error.remaining,
        )
        session.commit()
        raise SignInFailed("wrong_pin", error.remaining) from None
    except CardLocked:
        audit.record(session, "card_locked", now=now, citizen_id=record.citizen_id)
        session.commit()
        raise SignInFailed("locked") from None
    except UnknownCard:
        raise SignInFailed("unknown_card") from None
    if answer.certificate_der != record.auth_certificate:
        raise SignInFailed("certificate_mismatch")
    check = request.requirement.check_revocation
    if journey.verifier is None:
        raise SignInFailed("no_trust_anchor")
    from idp.jpki import CardRejected

    try:
        journey.verifier.verify_authentication(answer, challenge, now=now, check_revocation=check)
    except CardRejected as error:
        audit.record(
            session,
            "login_failed",
            now=now,
            citizen_id=record.citizen_id,
            method="card",
            reason=error.reason,
        )
        session.commit()
        raise SignInFailed(error.reason) from None
    return complete_login(
        session,
        journey,
        txn,
        record.citizen_id,
        "aal3",
        CARD_AMR,
        revocation_checked=check,
        browser_sid=browser_sid,
        now=now,
        audit_details={"method": "card", "revocation_checked": check},
    )


def complete_login(
    session: Session,
    journey: Journey,
    txn: LoginTransaction,
    citizen_id: str,
    acr: str,
    amr: tuple[str, ...],
    *,
    revocation_checked: bool,
    browser_sid: str | None,
    now: datetime,
    audit_details: dict[str, Any],
) -> tuple[OPSession, Step]:
    """After a card or a passkey proved who it is: a fresh SSO session bound to the
    transaction, the ``login`` audit record, the transaction moved on, all committed."""
    new_session = _start_session(
        session,
        journey,
        citizen_id,
        acr,
        amr,
        revocation_checked=revocation_checked,
        browser_sid=browser_sid,
        now=now,
    )
    txn.sid = new_session.sid
    txn.citizen_id = citizen_id
    session.add(txn)
    audit.record(session, "login", now=now, citizen_id=citizen_id, acr=acr, **audit_details)
    step = advance(session, journey, txn, new_session.sid, now)
    session.commit()
    return new_session, step


def _start_session(
    session: Session,
    journey: Journey,
    citizen_id: str,
    acr: str,
    amr: tuple[str, ...],
    *,
    revocation_checked: bool,
    browser_sid: str | None,
    now: datetime,
) -> OPSession:
    """A fresh SSO session (a new ``sid``: never reuse one across a sign-in)."""
    previous = repository.live_session(session, browser_sid, now)
    if previous is not None and previous.citizen_id != citizen_id:
        previous.ended_at = now
        session.add(previous)
        repository.revoke_session_tokens(session, previous.sid, now)
    row = OPSession(
        sid=new_token(24),
        citizen_id=citizen_id,
        auth_time=now,
        acr=acr,
        amr=list(amr),
        revocation_checked=revocation_checked,
        created_at=now,
        expires_at=now + journey.session_lifetime,
    )
    session.add(row)
    return row


# -- consent -----------------------------------------------------------------------------------
def decide_consent(
    session: Session,
    journey: Journey,
    txn: LoginTransaction,
    allow: bool,
    browser_sid: str | None,
    now: datetime,
) -> Step:
    from idp.models import Consent

    current = repository.live_session(session, browser_sid, now)
    if current is None:
        step = advance(session, journey, txn, browser_sid, now)
        session.commit()
        return step
    client = journey.server.provider.clients.get(txn.client_id)
    if not allow or client is None:
        step = _fail(session, txn, journey, "access_denied", "the citizen did not agree", now)
        session.commit()
        return step
    request = request_from(txn)
    missing = consent_missing(session, client, current.citizen_id, request)
    if missing:
        session.add(
            Consent(
                citizen_id=current.citizen_id,
                client_id=client.client_id,
                scope=" ".join(missing),
                granted_at=now,
            )
        )
        audit.record(
            session,
            "consent_granted",
            now=now,
            citizen_id=current.citizen_id,
            client_id=client.client_id,
            scopes=missing,
        )
    step = advance(session, journey, txn, browser_sid, now)
    session.commit()
    return step


def withdraw_consent(session: Session, citizen_id: str, client_id: str, now: datetime) -> int:
    """The citizen withdraws what they agreed to; the client's tokens stop working."""
    count = repository.revoke_consent(session, citizen_id, client_id, now)
    tokens = repository.revoke_client_tokens(session, citizen_id, client_id, now)
    audit.record(
        session,
        "consent_withdrawn",
        now=now,
        citizen_id=citizen_id,
        client_id=client_id,
        tokens_revoked=tokens,
    )
    session.commit()
    return count


# -- signing step-up -----------------------------------------------------------------------------
def sign_submission(
    session: Session,
    journey: Journey,
    txn: LoginTransaction,
    password: str,
    browser_sid: str | None,
    now: datetime,
    today: date,
) -> Step:
    """The card signs the client's digest after checking the signing password (5 tries)."""
    from idp.card import NoSigningCertificate, SigningLocked, WrongPassword

    current = repository.live_session(session, browser_sid, now)
    if current is None:
        raise SignInFailed("no_session")
    citizen = session.get(Citizen, current.citizen_id)
    record = session.exec(
        select(CardRecord).where(CardRecord.citizen_id == current.citizen_id)
    ).first()
    if citizen is None or record is None or not may_sign(citizen.birthdate, today):
        audit.record(
            session, "signing_refused", now=now, citizen_id=current.citizen_id, reason="under_15"
        )
        session.commit()
        raise SignInFailed("under_15")
    request = request_from(txn)
    digest = base64.urlsafe_b64decode((request.sign_digest or "") + "=")
    reader: CardReader = journey.reader_for(session, now)
    try:
        answer = reader.sign(record.card_id, password, digest)
    except WrongPassword as error:
        audit.record(
            session,
            "signing_failed",
            now=now,
            citizen_id=current.citizen_id,
            remaining=error.remaining,
        )
        session.commit()
        raise SignInFailed("wrong_password", error.remaining) from None
    except SigningLocked:
        audit.record(session, "signing_locked", now=now, citizen_id=current.citizen_id)
        session.commit()
        raise SignInFailed("signing_locked") from None
    except NoSigningCertificate:
        raise SignInFailed("under_15") from None
    if journey.verifier is None:
        raise SignInFailed("no_trust_anchor")
    from idp.jpki import CardRejected

    try:
        journey.verifier.verify_signing(answer, digest, now=now, check_revocation=False)
    except CardRejected as error:
        raise SignInFailed(error.reason) from None
    txn.signature = {
        "alg": "ES256",
        "digest": request.sign_digest,
        "purpose": request.sign_purpose,
        "signature": base64.urlsafe_b64encode(answer.signature).rstrip(b"=").decode(),
        "x5c": [base64.b64encode(answer.certificate_der).decode()],
        "signed_at": now.astimezone(UTC).isoformat(),
    }
    session.add(txn)
    audit.record(
        session,
        "signed",
        now=now,
        citizen_id=current.citizen_id,
        client_id=txn.client_id,
        purpose=request.sign_purpose,
    )
    step = advance(session, journey, txn, browser_sid, now)
    session.commit()
    return step


def cancel(session: Session, journey: Journey, txn: LoginTransaction, now: datetime) -> Step:
    """The citizen chose not to continue: the client hears ``access_denied``."""
    step = _fail(session, txn, journey, "access_denied", "the citizen cancelled", now)
    session.commit()
    return step
