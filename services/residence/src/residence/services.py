"""The register's use cases: one function per intent, each owning its transaction.

* :func:`look_up_basic_four` — another agency asks for a resident's basic four through the
  exchange; the register checks the legal basis (asking the portal about a consent), answers
  or refuses, and records the call in the resident's data-usage log in the same transaction
  as the read;
* :func:`list_data_usage` — the resident's data-usage log, for the portal to show them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from govkit.exchange import IncomingCall
from residence import repository
from residence.domain import basic_four as basic_four_rules
from residence.domain import chain
from residence.domain.consent import ConsentDecision, ConsentRequest, Refusal, decide, refused
from residence.domain.errors import (
    ConsentNotFound,
    ConsentUnverifiable,
    DataRefused,
    MissingLegalBasis,
    UnknownResident,
)
from residence.models import DataUsageEvent
from residence.providers import ConsentChecker

log = logging.getLogger(__name__)

#: How often an append that lost a race for the next ``seq`` is tried again.
APPEND_ATTEMPTS = 5
SERVED = "served"
REFUSED = "refused"

_STATUTE = ConsentDecision(None, "A statutory basis needs no consent.")


def look_up_basic_four(
    *,
    session: Session,
    exchange_id: str,
    call: IncomingCall,
    consents: ConsentChecker,
    today: date,
    now: datetime,
) -> dict[str, str]:
    """The resident's basic four for the caller, or :class:`DataRefused` /
    :class:`UnknownResident` / :class:`MissingLegalBasis`.

    A ``consent:<id>`` basis is checked with the portal before anything is released; a
    ``law:<article>`` basis is taken as given (the security server has already checked that
    the caller may use this service at all). Every call about a known resident, served or
    refused, is recorded in their data-usage log; calls about nobody are not.
    """
    if call.legal_basis is None:
        raise MissingLegalBasis()
    if repository.find_resident_by_pseudonym(session=session, pseudonym=exchange_id) is None:
        raise UnknownResident(exchange_id)
    items = basic_four_rules.released_items()
    decision = _check_basis(call, exchange_id, items, consents)
    outcome = SERVED if decision.released else REFUSED

    for attempt in range(1, APPEND_ATTEMPTS + 1):
        resident = repository.lock_resident_by_pseudonym(session=session, pseudonym=exchange_id)
        if resident is None:  # removed from the register while the consent was checked
            session.rollback()
            raise UnknownResident(exchange_id)
        record = repository.record_of(resident)
        try:
            _append_event(
                session,
                subject=exchange_id,
                call=call,
                service=basic_four_rules.SERVICE,
                items=items,
                outcome=outcome,
                refusal=decision.refusal,
                now=now,
            )
            session.commit()
            break
        except IntegrityError:
            # Another request took the next seq between our read and our insert.
            session.rollback()
            log.info("data-usage append raced; retrying (attempt %s)", attempt)
    else:
        raise RuntimeError(f"could not append to the data-usage log in {APPEND_ATTEMPTS} tries")

    log.info(
        "basic-four call %s",
        outcome,
        extra={
            "client": str(call.client),
            "refusal": decision.refusal,
            "x_road_id": call.x_road_id,
        },
    )
    if not decision.released:
        raise DataRefused(decision)
    return basic_four_rules.basic_four(record, resident=exchange_id, as_of=today)


def _check_basis(
    call: IncomingCall, subject: str, items: tuple[str, ...], consents: ConsentChecker
) -> ConsentDecision:
    consent_id = call.consent_id
    if consent_id is None:
        return _STATUTE
    try:
        consent = consents.fetch(consent_id, subject=subject, issue=call.issue)
    except ConsentNotFound:
        return refused(
            Refusal.CONSENT_NOT_FOUND, f"The portal knows no consent with id {consent_id}."
        )
    except ConsentUnverifiable as exc:
        return refused(Refusal.CONSENT_UNVERIFIABLE, exc.reason)
    request = ConsentRequest(
        consent_id=consent_id,
        subject=subject,
        consumer=str(call.client),
        service=basic_four_rules.SERVICE,
        items=items,
    )
    return decide(consent, request)


def _append_event(
    session: Session,
    *,
    subject: str,
    call: IncomingCall,
    service: str,
    items: tuple[str, ...],
    outcome: str,
    refusal: str | None,
    now: datetime,
) -> DataUsageEvent:
    """Add the call to the end of ``subject``'s chain (the caller holds their row lock)."""
    last = repository.last_usage_event(session=session, subject=subject)
    at = now.astimezone(UTC).replace(microsecond=0)
    event = chain.UsageEvent(
        seq=1 if last is None else last.seq + 1,
        at=at,
        client=str(call.client),
        service=service,
        items=items,
        purpose=call.purpose,
        legal_basis=call.legal_basis,
        outcome=outcome,
        refusal=None if refusal is None else str(refusal),
        x_road_id=call.x_road_id,
        issue=call.issue,
    )
    prev_hash = chain.GENESIS if last is None else last.hash
    row = DataUsageEvent(
        subject=subject,
        seq=event.seq,
        at=at,
        client=event.client,
        service=event.service,
        items=list(event.items),
        purpose=event.purpose,
        legal_basis=event.legal_basis,
        outcome=event.outcome,
        refusal=event.refusal,
        x_road_id=event.x_road_id,
        issue=event.issue,
        user_id=call.user_id,
        prev_hash=prev_hash,
        hash=chain.chain_hash(prev_hash, event.document()),
    )
    repository.save_usage_event(session=session, event=row)
    return row


@dataclass(frozen=True)
class DataUsage:
    """A resident's data-usage log as served: events oldest first, and the chain's head."""

    resident: str
    events: list[dict[str, Any]]
    head: str

    def as_dict(self) -> dict[str, Any]:
        return {"resident": self.resident, "events": self.events, "head": self.head}


def list_data_usage(*, session: Session, exchange_id: str) -> DataUsage:
    """Every recorded call about the resident filed under ``exchange_id``, with the links
    of their hash chain. Someone not in the register has an empty log: the answer does not
    tell whether they are."""
    events = [
        {**_event_of(row).document(), "prev_hash": row.prev_hash, "hash": row.hash}
        for row in repository.list_usage_events(session=session, subject=exchange_id)
    ]
    session.rollback()  # read only: end the transaction
    return DataUsage(exchange_id, events, chain.head(events))


def _event_of(row: DataUsageEvent) -> chain.UsageEvent:
    return chain.UsageEvent(
        seq=row.seq,
        at=row.at,
        client=row.client,
        service=row.service,
        items=tuple(row.items),
        purpose=row.purpose,
        legal_basis=row.legal_basis,
        outcome=row.outcome,
        refusal=row.refusal,
        x_road_id=row.x_road_id,
        issue=row.issue,
    )
