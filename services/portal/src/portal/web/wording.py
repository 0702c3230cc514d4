"""Words and values for the pages about the citizen's data (consents, details, data usage):
every label, message and date format is decided here, templates only display them.

Text is English and goes through the catalogue (Japanese by default). Dates are shown in Japan
time: ``2026年5月20日 14:03`` in Japanese, ``20 May 2026, 14:03`` in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from govkit.certificates.wareki import both
from govkit.i18n import current_language, format_day, format_instant
from portal.domain import consents, usage
from portal.domain.consents import ADDRESS_CHECK, BASIC_FOUR, Action, ConsentStatus
from portal.providers import (
    ADDRESS_CHECK_PURPOSE,
    DATA_USAGE_PURPOSE,
    DOCUMENTS_PURPOSE,
    ExchangeFailed,
    OwnCertificate,
    Reason,
)


def document_day(day: date) -> str:
    """A date as official papers give it: 和暦 with ISO 8601 in Japanese
    (``令和7年12月1日（2025-12-01）``, as the sealed copy prints it), the page's own format in
    English (``1 December 2025``): an era name means nothing to most English readers."""
    return both(day) if current_language() == "ja" else format_day(day, "en")


# -- labels ----------------------------------------------------------------------------------------

ITEMS = {
    "name": _l("Name"),
    "name_kana": _l("Name in kana"),
    "address": _l("Address"),
    "birthdate": _l("Date of birth"),
    "gender": _l("Sex"),
    "relationship": _l("Relationship to the head of household"),
    "moved_since_issue": _l("Whether you still live at the address on your residence certificate"),
    "register_event": _l("Moves, births and deaths recorded in the register"),
    "issued_certificates": _l("The certificates issued to you"),
    "issued_certificate_pdf": _l("A certificate issued to you"),
}

GENDERS = {"male": _l("Male"), "female": _l("Female")}

SERVICES = {
    "JP-KIT/GOV/LG-139998/residence/basic-four": _l(
        "Resident register: name, address, date of birth and sex"
    ),
    "JP-KIT/GOV/LG-139998/residence/data-usage": _l("Resident register: who used your data"),
    "JP-KIT/GOV/DA/portal/consents": _l("Madoguchi portal: your consents"),
    "JP-KIT/GOV/LG-139998/residence/household": _l("Resident register: your household"),
    "JP-KIT/GOV/LG-139998/residence/address-check": _l(
        "Resident register: whether you still live at the address on your certificate"
    ),
    "JP-KIT/GOV/LG-139998/residence/address-changes": _l(
        "Resident register: moves, births and deaths"
    ),
    "JP-KIT/GOV/LG-139998/residence/documents": _l("Resident register: your certificates"),
    "JP-KIT/GOV/DA/portal/verification": _l("Madoguchi portal: document verification"),
}

#: Purposes the kit's services send, translated when shown (others are shown as sent).
PURPOSES = {
    BASIC_FOUR.purpose: _l("Show your details in your Madoguchi account"),
    DATA_USAGE_PURPOSE: _l("Show you who used your data"),
    DOCUMENTS_PURPOSE: _l("Show you your documents"),
    ADDRESS_CHECK_PURPOSE: _l("Check a residence certificate on the Madoguchi portal"),
    ADDRESS_CHECK.purpose: _l(
        "Tell whoever checks your residence certificate whether you still live at its address"
    ),
}

#: Statutory articles, named in English (the Japanese catalogue gives the article itself).
LAWS = {
    "個人情報の保護に関する法律第76条": _l(
        "Act on the Protection of Personal Information, Article 76"
    ),
    "個人情報の保護に関する法律第69条": _l(
        "Act on the Protection of Personal Information, Article 69"
    ),
    "住民基本台帳法第30条の11": _l("Basic Resident Register Act, Article 30-11"),
}

REFUSALS = {
    "consent-withdrawn": _l("the consent had been withdrawn"),
    "consent-refused": _l("consent had been refused"),
    "consent-not-found": _l("the consent could not be found"),
    "consent-mismatch": _l("the consent did not cover this request"),
    "consent-unverifiable": _l("the consent could not be checked"),
    "missing-legal-basis": _l("no legal basis was given"),
    "statutory-basis-needed": _l("only a statutory basis allows it"),
    "consent-needed": _l("your consent was needed"),
    "not-the-owner": _l("it was not asked for you"),
}

#: What the citizen agrees to, in words: agencies and services by name (their exchange codes
#: are for the agencies' systems, not for the citizen).
OFFERS = {
    BASIC_FOUR.key: _l(
        "Let the Madoguchi portal (Digital Agency) read your name, address, date of birth and "
        "sex from Sakuragi City's resident register to show them in your account"
    ),
    ADDRESS_CHECK.key: _l(
        "Let anyone you give this consent's number to, such as a bank or a landlord, ask "
        "Sakuragi City's resident register through the Madoguchi portal whether you still live "
        "at the address on a residence certificate about you"
    ),
}

STATUSES = {
    ConsentStatus.GIVEN: (_l("Given"), "govuk-tag--green"),
    ConsentStatus.REFUSED: (_l("Refused"), "govuk-tag--grey"),
    ConsentStatus.WITHDRAWN: (_l("Withdrawn"), "govuk-tag--red"),
}

ACTIONS = {
    Action.GIVE: _l("Give consent"),
    Action.REFUSE: _l("Refuse consent"),
    Action.WITHDRAW: _l("Withdraw consent"),
}


def in_both(text: Any) -> dict[str, str]:
    """A lazy string in Japanese and in English (for the JSON API)."""
    out = {}
    for language in ("ja", "en"):
        with force_locale(language):
            out[language] = str(text)
    return out


def purpose_text(purpose: Any) -> str:
    if not isinstance(purpose, str):
        return ""
    known = PURPOSES.get(purpose)
    return str(known) if known is not None else purpose


def law_text(article: str) -> str:
    known = LAWS.get(article)
    if known is None:
        return article
    text = str(known)
    return text if text == article else f"{text} ({article})"


def service_text(service: Any) -> str:
    if not isinstance(service, str):
        return ""
    known = SERVICES.get(service)
    return str(known) if known is not None else service


def item_text(item: Any) -> str:
    known = ITEMS.get(item) if isinstance(item, str) else None
    return str(known) if known is not None else str(item)


# -- messages about a failed exchange -------------------------------------------------------------

_UNREACHABLE = _l(
    "The exchange could not reach Sakuragi City. Nothing was shared. Try again in a few minutes."
)
MESSAGES: dict[Reason, Any] = {
    Reason.NOT_CONFIGURED: _l(
        "This portal is not connected to the data exchange yet, so it cannot ask Sakuragi City "
        "for anything. Nothing was shared."
    ),
    Reason.EXCHANGE_UNAVAILABLE: _UNREACHABLE,
    Reason.EXCHANGE_TIMEOUT: _UNREACHABLE,
    Reason.PROVIDER_UNREACHABLE: _UNREACHABLE,
    Reason.PROVIDER_TIMEOUT: _l(
        "Sakuragi City did not answer in time, so nothing can be shown. Try again in a few minutes."
    ),
    Reason.ACCESS_DENIED: _l(
        "The exchange did not allow the portal to ask Sakuragi City for this. Nothing was shared."
    ),
    Reason.SERVICE_DISABLED: _l(
        "Sakuragi City has switched this service off for the moment. Nothing was shared. Try "
        "again later."
    ),
    Reason.UNKNOWN_SERVICE: _l(
        "The exchange does not know this Sakuragi City service. Nothing was shared."
    ),
    Reason.EXCHANGE_FAULT: _l(
        "The exchange had a problem passing the request on. Nothing was shared. Try again in a "
        "few minutes."
    ),
    Reason.REQUEST_REFUSED: _l(
        "The exchange refused the portal's request. Nothing was shared. Try again later."
    ),
    Reason.RESPONSE_TOO_LARGE: _l(
        "Sakuragi City's answer was too large for the portal to read, so nothing can be shown."
    ),
    Reason.INVALID_RESPONSE: _l(
        "Sakuragi City's answer could not be read, so nothing can be shown. Try again later."
    ),
    Reason.CONSENT_REFUSED: _l(
        "Sakuragi City did not release your details because you refused your consent."
    ),
    Reason.CONSENT_WITHDRAWN: _l(
        "Sakuragi City did not release your details because you withdrew your consent."
    ),
    Reason.CONSENT_NOT_FOUND: _l(
        "Sakuragi City did not release your details because it could not find your consent."
    ),
    Reason.CONSENT_MISMATCH: _l(
        "Sakuragi City did not release your details because your consent does not cover this "
        "request."
    ),
    Reason.CONSENT_UNVERIFIABLE: _l(
        "Sakuragi City could not check your consent with the portal, so it did not release "
        "your details. Try again in a few minutes."
    ),
    Reason.UNKNOWN_RESIDENT: _l(
        "Sakuragi City's resident register has no record of you, so there is nothing to show."
    ),
    Reason.UNKNOWN_DOCUMENT: _l("Sakuragi City has no such document of yours."),
    Reason.CONSENT_NEEDED: _l(
        "Sakuragi City refused the request because it needs your consent. Nothing was shared."
    ),
    Reason.STATUTORY_BASIS_NEEDED: _l(
        "Sakuragi City refused the request because only a statutory basis allows it. Nothing "
        "was shared."
    ),
    Reason.NOT_THE_OWNER: _l(
        "Sakuragi City releases your documents only to you, so it refused. Nothing was shared."
    ),
    Reason.MISSING_LEGAL_BASIS: _l(
        "Sakuragi City refused the request because it did not say on what legal basis it "
        "asked. Nothing was shared."
    ),
    Reason.PROVIDER_REFUSED: _l("Sakuragi City refused the portal's request. Nothing was shared."),
    Reason.PROVIDER_FAILED: _l(
        "Sakuragi City's resident register could not answer because of a problem on its side. "
        "Try again later."
    ),
    Reason.NO_CONSENT: _l(
        "You have not given your consent for the portal to read your details from the "
        "resident register, so it did not ask."
    ),
}

#: Reasons that are expected answers (the citizen's own decisions or records), not trouble.
EXPECTED = frozenset(
    {
        Reason.CONSENT_REFUSED,
        Reason.CONSENT_WITHDRAWN,
        Reason.CONSENT_NOT_FOUND,
        Reason.CONSENT_MISMATCH,
        Reason.UNKNOWN_RESIDENT,
        Reason.NO_CONSENT,
    }
)


def failure_message(failure: ExchangeFailed, consent: consents.Consent | None = None) -> str:
    """What to tell the citizen; consent refusals say when, from the register's answer or
    the portal's own record of the consent."""
    reason = failure.reason
    if reason is Reason.CONSENT_WITHDRAWN:
        when = failure.withdrawn_at or (consent.withdrawn_at if consent else None)
        if when is not None:
            return _(
                "Sakuragi City did not release your details because you withdrew your consent "
                "on %(date)s.",
                date=format_day(when),
            )
    if reason is Reason.CONSENT_REFUSED:
        when = failure.refused_at or (consent.refused_at if consent else None)
        if when is not None:
            return _(
                "Sakuragi City did not release your details because you refused your consent "
                "on %(date)s.",
                date=format_day(when),
            )
    if reason is Reason.CONSENT_NOT_FOUND and consent is not None:
        return _(
            "Sakuragi City did not release your details because it could not find your consent "
            "%(consent)s.",
            consent=consent.id,
        )
    return str(MESSAGES[reason])


