"""Adapters over govkit.exchange: what the portal reads from other agencies, as plain values.

* :func:`read_basic_four` — the citizen's name, address, date of birth and sex from Sakuragi
  City's resident register (service ``basic-four``), on the basis of their consent;
* :func:`read_data_usage` — the register's record of every exchange about the citizen
  (service ``data-usage``), on the basis of the citizen's right to see it;
* :func:`read_address_check` — whether the person on a residence certificate still lives at
  its address (service ``address-check``), on the person's consent (a bank or landlord on the
  verification page) or relaying a government verifier's statutory check;
* :func:`read_own_certificates` / :func:`read_own_certificate_pdf` — the certificates the
  city issued to the citizen, and one's signed PDF (service ``documents``).

Every way a call can fail ends as :class:`ExchangeFailed` with a :class:`Reason` (the pages
and the API turn reasons into words): the exchange client's error types, the exchange layer's
own faults by their ``X-Road-Error`` code, and the register's problem+json answers by their
type. Nothing else escapes, so a broken exchange is never a server error on the portal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol

from govkit.exchange import (
    CallContext,
    ExchangeError,
    ExchangeFault,
    ExchangeResponse,
    ExchangeTimeout,
    ExchangeUnavailable,
    InvalidResponse,
    ProviderError,
    ResponseTooLarge,
    ServiceRef,
    encode_path,
)
from portal.domain.consents import ADDRESS_CHECK, BASIC_FOUR, PROBLEM_BASE

BASIC_FOUR_SERVICE = ServiceRef.parse(BASIC_FOUR.provider_service)
DATA_USAGE_SERVICE = ServiceRef.parse("JP-KIT/GOV/LG-139998/residence/data-usage")
#: Why the portal may read the register's record of uses: the citizen's right to ask an
#: agency what it holds about them (and it is the citizen who asks).
DATA_USAGE_BASIS = "law:個人情報の保護に関する法律第76条"
DATA_USAGE_PURPOSE = "Show you who used your data"
ADDRESS_CHECK_SERVICE = ServiceRef.parse(ADDRESS_CHECK.provider_service)
#: What the register records when a bank or landlord checks on the verification page.
ADDRESS_CHECK_PURPOSE = "Check a residence certificate on the Madoguchi portal"
#: The header naming the government verifier whose statutory check the portal relays.
ON_BEHALF_OF = "X-Madoguchi-On-Behalf-Of"
DOCUMENTS_SERVICE = ServiceRef.parse("JP-KIT/GOV/LG-139998/residence/documents")
#: The citizen's right to their own records, as for the data-usage record.
DOCUMENTS_BASIS = DATA_USAGE_BASIS
DOCUMENTS_PURPOSE = "Show you your documents"


class Exchange(Protocol):
    """What the portal needs of :class:`govkit.exchange.ExchangeClient` (tests pass fakes)."""

    def get(self, service: ServiceRef, path: str = "", **kwargs: Any) -> ExchangeResponse: ...


class ExchangeNotConfigured(Exception):
    """This portal has no security server or exchange client id in its settings."""


class UnconfiguredExchange:
    """The exchange of a portal that has none: every call says so."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def get(self, service: ServiceRef, path: str = "", **kwargs: Any) -> ExchangeResponse:
        raise ExchangeNotConfigured(self.reason)


