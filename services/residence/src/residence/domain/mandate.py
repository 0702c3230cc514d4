"""The electronic letter of authority (委任状): the text the principal signs, and its period.

A paper 委任状 names the principal and the proxy, says what is delegated, and is written or
signed by the principal (domain.md §1.1; Saku: 委任者が自署, Isahaya: 直筆). The kit's
electronic one is a small canonical JSON document that the principal signs with their card's
signing key (the identity provider's ``jpki-sign`` step-up): the SHA-256 of its UTF-8 bytes is
what the card signs, so the text must come out byte for byte the same every time — sorted keys,
no spaces, non-ASCII kept as is, dates in ISO form.

Cities set no statutory lifetime for a 委任状; the kit lets one run for at most
:data:`MANDATE_MAX_DAYS` (about three months, domain.md §1.3), starting today or later.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

#: The longest a letter of authority may run: ``valid_until`` at most this many days after
#: ``valid_from``.
MANDATE_MAX_DAYS = 92
#: Names what the signed text is, so a signature over it cannot pass for one over another
#: kind of document.
KIND = "residence-certificate-mandate"


def mandate_text(
    principal_key: str,
    principal_name: str,
    proxy_name: str,
    proxy_birthdate: date,
    purpose: str,
    allow_my_number: bool,
    valid_from: date,
    valid_until: date,
) -> str:
    """The canonical text of a letter of authority, as the principal signs it."""
    body = {
        "kind": KIND,
        "principal": principal_key,
        "principal_name": principal_name,
        "proxy_name": proxy_name,
        "proxy_birthdate": proxy_birthdate.isoformat(),
        "purpose": str(purpose),
        "allow_my_number": allow_my_number,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def mandate_digest(text: str) -> bytes:
    """The SHA-256 of ``text`` (UTF-8): what the principal's card signs."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def latest_valid_until(valid_from: date) -> date:
    """The last day a letter of authority starting on ``valid_from`` may run to."""
    return valid_from + timedelta(days=MANDATE_MAX_DAYS)


def mandate_period_problem(valid_from: date, valid_until: date, today: date) -> str | None:
    """``None`` when a letter may run from ``valid_from`` to ``valid_until`` (both days
    included), written on ``today``; else ``"order"`` (it ends before it starts), ``"past"``
    (it starts before today: a letter is never backdated) or ``"too_long"`` (it runs past
    :func:`latest_valid_until`)."""
    if valid_until < valid_from:
        return "order"
    if valid_from < today:
        return "past"
    if valid_until > latest_valid_until(valid_from):
        return "too_long"
    return None