def failure_status(failure: ExchangeFailed) -> int:
    """The HTTP status of a page or API answer that reports ``failure``."""
    reason = failure.reason
    if reason in EXPECTED:
        return 200
    if reason in (Reason.NOT_CONFIGURED, Reason.EXCHANGE_UNAVAILABLE, Reason.SERVICE_DISABLED):
        return 503
    if reason in (Reason.EXCHANGE_TIMEOUT, Reason.PROVIDER_TIMEOUT):
        return 504
    return 502


# -- consents --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentCard:
    """One consent record, ready for the "Your consents" page."""

    id: str
    #: The card's heading: the agency holding the data and its service, by name.
    title: str
    offer_text: str
    status_text: str
    status_class: str
    current: bool
    rows: list[dict[str, Any]]
    actions: list[tuple[str, str, str]]  # (label, url, button classes)


def consent_label(offer_key: str) -> str:
    """What a consent's number is called: the address check's is the check code the citizen
    gives banks and landlords (「Your documents」 shows it by that name), the others' a number."""
    return _("Check code") if offer_key == ADDRESS_CHECK.key else _("Consent number")


def consent_card(consent: consents.Consent, *, current: bool) -> ConsentCard:
    status_text, status_class = STATUSES[consent.status]
    rows: list[dict[str, Any]] = [
        {"key": {"text": consent_label(consent.offer)}, "value": {"text": consent.id}},
    ]
    for label, moment in (
        (_("Given on"), consent.given_at),
        (_("Refused on"), consent.refused_at),
        (_("Withdrawn on"), consent.withdrawn_at),
    ):
        if moment is not None:
            rows.append({"key": {"text": label}, "value": {"text": format_instant(moment)}})
    actions = []
    if current:
        for action in consents.available_actions(consent):
            actions.append(_action(action, consent.offer, consent.id))
    return ConsentCard(
        id=consent.id,
        title=offer_title(consent.offer),
        offer_text=str(OFFERS.get(consent.offer, consent.offer)),
        status_text=str(status_text),
        status_class=status_class,
        current=current,
        rows=rows,
        actions=actions,
    )


