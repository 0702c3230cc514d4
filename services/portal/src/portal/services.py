"""The portal's use cases: one function per user intent, each owning its transaction."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from govkit.certificates.issuer import DocumentIssuer, DocumentView, Row
from govkit.certificates.status import DocumentStatus
from govkit.certificates.trustlist import TrustList, TrustListStore
from govkit.certificates.verify import Result, StatusSource, Verdict, verify_pdf, verify_qr
from govkit.certificates.wareki import both
from govkit.db import take_next_free
from portal import providers, repository
from portal.domain import consents, freshness, specimen, usage
from portal.models import ConsentEvent, ConsentRecord, IssuedDocument
from portal.providers import Reason

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
    index = take_status_index(session=session, now=now)
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
    repository.save_document(session=session, record=record)
    session.commit()
    log.info("document issued", extra={"document_id": document_id, "kid": issued.kid})
    return record


#: Tries at taking a status-list place: each try is one short INSERT, and every round of a race
#: is won by one issue, so this many issues may start at the same moment.
STATUS_INDEX_ATTEMPTS = 50


def take_status_index(*, session: Session, now: datetime) -> int:
    """The next free place in the status list, taken and committed at once, before the document
    is rendered and sealed (its index is inside the sealed claims); an index whose document is
    never recorded (sealing failed) stays unused."""
    return take_next_free(
        session,
        next_free=lambda: repository.next_status_index(session=session),
        take=lambda index: repository.save_status_index(session=session, index=index, at=now),
        attempts=STATUS_INDEX_ATTEMPTS,
    )


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


def _judge_qr(
    text: str, trust_list: TrustList, status_source: StatusSource | None, today: date
) -> Result:
    """:func:`verify_qr`, whose own errors are verdicts already; anything else a crafted text
    makes its decoders raise (a COSE structure of the wrong shape, say) means the text holds no
    signed document of the kit's: that verdict, never a server error."""
    try:
        return verify_qr(text, trust=trust_list, status_source=status_source, today=today)
    except (ValueError, TypeError, LookupError) as exc:
        log.warning("QR text not decodable", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
        return Result(Verdict.NOT_ISSUED, ("qr-not-cose",), source="qr")


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
        return _judge_qr(qr_text or "", trust_list, status_source, today)

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


# -- consents --------------------------------------------------------------------------------------


class UnknownOffer(LookupError):
    """No consent offer by that key."""


def new_consent_id() -> str:
    """``C-`` and 16 random base32 characters."""
    return "C-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def new_case_id(today: date) -> str:
    """A case id for one request of the citizen (``X-Road-Issue``): ``PTL-YYYYMMDD-XXXXXXXX``."""
    return f"PTL-{today:%Y%m%d}-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii")


