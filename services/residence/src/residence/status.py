"""What the status endpoints (govkit.certificates.web) read: the issuance register's status of
each copy, and the city's seal to sign the answers with."""

from __future__ import annotations

from govkit.certificates.agency import SealMissing
from govkit.certificates.issuer import SealIdentity
from govkit.certificates.status import DocumentStatus
from govkit.certificates.web import StatusRecord
from govkit.db import get_session
from govkit.errors import Problem
from govkit.web import get_settings
from residence import repository
from residence.documents import seal
from residence.issuing import STATUS_LIST


def certificate_status(document_id: str) -> StatusRecord | None:
    record = repository.find_certificate(session=get_session(), document_id=document_id[:40])
    if record is None:
        return None
    return StatusRecord(
        document_id=record.document_id,
        status=DocumentStatus(record.status),
        changed_at=record.status_changed_at,
        reason=record.status_reason,
        superseded_by=record.superseded_by,
    )


def statuses(name: str) -> list[DocumentStatus] | None:
    """The list by status index (a gap left by a rolled-back issue reads as issued: no
    document carries that index)."""
    if name != STATUS_LIST:
        return None
    by_index = dict(repository.list_certificate_statuses(session=get_session()))
    size = max(by_index, default=-1) + 1
    return [DocumentStatus(by_index.get(i, DocumentStatus.ISSUED.value)) for i in range(size)]


def seal_identity() -> SealIdentity:
    try:
        return seal().identity()
    except SealMissing:
        raise Problem(503, "Issuing is not set up", "the city has no seal yet") from None


def list_url(name: str) -> str:
    return f"{get_settings().public_url}/api/v1/status-lists/{name}"