class Reason(StrEnum):
    """Why the portal could not show what it asked another agency for."""

    NOT_CONFIGURED = "not-configured"
    EXCHANGE_UNAVAILABLE = "exchange-unavailable"  # own security server down: nothing sent
    EXCHANGE_TIMEOUT = "exchange-timeout"  # no connection in time: nothing sent
    PROVIDER_TIMEOUT = "provider-timeout"  # no answer in time: the register may have acted
    PROVIDER_UNREACHABLE = "provider-unreachable"  # the exchange could not reach the register
    ACCESS_DENIED = "access-denied"
    SERVICE_DISABLED = "service-disabled"
    UNKNOWN_SERVICE = "unknown-service"
    EXCHANGE_FAULT = "exchange-fault"  # another Server.* fault of the exchange layer
    REQUEST_REFUSED = "request-refused"  # Client.*: the exchange refused the portal's request
    RESPONSE_TOO_LARGE = "response-too-large"
    INVALID_RESPONSE = "invalid-response"
    CONSENT_WITHDRAWN = "consent-withdrawn"
    CONSENT_REFUSED = "consent-refused"
    CONSENT_NOT_FOUND = "consent-not-found"
    CONSENT_MISMATCH = "consent-mismatch"
    CONSENT_UNVERIFIABLE = "consent-unverifiable"
    UNKNOWN_RESIDENT = "unknown-resident"
    UNKNOWN_DOCUMENT = "unknown-document"
    MISSING_LEGAL_BASIS = "missing-legal-basis"
    CONSENT_NEEDED = "consent-needed"  # the register wants the person's consent
    STATUTORY_BASIS_NEEDED = "statutory-basis-needed"
    NOT_THE_OWNER = "not-the-owner"
    PROVIDER_REFUSED = "provider-refused"  # another 4xx of the register
    PROVIDER_FAILED = "provider-failed"  # 5xx (or a redirect) from the register
    NO_CONSENT = "no-consent"  # the portal did not ask: the citizen has decided nothing


#: Problem types the register answers with (the part after PROBLEM_BASE).
_PROBLEM_REASONS = {
    reason.value: reason
    for reason in (
        Reason.CONSENT_WITHDRAWN,
        Reason.CONSENT_REFUSED,
        Reason.CONSENT_NOT_FOUND,
        Reason.CONSENT_MISMATCH,
        Reason.CONSENT_UNVERIFIABLE,
        Reason.UNKNOWN_RESIDENT,
        Reason.UNKNOWN_DOCUMENT,
        Reason.MISSING_LEGAL_BASIS,
        Reason.CONSENT_NEEDED,
        Reason.STATUTORY_BASIS_NEEDED,
        Reason.NOT_THE_OWNER,
    )
}
#: Exchange-layer fault codes (X-Road-Error), matched on the code's last parts.
_FAULT_REASONS = (
    ("accessdenied", Reason.ACCESS_DENIED),
    ("servicedisabled", Reason.SERVICE_DISABLED),
    ("unknownservice", Reason.UNKNOWN_SERVICE),
    ("unknownmember", Reason.UNKNOWN_SERVICE),
    ("networkerror", Reason.PROVIDER_UNREACHABLE),
    ("ioerror", Reason.PROVIDER_UNREACHABLE),
    ("servicefailed", Reason.PROVIDER_UNREACHABLE),
    ("sslauthenticationfailed", Reason.PROVIDER_UNREACHABLE),
)


class ExchangeFailed(Exception):
    """A call gave nothing to show; ``reason`` says why, in terms the citizen can be told."""

    def __init__(
        self,
        reason: Reason,
        *,
        status: int | None = None,
        code: str | None = None,
        x_road_id: str | None = None,
        withdrawn_at: datetime | None = None,
        refused_at: datetime | None = None,
    ) -> None:
        super().__init__(reason.value)
        self.reason = reason
        #: The register's HTTP status, if it answered.
        self.status = status
        #: The exchange layer's fault code (X-Road-Error), if any.
        self.code = code
        self.x_road_id = x_road_id
        self.withdrawn_at = withdrawn_at
        self.refused_at = refused_at


def fault_reason(fault: ExchangeFault) -> Reason:
    code = fault.code.lower().replace("_", "")
    for part, reason in _FAULT_REASONS:
        if part in code:
            return reason
    if fault.is_client_fault:
        return Reason.REQUEST_REFUSED
    return Reason.EXCHANGE_FAULT


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def provider_failure(error: ProviderError) -> ExchangeFailed:
    """The register's own refusal (problem+json) or failure, as a reason."""
    problem: Any = None
    try:
        problem = json.loads(error.body) if error.body else None
    except (ValueError, RecursionError):
        problem = None
    if not isinstance(problem, Mapping):
        problem = {}
    kind = problem.get("type")
    slug = kind.removeprefix(PROBLEM_BASE) if isinstance(kind, str) else ""
    reason = _PROBLEM_REASONS.get(slug)
    if reason is None:
        reason = Reason.PROVIDER_REFUSED if 400 <= error.status < 500 else Reason.PROVIDER_FAILED
    return ExchangeFailed(
        reason,
        status=error.status,
        x_road_id=error.x_road_id,
        withdrawn_at=_instant(problem.get("withdrawn_at")),
        refused_at=_instant(problem.get("refused_at")),
    )