def utc(moment: datetime | None) -> datetime | None:
    """An instant read back from the database, in UTC (SQLite gives naive UTC values)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_consent(record: ConsentRecord) -> consents.Consent:
    return consents.Consent(
        id=record.id,
        offer=record.offer,
        status=consents.ConsentStatus(record.status),
        given_at=utc(record.given_at),
        refused_at=utc(record.refused_at),
        withdrawn_at=utc(record.withdrawn_at),
    )


def consent_items(record: ConsentRecord) -> list[str]:
    items = json.loads(record.items_json)
    return [str(item) for item in items] if isinstance(items, list) else []


def _audit(
    session: Session, record: ConsentRecord, action: str, now: datetime, request_id: str | None
) -> None:
    repository.save_consent_event(
        session=session,
        event=ConsentEvent(consent_id=record.id, action=action, at=now, request_id=request_id),
    )
    log.info(
        "consent decision", extra={"consent_id": record.id, "offer": record.offer, "action": action}
    )


def decide_consent(
    *,
    session: Session,
    subject: str,
    offer_key: str,
    action: consents.Action,
    now: datetime,
    request_id: str | None = None,
    new_id: Callable[[], str] = new_consent_id,
) -> ConsentRecord:
    """Give or refuse consent to an offer (a new record), or withdraw the current one.

    Raises :class:`UnknownOffer` and the domain's
    :class:`~portal.domain.consents.ConsentRuleError`. Two decisions at once cannot both be
    recorded as the next one: the loser is decided again against the winner's record.
    """
    offer = consents.OFFERS.get(offer_key)
    if offer is None:
        raise UnknownOffer(offer_key)
    for attempt in range(3):
        latest = repository.find_latest_consent(session=session, subject=subject, offer=offer.key)
        current = as_consent(latest) if latest is not None else None
        if action is consents.Action.WITHDRAW:
            if latest is None or current is None:
                raise consents.ConsentRuleError("not-given", "there is no consent to withdraw")
            return withdraw_consent(
                session=session,
                subject=subject,
                consent_id=latest.id,
                now=now,
                request_id=request_id,
            )
        decided = consents.decide(action, current, offer=offer, new_id=new_id(), now=now)
        record = ConsentRecord(
            id=decided.id,
            subject=subject,
            offer=offer.key,
            sequence=1 if latest is None else latest.sequence + 1,
            consumer=offer.consumer,
            provider_service=offer.provider_service,
            items_json=json.dumps(list(offer.items)),
            purpose=offer.purpose,
            status=decided.status.value,
            created_at=now,
            given_at=decided.given_at,
            refused_at=decided.refused_at,
        )
        try:
            repository.save_consent(session=session, record=record)
            _audit(session, record, decided.status.value, now, request_id)
            session.commit()
        except IntegrityError:
            session.rollback()
            log.info("consent decision raced another; deciding again (attempt %s)", attempt + 1)
            continue
        return record
    raise RuntimeError("could not record the consent decision after 3 attempts")


def withdraw_consent(
    *,
    session: Session,
    subject: str,
    consent_id: str,
    now: datetime,
    request_id: str | None = None,
) -> ConsentRecord:
    """Withdraw the citizen's given consent ``consent_id`` (final).

    :class:`~portal.repository.RecordNotFound` for an unknown consent or someone else's;
    :class:`~portal.domain.consents.ConsentRuleError` unless it is given. The change is made
    only if the record is still given when written (a second withdrawal at the same moment
    finds it withdrawn).
    """
    record = repository.find_consent(session=session, consent_id=consent_id)
    if record is None or record.subject != subject:
        raise repository.RecordNotFound(consent_id)
    withdrawn = consents.withdraw(as_consent(record), now=now)
    if not repository.mark_withdrawn(session=session, consent_id=record.id, at=now):
        session.rollback()
        raise consents.ConsentRuleError("already-withdrawn", "the consent was withdrawn already")
    session.refresh(record)
    _audit(session, record, withdrawn.status.value, now, request_id)
    session.commit()
    return record


def my_consents(*, session: Session, subject: str) -> list[ConsentRecord]:
    """The citizen's consent records: each offer's current one first, then older ones."""
    return list(repository.list_consents(session=session, subject=subject))


def consent_for_exchange(*, session: Session, consent_id: str) -> ConsentRecord:
    """A consent as the exchange's consents service shows it to a provider that checks it;
    :class:`~portal.repository.RecordNotFound` when there is none."""
    return repository.get_consent(session=session, consent_id=consent_id)


# -- reading from other agencies -----------------------------------------------------------------


@dataclass(frozen=True)
class DetailsOutcome:
    """What fetching the citizen's details gave: the details, or why not."""

    case_id: str
    consent: ConsentRecord | None
    details: providers.BasicFour | None = None
    failure: providers.ExchangeFailed | None = None


