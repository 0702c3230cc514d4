"""Turn a verification into what the result page shows: every decision is made here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.domain import usage
from portal.providers import Reason
from portal.services import AddressOutcome
from portal.web.wording import document_day

VERDICT_TITLES = {
    "valid": _l("This document is valid"),
    "tampered": _l("This document has been changed since it was issued"),
    "revoked": _l("This document has been revoked"),
    "expired": _l("This document has expired"),
    "untrusted-issuer": _l("The issuer of this document cannot be trusted"),
    "not-issued": _l("This is not a document issued through Madoguchi"),
}

REASONS = {
    "empty": _l("The file is empty."),
    "too-large": _l("The file is larger than 10 MB."),
    "not-pdf": _l("The file is not a PDF."),
    "damaged": _l("The PDF is damaged and cannot be read."),
    "encrypted": _l("The PDF is encrypted (password protected), so it cannot be checked."),
    "no-signature": _l("The PDF has no electronic seal."),
    "no-claims": _l("The PDF is sealed but carries no kit document data."),
    "signature-broken": _l("The seal does not match the content: the document was altered."),
    "timestamp-broken": _l("A timestamp in the document does not match its content."),
    "modified-after-signing": _l("Content was changed after the document was sealed."),
    "untrusted-chain": _l(
        "The seal was not made with a certificate from the kit's trust services."
    ),
    "untrusted-timestamp": _l("The seal's time cannot be confirmed by a trusted timestamp."),
    "unknown-issuer-key": _l("The seal key is not on the kit's list of issuers."),
    "key-revoked": _l("The issuer's seal key had been revoked when this document was sealed."),
    "key-withdrawn": _l("The issuer's seal key had been replaced before this document was sealed."),
    "key-not-valid-then": _l("The issuer's seal key was not valid when this document was sealed."),
    "issuer-mismatch": _l("The document names a different issuer than the one who sealed it."),
    "revoked": _l("The issuer has revoked this document."),
    "superseded": _l("The issuer has replaced this document with a newer one."),
    "suspended": _l("The issuer has suspended this document."),
    "expired": _l("The document's validity period has ended."),
    "unknown-document": _l("The issuer has no record of this document."),
    "status-unavailable": _l(
        "The issuer could not be asked whether the document is still current. "
        "Its seal was checked; try again later for its status."
    ),
    "status-not-checked": _l("The document's current status was not checked."),
    "qr-prefix": _l("The text is not from a Madoguchi QR code (it should start with MDG1:)."),
    "qr-base45": _l("The QR text is incomplete or was copied wrongly."),
    "qr-damaged": _l("The QR text is incomplete or damaged."),
    "qr-not-cose": _l("The QR text does not contain a signed document."),
    "qr-too-long": _l("The text is too long to be a Madoguchi QR code."),
    "qr-payload": _l("The QR code is signed but does not contain kit document data."),
    "qr-unknown-key": _l(
        "The QR code was signed with a key that is not on the kit's list of issuers."
    ),
    "qr-signature": _l("The QR code's signature does not match its content."),
}

DOCUMENT_TYPES = {
    "specimen": _l("Specimen certificate"),
    "residence-certificate": _l("Copy of resident record (juminhyo)"),
}


@dataclass(frozen=True)
class SummaryRow:
    key: str
    value: str


@dataclass(frozen=True)
class AddressView:
    """Whether the person on a residence certificate still lives at its address."""

    text: str
    #: ``still`` | ``moved`` | ``not-asked`` | ``failed``
    state: str
    case_id: str | None


@dataclass(frozen=True)
class VerdictView:
    verdict: str
    title: str
    tone: str  # "valid" | "invalid"
    reasons: list[str]
    rows: list[SummaryRow]
    freshness_text: str | None
    freshness_ok: bool | None
    address: AddressView | None = None


def _age(days: int) -> str:
    if days < 0:
        return _("dated in the future")
    if days == 0:
        return _("issued today")
    return ngettext("issued %(num)d day ago", "issued %(num)d days ago", days)


def issuer_name(issuer: dict[str, Any], language: str) -> str:
    """The issuer's name, by the member code the seal was checked against: the kit's name for an
    agency it knows, the same whether the PDF (whose data names its issuer) or the QR code (which
    names only the member) was checked; for an agency it does not know, the name the document
    gives, if any."""
    known = usage.AGENCIES.get(issuer.get("member") or "")
    if known is not None:
        return known[0] if language == "ja" else known[1]
    return str(issuer.get("name_ja" if language == "ja" else "name_en") or "")


def verdict_view(data: dict[str, Any]) -> VerdictView:
    result = data["result"]
    verdict = result["verdict"]
    rows: list[SummaryRow] = []
    if result.get("document_type"):
        kind = DOCUMENT_TYPES.get(result["document_type"], result["document_type"])
        rows.append(SummaryRow(_("Document"), str(kind)))
    if result.get("document_id"):
        rows.append(SummaryRow(_("Document number"), result["document_id"]))
    issuer = result.get("issuer") or {}
    if issuer.get("member"):
        name = issuer_name(issuer, "ja" if data.get("language") == "ja" else "en")
        rows.append(SummaryRow(_("Issuer"), f"{name} ({issuer['member']})".strip()))
    freshness = data.get("freshness")
    if result.get("issued_on"):
        issued_on = date.fromisoformat(result["issued_on"])
        age = _age(freshness["age_days"]) if freshness else ""
        rows.append(SummaryRow(_("Date of issue"), f"{document_day(issued_on)} — {age}"))
    if result.get("valid_until"):
        valid_until = date.fromisoformat(result["valid_until"])
        rows.append(SummaryRow(_("Valid until"), document_day(valid_until)))
    status = result.get("status") or {}
    if status.get("checked"):
        value = {
            "issued": _("Current (not revoked)"),
            "revoked": _("Revoked"),
            "superseded": _("Replaced by a newer document"),
            "suspended": _("Suspended"),
        }.get(status.get("value"), str(status.get("value")))
        if status.get("changed_at"):
            value = f"{value} ({status['changed_at'][:10]})"
        rows.append(SummaryRow(_("Status with the issuer"), value))
    rows.append(
        SummaryRow(
            _("Checked from"),
            _("the PDF's electronic seal") if result["source"] == "pdf" else _("the QR code"),
        )
    )
    freshness_text, freshness_ok = None, None
    if freshness and freshness.get("fresh") is not None:
        limit = document_day(date.fromisoformat(freshness["limit"]))
        freshness_ok = bool(freshness["fresh"])
        freshness_text = (
            _("Recent enough for your rule: it counts as recent until %(limit)s.", limit=limit)
            if freshness_ok
            else _("Too old for your rule: it counted as recent only until %(limit)s.", limit=limit)
        )
    return VerdictView(
        verdict=verdict,
        title=str(VERDICT_TITLES[verdict]),
        tone="valid" if verdict == "valid" else "invalid",
        reasons=[str(REASONS.get(code, code)) for code in result["reasons"]],
        rows=rows,
        freshness_text=freshness_text,
        freshness_ok=freshness_ok,
        address=address_view(data.get("address")),
    )


# -- has the person moved since the certificate was issued -----------------------------------------

_CODE_NOT_ACCEPTED = _l(
    "Sakuragi City did not accept this check code for this certificate, so it did not say "
    "whether the person still lives at the address. Check the code with the person."
)
#: What a verifier is told when the register gave no answer.
ADDRESS_FAILURES = {
    Reason.CONSENT_WITHDRAWN: _l(
        "The person has withdrawn this check code, so Sakuragi City did not say whether they "
        "still live at the address."
    ),
    Reason.CONSENT_REFUSED: _CODE_NOT_ACCEPTED,
    Reason.CONSENT_NOT_FOUND: _CODE_NOT_ACCEPTED,
    Reason.CONSENT_MISMATCH: _CODE_NOT_ACCEPTED,
    Reason.CONSENT_NEEDED: _CODE_NOT_ACCEPTED,
    Reason.UNKNOWN_DOCUMENT: _l(
        "Sakuragi City has no record of this certificate, so it cannot say whether the person "
        "still lives at the address."
    ),
    Reason.STATUTORY_BASIS_NEEDED: _l(
        "Send the statutory basis of your check (X-Madoguchi-Legal-Basis: law:…) to learn "
        "whether the person still lives at the address."
    ),
}
_ADDRESS_UNAVAILABLE = _l(
    "Sakuragi City could not be asked now whether the person still lives at the address. Try "
    "again later."
)


def address_data(outcome: AddressOutcome | None) -> dict[str, Any] | None:
    """The outcome as plain values (kept in the session for the result page; the JSON API's
    ``address_check``)."""
    if outcome is None:
        return None
    check, failure = outcome.check, outcome.failure
    return {
        "asked": outcome.asked,
        "case_id": outcome.case_id,
        "subject_still_at_address": check.still_at_address if check else None,
        "moved_on": check.moved_on.isoformat() if check and check.moved_on else None,
        "as_of": check.as_of.isoformat() if check and check.as_of else None,
        "reason": failure.reason.value if failure else None,
    }


def address_text(data: dict[str, Any]) -> tuple[str, str]:
    """(what to tell the verifier, the state) for :func:`address_data`'s values."""
    reason = data.get("reason")
    if reason is not None:
        try:
            known = ADDRESS_FAILURES.get(Reason(reason))
        except ValueError:
            known = None
        return str(known or _ADDRESS_UNAVAILABLE), "failed"
    still = data.get("subject_still_at_address")
    if still is None:
        return (
            _(
                "To find out whether the person still lives at this address, ask them for a "
                "check code. They can make one on the Madoguchi portal under “Your documents”, "
                "and withdraw it at any time. Then check the document again with the code."
            ),
            "not-asked",
        )
    if still:
        as_of = data.get("as_of")
        if as_of:
            return (
                _(
                    "Sakuragi City confirms that the person on this certificate still lives at "
                    "the address it shows (as of %(date)s).",
                    date=document_day(date.fromisoformat(as_of)),
                ),
                "still",
            )
        return (
            _(
                "Sakuragi City confirms that the person on this certificate still lives at the "
                "address it shows."
            ),
            "still",
        )
    moved_on = data.get("moved_on")
    if moved_on:
        return (
            _(
                "The person on this certificate no longer lives at the address it shows: they "
                "moved on %(date)s.",
                date=document_day(date.fromisoformat(moved_on)),
            ),
            "moved",
        )
    return _("The person on this certificate no longer lives at the address it shows."), "moved"


def address_view(data: dict[str, Any] | None) -> AddressView | None:
    if not data:
        return None
    text, state = address_text(data)
    return AddressView(text=text, state=state, case_id=data.get("case_id"))