def offer_title(offer_key: str) -> str:
    """``Sakuragi City — Resident register: name, address, …``: who holds the data the consent
    is about, and which of their services releases it."""
    offer = consents.OFFERS.get(offer_key)
    if offer is None:
        return offer_key
    holder = usage.agency_of(offer.provider_service).name(current_language())
    return _(
        "%(agency)s — %(service)s",
        agency=holder,
        service=service_text(offer.provider_service),
    )


def _action(action: Action, offer: str, consent_id: str | None) -> tuple[str, str, str]:
    if action is Action.WITHDRAW:
        url = url_for("portal.consent_withdraw_confirm", consent_id=consent_id)
        classes = "govuk-button--warning"
    else:
        url = url_for("portal.consent_decide_confirm", offer_key=offer, action=action.value)
        classes = "" if action is Action.GIVE else "govuk-button--secondary"
    return (str(ACTIONS[action]), url, classes)


def undecided_actions(offer: str) -> list[tuple[str, str, str]]:
    return [_action(action, offer, None) for action in consents.available_actions(None)]


# -- the citizen's details ------------------------------------------------------------------------


def details_rows(details: Any) -> list[dict[str, Any]]:
    """GOV.UK summary-list rows of the basic four."""
    name = details.name + (f"（{details.name_kana}）" if details.name_kana else "")
    rows = [{"key": {"text": _("Name")}, "value": {"text": name}}]
    rows.append({"key": {"text": _("Address")}, "value": {"text": details.address}})
    if details.birthdate is not None:
        born = document_day(details.birthdate)
        rows.append({"key": {"text": _("Date of birth")}, "value": {"text": born}})
    if details.gender is not None:
        sex = GENDERS.get(details.gender)
        rows.append(
            {"key": {"text": _("Sex")}, "value": {"text": str(sex) if sex else details.gender}}
        )
    if details.as_of is not None:
        rows.append({"key": {"text": _("As of")}, "value": {"text": format_day(details.as_of)}})
    return rows


