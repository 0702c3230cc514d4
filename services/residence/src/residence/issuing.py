"""Making the signed copy (住民票の写し) and keeping the issuance register.

:func:`seal_copies` takes the copies' places in the status list and renders and seals them;
:func:`record_copies` adds them to the caller's transaction; :func:`issue_certificate` is the
clerk's use case for a third-party request they approved; :func:`revoke_certificate` withdraws
a copy issued in error.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlmodel import Session

from govkit.certificates.issuer import DocumentIssuer, DocumentView
from govkit.certificates.status import DocumentStatus
from govkit.certificates.wareki import wareki
from govkit.db import take_next_free
from residence import repository
from residence.domain.eligibility import PersonOnRegister, RequestStatus
from residence.domain.items import Delivery, OptionalItem, Purpose, printed_items
from residence.models import AuditEvent, CertificateRequest, IssuedCertificate

log = logging.getLogger(__name__)

DOCUMENT_TYPE = "residence-certificate"
STATUS_LIST = "residence-certificates"
TITLE_JA = "住民票の写し"
TITLE_EN = "Copy of resident record (juminhyo)"
STATEMENT_JA = "この写しは、住民票の原本と相違ないことを証明する。"
STATEMENT_EN = "Certified to be a true copy of the resident record."
FRESHNESS_JA = "この写しがいつまで有効かは、提出先が判断します。"
FRESHNESS_EN = "How recent a copy must be is decided by the organisation you give it to."
#: Attempts at a free status-list index when concurrent issues collide (each lost attempt
#: is another issue's success, so this many copies may be sealed at once).
_ATTEMPTS = 20

_PURPOSE_JA = {
    Purpose.BANK: "金融機関への提出",
    Purpose.LANDLORD: "賃貸契約",
    Purpose.EMPLOYER: "勤務先への提出",
    Purpose.VEHICLE: "自動車の登録",
    Purpose.OTHER: "その他",
    Purpose.SOCIAL_INSURANCE: "社会保険の手続",
    Purpose.TAX: "税の手続",
    Purpose.PENSION: "年金の手続",
    Purpose.EMPLOYMENT_INSURANCE: "雇用保険の手続",
}


def document_id(issued_on: date, index: int) -> str:
    """``JR-139998-20261121-000042``: the city, the day and the status-list index."""
    return f"JR-139998-{issued_on:%Y%m%d}-{index:06d}"


def _display(value: str) -> str:
    """Dates on the copy in 和暦 with the ISO date; anything else as it is."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{wareki(day)}（{day.isoformat()}）"


def person_rows(
    person: PersonOnRegister, items: frozenset[OptionalItem], head_name: str | None
) -> list[tuple[str, str, str]]:
    return [
        (label_ja, label_en, _display(value))
        for label_ja, label_en, value in printed_items(person, items, head_name=head_name)
    ]


#: Rows printed once for the whole copy when every person on it has the same value.
_SHARED = ("住所", "世帯主")
#: The copy's table: one row a person, these columns (each: the row labels it shows, in
#: order, its heading and the key of its width in certificate.html); every other row the
#: person has goes to the last column.
_COLUMNS: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("氏名", "フリガナ"), "氏名", "Name", "name"),
    (("生年月日", "性別"), "生年月日・性別", "Born, sex", "date"),
    (("続柄",), "続柄", "Relation", "relation"),
    (("住民となった年月日",), "住民となった日", "Resident since", "date"),
    (("住所を定めた年月日", "届出年月日"), "住所を定めた日・届出日", "Address set, notified",
     "date"),
    (("前住所",), "前住所", "Previous address", "text"),
)  # fmt: skip
_OTHER_ITEMS = ("その他の記載事項", "Other items", "text")

Row = tuple[str, str, str]


