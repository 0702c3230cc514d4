"""The portal's use cases: one function per user intent, each owning its transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from govkit.certificates.issuer import DocumentIssuer, DocumentView, Row
from govkit.certificates.status import DocumentStatus
from govkit.certificates.trustlist import TrustList, TrustListStore
from govkit.certificates.verify import Result, StatusSource, verify_pdf, verify_qr
from govkit.certificates.wareki import both
from portal import repository
from portal.domain import freshness, specimen
from portal.models import IssuedDocument

log = logging.getLogger(__name__)


class NotYours(PermissionError):
    """Only the browser that asked for a specimen may revoke it."""


Render = Callable[[DocumentView, list[Row]], str]


def specimen_rows(subject: specimen.SpecimenSubject, valid_until: date) -> list[Row]:
    return [
        Row("氏名", "Name", subject.name, f"{subject.name_kana} / {subject.name_roman}"),
        Row("生年月日", "Date of birth", both(subject.birth_date)),
        Row("住所", "Address", subject.address, subject.address_en),
        Row("有効期限", "Valid until", both(valid_until)),
        Row("備考", "Note", "架空の人物の見本です。", "A fictional person, for trying the kit."),
    ]


def issue_specimen(
    *,
    session: Session,
    issuer: DocumentIssuer,
    render: Render,
    portal_url: str,
    today: date,
    now: datetime,
    validity_days: int,
    owner: str | None,
) -> IssuedDocument:
    """Issue a signed specimen certificate and record it (status: issued)."""
    valid_until = specimen.valid_until(today, validity_days)
    subject = specimen.SUBJECT
    rows = specimen_rows(subject, valid_until)
    for attempt in range(3):
        index = repository.next_status_index(session=session)
        document_id = specimen.document_id(today, index)
        issued = issuer.issue(
            document_id=document_id,
            document_type=specimen.DOCUMENT_TYPE,
            title_ja=specimen.TITLE_JA,
            title_en=specimen.TITLE_EN,
            issued_on=today,
            issued_at=now,
            claims={
                **specimen.claims(subject, valid_until_day=valid_until),
                "status": {
                    "url": f"{portal_url}/api/v1/documents/{document_id}/status",
                    "list": f"{portal_url}/api/v1/status-lists/documents",
                    "index": index,
                },
            },
            qr_claims={
                "n": subject.name_roman,
                "v": valid_until.isoformat(),
                "s": portal_url,
                "l": index,
            },
            statement_ja=specimen.STATEMENT_JA,
            statement_en=specimen.STATEMENT_EN,
            verify_url=f"{portal_url}/verify",
            render=lambda view: render(view, rows),
        )
        record = IssuedDocument(
            id=document_id,
            document_type=specimen.DOCUMENT_TYPE,
            status_index=index,
            issued_on=today,
            issued_at=now,
            valid_until=valid_until,
            sha256=issued.sha256,
            kid=issued.kid,
            claims_json=json.dumps(issued.claims, ensure_ascii=False),
            pdf=issued.pdf,
            status=DocumentStatus.ISSUED.value,
            owner=owner,
        )
        try:
            repository.save_document(session=session, record=record)
            session.commit()
        except IntegrityError:
            # Another worker took the same status index in the meantime: try the next one.
            session.rollback()
            log.info("status index %s taken; retrying (attempt %s)", index, attempt + 1)
            continue
        log.info("document issued", extra={"document_id": document_id, "kid": issued.kid})
        return record
    raise RuntimeError("could not allocate a status index after 3 attempts")


def revoke_document(
    *, session: Session, document_id: str, owner: str | None, reason: str, now: datetime
) -> IssuedDocument:
    """Revoke a document the caller issued; revoking twice keeps the first date."""
    record = repository.get_document(session=session, document_id=document_id)
    if record.owner is None or record.owner != owner:
        raise NotYours(document_id)
    if record.status == DocumentStatus.ISSUED.value:
        record.status = DocumentStatus.REVOKED.value
        record.status_changed_at = now
        record.status_reason = reason
        repository.save_document(session=session, record=record)
        session.commit()
        log.info("document revoked", extra={"document_id": document_id})
    return record


@dataclass(frozen=True)
class Verification:
    result: Result
    freshness: freshness.Freshness | None
    rule: freshness.FreshnessRule


UNKNOWN_KEY = frozenset({"unknown-issuer-key", "qr-unknown-key"})


def verify_document(
    *,
    pdf: bytes | None,
    qr_text: str | None,
    trust: TrustListStore,
    status_source: StatusSource | None,
    rule: freshness.FreshnessRule,
    today: date,
) -> Verification:
    """Judge an uploaded PDF or a pasted QR text, and apply the relying party's rule.

    A seal key the cached trust list does not know may be new (a rotation a moment ago): the
    list is then fetched again, at most every few seconds, and the document judged once more.
    """

    def judge(trust_list: TrustList) -> Result:
        if pdf is not None:
            return verify_pdf(pdf, trust=trust_list, status_source=status_source, today=today)
        return verify_qr(qr_text or "", trust=trust_list, status_source=status_source, today=today)

    result = judge(trust.current())
    if UNKNOWN_KEY & set(result.reasons):
        fresher = trust.refreshed(result.sealed_at if result.source == "pdf" else None)
        if fresher is not None:
            result = judge(fresher)
    assessed = (
        freshness.assess(result.issued_on, today, rule) if result.issued_on is not None else None
    )
    log.info(
        "document verified",
        extra={
            "verdict": result.verdict.value,
            "reasons": list(result.reasons),
            "source": result.source,
            "document_id": result.document_id,
        },
    )
    return Verification(result, assessed, rule)