# -- who used my data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageRow:
    seq: Any
    when: str
    agency: str
    agency_member: str
    service: str
    items: list[str]
    purpose: str
    basis_kind: str  # consent | law | other
    basis_text: str
    consent_id: str | None
    consent_url: str | None
    served: bool
    outcome: str


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def usage_row(record: Any) -> UsageRow:
    """One record of the register's data-usage log as a table row (whatever its shape)."""
    data: Mapping[str, Any] = record if isinstance(record, Mapping) else {}
    client = data.get("client") if isinstance(data.get("client"), str) else ""
    agency = usage.agency_of(client)
    at = _instant(data.get("at"))
    basis = usage.legal_basis(data.get("legal_basis"))
    consent_id = basis.value if basis.kind == "consent" else None
    if basis.kind == "consent":
        basis_text = _("Your consent %(consent)s", consent=basis.value)
    elif basis.kind == "law":
        basis_text = law_text(basis.value)
    else:
        basis_text = basis.value or _("Not given")
    served = data.get("outcome") == "served"
    if served:
        outcome = _("Served")
    else:
        refusal = data.get("refusal")
        why = REFUSALS.get(refusal) if isinstance(refusal, str) else None
        reason = str(why) if why is not None else (str(refusal) if refusal else "")
        outcome = _("Refused: %(reason)s", reason=reason) if reason else _("Refused")
    items = data.get("items") if isinstance(data.get("items"), list) else []
    return UsageRow(
        seq=data.get("seq"),
        when=format_instant(at) if at is not None else str(data.get("at", "")),
        agency=agency.name(current_language()),
        agency_member=agency.member,
        service=service_text(data.get("service")),
        items=[item_text(item) for item in items],
        purpose=purpose_text(data.get("purpose")),
        basis_kind=basis.kind,
        basis_text=basis_text,
        consent_id=consent_id,
        consent_url=url_for("portal.consents", _anchor=consent_id) if consent_id else None,
        served=served,
        outcome=outcome,
    )