def page_layout(
    people: list[dict[str, Any]],
) -> tuple[list[Row], list[tuple[str, str, str]], list[list[list[str]]]]:
    """What the one-page copy prints: the rows every person shares (their address, the head
    of household), the table's headings (Japanese, English, width key), and a row of cells
    (each a list of lines) a person. A column nobody has a value in is left out; dates show
    as 和暦 with the ISO date."""
    rows = [[tuple(row) for row in person["rows"]] for person in people]
    common = [
        row for row in rows[0]
        if row[0] in _SHARED and all(row in other for other in rows[1:])
    ]  # fmt: skip
    placed = {label for labels, *_heading in _COLUMNS for label in labels}
    table: list[list[list[str]]] = []
    for own in rows:
        values = {label: value for label, _en, value in own}
        cells = [[values[label] for label in labels if values.get(label)]
                 for labels, *_heading in _COLUMNS]  # fmt: skip
        others = [f"{ja}: {value}" for ja, _en, value in own
                  if ja not in placed and (ja, _en, value) not in common and value]  # fmt: skip
        table.append([*cells, others])
    headings = [(ja, en, width) for _labels, ja, en, width in _COLUMNS] + [_OTHER_ITEMS]
    keep = [n for n in range(len(headings)) if any(row[n] for row in table)]
    return (
        common,
        [headings[n] for n in keep],
        [[row[n] for n in keep] for row in table],
    )


def seal_copies(
    *,
    session: Session,
    issuer: DocumentIssuer,
    request: CertificateRequest,
    public_url: str,
    verify_url: str,
    now: datetime,
    today: date,
) -> list[IssuedCertificate]:
    """Render and seal ``request.copies`` copies, each its own document with its own status
    (so one can be revoked without the others). Each takes its place in the status list in a
    short transaction of its own (committed here); nothing else is written: the caller adds
    the copies with :func:`record_copies` and commits. No write lock is held while sealing."""
    members = [
        repository.person_of(r)
        for r in repository.list_residents_by_keys(session=session, keys=request.members)
    ]
    order = {key: n for n, key in enumerate(request.members)}
    members.sort(key=lambda p: order[p.register_key])
    subject = next(p for p in members if p.register_key == request.subject)
    head_row = repository.find_head(session=session, household=subject.household)
    head = repository.person_of(head_row) if head_row is not None else None
    items = frozenset(OptionalItem(i) for i in request.items)
    people = [
        {"name": p.full_name, "rows": person_rows(p, items, head.full_name if head else None)}
        for p in members
    ]
    owner_sub, owner_pseudonym = _owner(session, request)
    indexes = [_take_status_index(session, now) for _copy in range(request.copies)]
    copies = []
    for copy, index in enumerate(indexes, start=1):
        number = document_id(today, index)
        document = issuer.issue(
            document_id=number,
            document_type=DOCUMENT_TYPE,
            title_ja=TITLE_JA,
            title_en=TITLE_EN,
            issued_on=today,
            issued_at=now,
            claims={
                "municipality": {"lg_code": "139998", "name_ja": "桜木市"},
                "request_id": request.id,
                "people": people,
                "items": request.items,
                "purpose": request.purpose,
                "fee_yen": request.fee_yen,
                "copy": {"number": copy, "of": request.copies},
                "status": {
                    "url": f"{public_url}/api/v1/documents/{number}/status",
                    "list": f"{public_url}/api/v1/status-lists/{STATUS_LIST}",
                    "index": index,
                },
            },
            qr_claims={"n": subject.full_name, "s": public_url, "l": index},
            statement_ja=STATEMENT_JA,
            statement_en=STATEMENT_EN,
            verify_url=verify_url,
            render=lambda view, copy=copy: _render(view, request, people, copy),
        )
        copies.append(
            IssuedCertificate(
                document_id=number,
                request_id=request.id,
                status_index=index,
                owner_sub=owner_sub,
                owner_pseudonym=owner_pseudonym,
                subject=subject.register_key,
                members=list(request.members),
                address_at_issue=subject.address,
                sha256=document.sha256,
                qr_text=document.qr_text,
                pdf=document.pdf,
                issued_at=now,
                status=DocumentStatus.ISSUED.value,
            )
        )
        log.info("certificate sealed", extra={"document_id": number, "kid": document.kid})
    return copies


