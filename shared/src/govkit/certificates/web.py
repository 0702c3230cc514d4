"""The status endpoints every issuing service publishes (a blueprint factory).

* ``GET /api/v1/documents/<id>/status`` — a signed status response for one document (never
  cached, so a revocation shows at once);
* ``GET /api/v1/status-lists/<name>`` — the signed Token Status List of every document of a kind
  (cacheable for ``ttl``), for verifiers that check many documents or work from a cache.

The service supplies three callables; the blueprint signs with the service's seal identity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response

from govkit.certificates import status as status_list
from govkit.certificates.issuer import SealIdentity
from govkit.certificates.status import DocumentStatus
from govkit.errors import Problem


@dataclass(frozen=True)
class StatusRecord:
    document_id: str
    status: DocumentStatus
    changed_at: datetime | None = None
    reason: str | None = None
    superseded_by: str | None = None


def status_blueprint(
    *,
    lookup: Callable[[str], StatusRecord | None],
    list_statuses: Callable[[str], Sequence[DocumentStatus] | None],
    identity: Callable[[], SealIdentity],
    list_url: Callable[[str], str],
    ttl: timedelta = timedelta(minutes=1),
    validity: timedelta = timedelta(days=1),
    name: str = "document_status",
) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix="/api/v1")

    def _jwt(token: str, max_age: int) -> Response:
        response = Response(token, mimetype="application/jwt")
        response.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
        return response

    @bp.get("/documents/<document_id>/status")
    def document_status(document_id: str) -> Response:
        record = lookup(document_id)
        if record is None:
            raise Problem(404, "Unknown document", f"no document {document_id!r} was issued here")
        seal = identity()
        token = status_list.status_response(
            document_id=record.document_id,
            status=record.status,
            changed_at=record.changed_at,
            reason=record.reason,
            superseded_by=record.superseded_by,
            key=seal.key,
            chain=[seal.certificate, *seal.chain],
            now=datetime.now(UTC),
        )
        return _jwt(token, 0)

    @bp.get("/status-lists/<list_name>")
    def status_list_view(list_name: str) -> Response:
        statuses = list_statuses(list_name)
        if statuses is None:
            raise Problem(404, "Unknown status list", f"there is no list {list_name!r}")
        seal = identity()
        token = status_list.status_list_token(
            uri=list_url(list_name),
            statuses=statuses,
            key=seal.key,
            chain=[seal.certificate, *seal.chain],
            now=datetime.now(UTC),
            ttl=ttl,
            validity=validity,
        )
        return _jwt(token, int(ttl.total_seconds()))

    return bp