@contextmanager
def _failures() -> Iterator[None]:
    """Every way an exchange call can fail, as :class:`ExchangeFailed`."""
    try:
        yield
    except ExchangeNotConfigured:
        raise ExchangeFailed(Reason.NOT_CONFIGURED) from None
    except ProviderError as error:
        raise provider_failure(error) from None
    except ExchangeFault as fault:
        raise ExchangeFailed(
            fault_reason(fault), status=fault.status, code=fault.code, x_road_id=fault.x_road_id
        ) from None
    except ExchangeTimeout as timeout:
        reason = Reason.EXCHANGE_TIMEOUT if timeout.phase == "connect" else Reason.PROVIDER_TIMEOUT
        raise ExchangeFailed(reason, x_road_id=timeout.x_road_id) from None
    except ExchangeUnavailable as error:
        raise ExchangeFailed(Reason.EXCHANGE_UNAVAILABLE, x_road_id=error.x_road_id) from None
    except ResponseTooLarge as error:
        raise ExchangeFailed(Reason.RESPONSE_TOO_LARGE, x_road_id=error.x_road_id) from None
    except InvalidResponse as error:
        raise ExchangeFailed(Reason.INVALID_RESPONSE, x_road_id=error.x_road_id) from None
    except ExchangeError as error:  # any other transport failure
        raise ExchangeFailed(Reason.EXCHANGE_UNAVAILABLE, x_road_id=error.x_road_id) from None


def fetch(
    exchange: Exchange,
    service: ServiceRef,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    **context: str,
) -> ExchangeResponse:
    """GET ``path`` of ``service`` through the exchange with a :class:`CallContext` of
    ``context`` (and extra ``headers``); the 2xx answer, or :class:`ExchangeFailed`."""
    try:
        call_context = CallContext(**context)
    except ValueError:  # a value that cannot go out as a header: nothing is sent
        raise ExchangeFailed(Reason.REQUEST_REFUSED) from None
    extra: dict[str, Any] = {"headers": dict(headers)} if headers else {}
    with _failures():
        return exchange.get(service, path, context=call_context, **extra).raise_for_status()


def call(
    exchange: Exchange,
    service: ServiceRef,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    **context: str,
) -> Any:
    """Like :func:`fetch`; the answer's JSON."""
    response = fetch(exchange, service, path, headers=headers, **context)
    with _failures():
        return response.json()


# -- the basic four --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BasicFour:
    """The basic four details (基本4情報) as the register released them."""

    name: str
    name_kana: str | None
    birthdate: date | None
    gender: str | None
    address: str
    as_of: date | None


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_basic_four(body: Any, subject: str) -> BasicFour:
    """The details from the register's answer; :class:`ExchangeFailed` if it is not one, or
    is about someone else."""
    if not isinstance(body, Mapping):
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    resident = body.get("resident")
    name, address = _text(body.get("name")), _text(body.get("address"))
    if (resident is not None and resident != subject) or name is None or address is None:
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    return BasicFour(
        name=name,
        name_kana=_text(body.get("name_kana")),
        birthdate=_day(body.get("birthdate")),
        gender=_text(body.get("gender")),
        address=address,
        as_of=_day(body.get("as_of")),
    )


def read_basic_four(
    exchange: Exchange, *, subject: str, consent_id: str, case_id: str, purpose: str
) -> BasicFour:
    body = call(
        exchange,
        BASIC_FOUR_SERVICE,
        encode_path("residents", subject),
        user_id=subject,
        issue=case_id,
        legal_basis=f"consent:{consent_id}",
        purpose=purpose,
    )
    return parse_basic_four(body, subject)


# -- the data-usage record -------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageLog:
    """The register's answer: the records as received (for the chain check) and its head."""

    records: list[Any]
    head: Any


def parse_data_usage(body: Any, subject: str) -> UsageLog:
    if not isinstance(body, Mapping) or not isinstance(body.get("events"), list):
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    resident = body.get("resident")
    if resident is not None and resident != subject:
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    return UsageLog(records=list(body["events"]), head=body.get("head"))