def _take_status_index(session: Session, now: datetime) -> int:
    """The next free place in the status list, taken and committed at once."""
    return take_next_free(
        session,
        next_free=lambda: repository.next_certificate_index(session=session),
        take=lambda index: repository.save_status_index(session=session, index=index, at=now),
        attempts=_ATTEMPTS,
    )


def record_copies(
    *, session: Session, request: CertificateRequest, copies: list[IssuedCertificate], now: datetime
) -> None:
    """Add the sealed copies and the audit of their issue (the caller commits)."""
    if not copies:
        return
    for certificate in copies:
        repository.save_certificate(session=session, certificate=certificate)
    repository.save_audit_event(
        session=session,
        event=AuditEvent(
            at=now,
            actor="system",
            action="certificate_issued",
            register_key=request.subject,
            target=request.id,
            details={"documents": [c.document_id for c in copies], "delivery": request.delivery},
        ),
    )


def _owner(session: Session, request: CertificateRequest) -> tuple[str, str | None]:
    """Who holds the copy: the requester, except for a copy posted to the principal (a proxy
    never gets a My Number copy, not even by guessing its download address)."""
    if request.delivery != Delivery.MAIL_TO_PRINCIPAL:
        return request.requester_sub, request.requester_pseudonym
    principal = repository.find_resident(session=session, register_key=request.subject)
    return f"principal:{request.subject}", principal.exchange_pseudonym if principal else None


def _render(
    view: DocumentView, request: CertificateRequest, people: list[dict[str, Any]], copy: int
) -> str:
    common, headings, table = page_layout(people)
    note = f"{FRESHNESS_JA} {FRESHNESS_EN}"
    if request.delivery == Delivery.MAIL_TO_PRINCIPAL:
        note += " 本人の住所へ郵送 Posted to the principal's registered address."
    request_rows = [
        ("使用目的", "Purpose", _PURPOSE_JA.get(Purpose(request.purpose), request.purpose)),
        ("手数料", "Fee paid", f"{request.fee_yen:,}円 ({request.copies}通)"),
        ("通数", "Copy", f"{copy} / {request.copies}"),
        ("申請番号", "Request", request.id),
        ("備考", "Note", note),
    ]
    # Straight from the template (no request context processors): the copy is the same
    # whoever asks, a citizen, a clerk approving a request or a script.
    return current_app.jinja_env.get_template("residence/certificate.html").render(
        doc=view, common=common, headings=headings, table=table, request_rows=request_rows
    )


def issue_certificate(
    *,
    session: Session,
    issuer: DocumentIssuer,
    request_id: str,
    public_url: str,
    verify_url: str,
    now: datetime,
    today: date,
) -> list[IssuedCertificate]:
    """Issue the copies of a request a clerk approved (third-party review); commits."""
    request = repository.find_request(session=session, request_id=request_id)
    if request is None:
        raise LookupError(request_id)
    copies = seal_copies(
        session=session,
        issuer=issuer,
        request=request,
        public_url=public_url,
        verify_url=verify_url,
        now=now,
        today=today,
    )
    request.status = RequestStatus.ISSUED.value
    repository.save_request(session=session, request=request)
    record_copies(session=session, request=request, copies=copies, now=now)
    session.commit()
    return copies


def revoke_certificate(
    *, session: Session, document_id: str, reason: str, actor: str, now: datetime
) -> IssuedCertificate:
    """Withdraw a copy issued in error (its status response says revoked at once); commits."""
    certificate = repository.find_certificate(session=session, document_id=document_id)
    if certificate is None:
        raise LookupError(document_id)
    if certificate.status == DocumentStatus.ISSUED.value:
        certificate.status = DocumentStatus.REVOKED.value
        certificate.status_changed_at = now
        certificate.status_reason = reason
        repository.save_certificate(session=session, certificate=certificate)
        repository.save_audit_event(
            session=session,
            event=AuditEvent(
                at=now,
                actor=actor,
                action="certificate_revoked",
                register_key=certificate.subject,
                target=document_id,
                details={"reason": reason},
            ),
        )
    session.commit()
    return certificate