def fetch_my_details(
    *, session: Session, exchange: providers.Exchange, subject: str, case_id: str
) -> DetailsOutcome:
    """Ask Sakuragi City's register for the citizen's basic four, on their latest consent.

    Without any consent decision nothing is asked. A withdrawn or refused consent is sent as
    it is: the register decides, refuses, and records the refusal in the citizen's data-usage
    record, which is what the citizen is then shown.
    """
    latest = repository.find_latest_consent(
        session=session, subject=subject, offer=consents.BASIC_FOUR.key
    )
    if latest is None:
        return DetailsOutcome(case_id, None, failure=providers.ExchangeFailed(Reason.NO_CONSENT))
    try:
        details = providers.read_basic_four(
            exchange,
            subject=subject,
            consent_id=latest.id,
            case_id=case_id,
            purpose=consents.BASIC_FOUR.purpose,
        )
    except providers.ExchangeFailed as failure:
        log.warning(
            "details not released",
            extra={
                "case_id": case_id,
                "consent_id": latest.id,
                "reason": failure.reason.value,
                "code": failure.code,
                "x_road_id": failure.x_road_id,
            },
        )
        return DetailsOutcome(case_id, latest, failure=failure)
    log.info("details fetched", extra={"case_id": case_id, "consent_id": latest.id})
    return DetailsOutcome(case_id, latest, details=details)


@dataclass(frozen=True)
class UsageOutcome:
    """The register's data-usage record about the citizen and whether its chain holds."""

    case_id: str
    records: list[Any] = field(default_factory=list)
    head: Any = None
    verdict: usage.ChainVerdict | None = None
    failure: providers.ExchangeFailed | None = None


def fetch_data_usage(*, exchange: providers.Exchange, subject: str, case_id: str) -> UsageOutcome:
    """Ask the register who used the citizen's data, and re-check its hash chain."""
    try:
        answer = providers.read_data_usage(exchange, subject=subject, case_id=case_id)
    except providers.ExchangeFailed as failure:
        log.warning(
            "data-usage record not available",
            extra={
                "case_id": case_id,
                "reason": failure.reason.value,
                "code": failure.code,
                "x_road_id": failure.x_road_id,
            },
        )
        return UsageOutcome(case_id, failure=failure)
    verdict = usage.verify_chain(answer.records, answer.head)
    if not verdict.intact:
        log.warning(
            "data-usage chain broken",
            extra={
                "case_id": case_id,
                "problem": verdict.problem.value if verdict.problem else None,
                "at": verdict.broken_at,
            },
        )
    return UsageOutcome(case_id, records=answer.records, head=answer.head, verdict=verdict)


# -- residence certificates: moved since issue? ---------------------------------------------------

#: The document type of Sakuragi City's residence certificates (住民票の写し) and their issuer.
RESIDENCE_CERTIFICATE = "residence-certificate"
RESIDENCE_ISSUER = "GOV/LG-139998"


@dataclass(frozen=True)
class AddressOutcome:
    """Whether the person on a valid residence certificate still lives at its address: the
    register's answer, why there is none, or (``asked`` False, no failure) that the verifier
    gave no check code, so nothing was asked."""

    case_id: str
    asked: bool
    check: providers.AddressCheck | None = None
    failure: providers.ExchangeFailed | None = None


def can_check_address(result: Result) -> bool:
    """Whether the document is a valid residence certificate of Sakuragi City."""
    return (
        result.verdict is Verdict.VALID
        and result.document_type == RESIDENCE_CERTIFICATE
        and result.issuer_member == RESIDENCE_ISSUER
        and result.document_id is not None
    )