def read_data_usage(exchange: Exchange, *, subject: str, case_id: str) -> UsageLog:
    body = call(
        exchange,
        DATA_USAGE_SERVICE,
        encode_path("residents", subject, "events"),
        user_id=subject,
        issue=case_id,
        legal_basis=DATA_USAGE_BASIS,
        purpose=DATA_USAGE_PURPOSE,
    )
    return parse_data_usage(body, subject)


# -- has the person on a residence certificate moved since it was issued ---------------------------


@dataclass(frozen=True)
class AddressCheck:
    """The register's answer about a residence certificate."""

    document_id: str
    still_at_address: bool
    #: When the person left the certificate's address (``None``: they did not, or the
    #: register does not know the day).
    moved_on: date | None
    #: The certificate's status in the city's issuance register.
    status: str | None
    as_of: date | None


def parse_address_check(body: Any, document_id: str) -> AddressCheck:
    if not isinstance(body, Mapping):
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    still = body.get("subject_still_at_address")
    if body.get("document_id") != document_id or not isinstance(still, bool):
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    return AddressCheck(
        document_id=document_id,
        still_at_address=still,
        moved_on=None if still else _day(body.get("moved_on")),
        status=_text(body.get("status")),
        as_of=_day(body.get("as_of")),
    )


def read_address_check(
    exchange: Exchange,
    *,
    document_id: str,
    legal_basis: str,
    case_id: str,
    purpose: str,
    on_behalf_of: str | None = None,
) -> AddressCheck:
    """Ask the register about the certificate ``document_id``: on ``consent:<check code>``
    for a private verifier, or on a ``law:`` basis relaying the check of the government
    subsystem ``on_behalf_of`` (the register records it in the person's data-usage log)."""
    body = call(
        exchange,
        ADDRESS_CHECK_SERVICE,
        encode_path("certificates", document_id),
        headers={ON_BEHALF_OF: on_behalf_of} if on_behalf_of else None,
        issue=case_id,
        legal_basis=legal_basis,
        purpose=purpose,
    )
    return parse_address_check(body, document_id)


# -- the citizen's documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnCertificate:
    """A residence certificate issued to the citizen, as the register lists it."""

    document_id: str
    issued_at: datetime | None
    status: str
    #: Whom it is about (the citizen, or someone in their household).
    subject_name: str
    members: int | None


def parse_own_certificates(body: Any, subject: str) -> list[OwnCertificate]:
    if not isinstance(body, Mapping) or not isinstance(body.get("certificates"), list):
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    if body.get("resident") not in (None, subject):
        raise ExchangeFailed(Reason.INVALID_RESPONSE)
    certificates = []
    for entry in body["certificates"]:
        document_id = _text(entry.get("document_id")) if isinstance(entry, Mapping) else None
        if document_id is None:
            raise ExchangeFailed(Reason.INVALID_RESPONSE)
        members = entry.get("members")
        certificates.append(
            OwnCertificate(
                document_id=document_id,
                issued_at=_instant(entry.get("issued_at")),
                status=_text(entry.get("status")) or "issued",
                subject_name=_text(entry.get("subject_name")) or "",
                members=members if isinstance(members, int) else None,
            )
        )
    return certificates


def read_own_certificates(
    exchange: Exchange, *, subject: str, case_id: str
) -> list[OwnCertificate]:
    body = call(
        exchange,
        DOCUMENTS_SERVICE,
        encode_path("residents", subject, "certificates"),
        user_id=subject,
        issue=case_id,
        legal_basis=DOCUMENTS_BASIS,
        purpose=DOCUMENTS_PURPOSE,
    )
    return parse_own_certificates(body, subject)


def read_own_certificate_pdf(
    exchange: Exchange, *, subject: str, document_id: str, case_id: str
) -> bytes:
    """The signed PDF of a certificate issued to the citizen (``UNKNOWN_DOCUMENT`` for one
    that is not theirs)."""
    response = fetch(
        exchange,
        DOCUMENTS_SERVICE,
        encode_path("residents", subject, "certificates", document_id, "pdf"),
        user_id=subject,
        issue=case_id,
        legal_basis=DOCUMENTS_BASIS,
        purpose=DOCUMENTS_PURPOSE,
    )
    if not response.body.startswith(b"%PDF-"):
        raise ExchangeFailed(Reason.INVALID_RESPONSE, x_road_id=response.x_road_id)
    return response.body
