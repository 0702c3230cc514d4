"""Ending a single sign-on session, and telling every relying party of it (back-channel).

Each client that received tokens in the session and registered a ``backchannel_logout_uri``
gets a logout token (OpenID Connect Back-Channel Logout 1.0) by a direct POST, in parallel,
each with a short timeout; the outcome of every delivery is audited.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests
from sqlmodel import Session

from govkit.db import Database
from idp import audit, repository
from idp.jwt import logout_token_claims, sign
from idp.provider import Provider

log = logging.getLogger(__name__)
DELIVERY_TIMEOUT = 3.0


@dataclass(frozen=True)
class Delivery:
    client_id: str
    uri: str
    logout_token: str


@dataclass(frozen=True)
class DeliveryResult:
    client_id: str
    delivered: bool
    detail: str


def end_session(
    session: Session, provider: Provider, sid: str, now: datetime, *, reason: str
) -> list[Delivery]:
    """End the session and revoke its tokens (commits); returns the logout tokens to send."""
    row = repository.live_session(session, sid, now)
    if row is None:
        return []
    row.ended_at = now
    session.add(row)
    revoked = repository.revoke_session_tokens(session, sid, now)
    deliveries = []
    for client_id in repository.session_clients(session, sid):
        client = provider.clients.get(client_id)
        if client is None or not client.backchannel_logout_uri:
            continue
        claims = logout_token_claims(
            issuer=provider.issuer,
            client_id=client.client_id,
            sub=provider.subject(client, row.citizen_id),
            sid=sid,
            now=now,
        )
        token = sign(provider.keys, client.id_token_signed_response_alg, claims, typ="logout+jwt")
        deliveries.append(Delivery(client.client_id, client.backchannel_logout_uri, token))
    audit.record(
        session,
        "logout",
        now=now,
        citizen_id=row.citizen_id,
        reason=reason,
        tokens_revoked=revoked,
        clients_notified=len(deliveries),
    )
    session.commit()
    return deliveries


def _deliver(http: requests.Session, delivery: Delivery) -> DeliveryResult:
    try:
        response = http.post(
            delivery.uri,
            data={"logout_token": delivery.logout_token},
            timeout=DELIVERY_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return DeliveryResult(delivery.client_id, False, type(error).__name__)
    return DeliveryResult(
        delivery.client_id, response.status_code == 200, str(response.status_code)
    )


def deliver(
    database: Database, http: requests.Session, deliveries: list[Delivery], now: datetime
) -> list[DeliveryResult]:
    """POST every logout token (in parallel, through ``http``: the provider's outgoing
    session) and audit each outcome."""
    if not deliveries:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(deliveries))) as pool:
        results = list(pool.map(functools.partial(_deliver, http), deliveries))
    with Session(database.engine) as session:
        for result in results:
            audit.record(
                session,
                "backchannel_logout",
                now=now,
                client_id=result.client_id,
                delivered=result.delivered,
                detail=result.detail,
            )
            if not result.delivered:
                log.warning(
                    "back-channel logout not delivered",
                    extra={"client_id": result.client_id, "detail": result.detail},
                )
        session.commit()
    return results