def chain_summary(verdict: usage.ChainVerdict) -> str:
    if verdict.intact:
        if verdict.records == 0:
            return _("No records yet: no agency has used your data through the exchange.")
        return ngettext(
            "%(num)d record, the chain is intact.",
            "%(num)d records, the chain is intact.",
            verdict.records,
        )
    return _(
        "Warning: these records have been changed. The chain breaks at record %(position)s of "
        "%(num)s, so they cannot be trusted. Tell Sakuragi City.",
        position=verdict.broken_at or "?",
        num=verdict.records,
    )


# -- your documents --------------------------------------------------------------------------------

DOCUMENT_STATUSES = {
    "issued": (_l("Valid"), "govuk-tag--green"),
    "revoked": (_l("Revoked"), "govuk-tag--red"),
    "superseded": (_l("Replaced"), "govuk-tag--grey"),
    "expired": (_l("Expired"), "govuk-tag--grey"),
}


@dataclass(frozen=True)
class DocumentRow:
    document_id: str
    title: str
    issued: str
    about: str
    status_text: str
    status_class: str
    download_url: str


def document_row(certificate: OwnCertificate) -> DocumentRow:
    status_text, status_class = DOCUMENT_STATUSES.get(
        certificate.status, (certificate.status, "govuk-tag--grey")
    )
    return DocumentRow(
        document_id=certificate.document_id,
        title=_("Copy of resident record (juminhyo)"),
        issued=format_instant(certificate.issued_at) if certificate.issued_at else "",
        about=certificate.subject_name,
        status_text=str(status_text),
        status_class=status_class,
        download_url=url_for("portal.my_document_pdf", document_id=certificate.document_id),
    )