def check_moved_since_issue(
    *,
    exchange: providers.Exchange,
    result: Result,
    case_id: str,
    consent_id: str | None = None,
    verifier: str | None = None,
    legal_basis: str | None = None,
    purpose: str | None = None,
) -> AddressOutcome | None:
    """Ask Sakuragi City whether the person on the residence certificate ``result`` judged
    valid has moved since it was issued (``None`` for any other document).

    A private verifier (a bank or landlord on the verification page) needs the person's check
    code, their consent ``consent_id``; without it nothing is asked. A government ``verifier``
    (a subsystem that called the portal's verification service through the exchange, which
    vouched for it) is relayed on its own ``law:`` ``legal_basis``, and named to the register.
    """
    if not can_check_address(result):
        return None
    assert result.document_id is not None
    if verifier is not None:
        if legal_basis is None or not legal_basis.startswith("law:"):
            failure = providers.ExchangeFailed(Reason.STATUTORY_BASIS_NEEDED)
            return AddressOutcome(case_id, asked=False, failure=failure)
        basis, on_behalf_of = legal_basis, verifier
    elif consent_id is None:
        return AddressOutcome(case_id, asked=False)
    else:
        basis, on_behalf_of = f"consent:{consent_id}", None
    try:
        check = providers.read_address_check(
            exchange,
            document_id=result.document_id,
            legal_basis=basis,
            case_id=case_id,
            purpose=purpose or providers.ADDRESS_CHECK_PURPOSE,
            on_behalf_of=on_behalf_of,
        )
    except providers.ExchangeFailed as failure:
        log.warning(
            "address check not answered",
            extra={
                "case_id": case_id,
                "document_id": result.document_id,
                "verifier": verifier,
                "reason": failure.reason.value,
                "code": failure.code,
                "x_road_id": failure.x_road_id,
            },
        )
        return AddressOutcome(case_id, asked=True, failure=failure)
    log.info(
        "address checked",
        extra={"case_id": case_id, "document_id": result.document_id, "verifier": verifier},
    )
    return AddressOutcome(case_id, asked=True, check=check)


# -- the citizen's documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentsOutcome:
    """The certificates the city issued to the citizen, or why they cannot be shown; and the
    citizen's current address-check consent (their check code), if given."""

    case_id: str
    certificates: list[providers.OwnCertificate] = field(default_factory=list)
    failure: providers.ExchangeFailed | None = None
    check_code: ConsentRecord | None = None


def fetch_my_documents(
    *, session: Session, exchange: providers.Exchange, subject: str, case_id: str
) -> DocumentsOutcome:
    latest = repository.find_latest_consent(
        session=session, subject=subject, offer=consents.ADDRESS_CHECK.key
    )
    code = latest if latest is not None and latest.status == consents.ConsentStatus.GIVEN else None
    try:
        certificates = providers.read_own_certificates(exchange, subject=subject, case_id=case_id)
    except providers.ExchangeFailed as failure:
        log.warning(
            "documents not available",
            extra={"case_id": case_id, "reason": failure.reason.value, "code": failure.code},
        )
        return DocumentsOutcome(case_id, failure=failure, check_code=code)
    return DocumentsOutcome(case_id, certificates=newest_first(certificates), check_code=code)


_UNDATED = datetime.min.replace(tzinfo=UTC)


def newest_first(certificates: list[providers.OwnCertificate]) -> list[providers.OwnCertificate]:
    """Newest first, to the minute the page shows; within a minute the later document number
    first (whatever order the register listed them in); undated ones last."""

    def key(certificate: providers.OwnCertificate) -> tuple[datetime, str]:
        issued = utc(certificate.issued_at)
        minute = issued.replace(second=0, microsecond=0) if issued is not None else _UNDATED
        return minute, certificate.document_id

    return sorted(certificates, key=key, reverse=True)


def fetch_my_document_pdf(
    *, exchange: providers.Exchange, subject: str, document_id: str, case_id: str
) -> bytes:
    """The signed PDF of a certificate issued to the citizen, passed through and never kept;
    :class:`~portal.providers.ExchangeFailed` otherwise (``unknown-document`` for one that is
    not theirs)."""
    pdf = providers.read_own_certificate_pdf(
        exchange, subject=subject, document_id=document_id, case_id=case_id
    )
    log.info("document passed to its owner", extra={"case_id": case_id, "document_id": document_id})
    return pdf
