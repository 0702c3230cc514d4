"""The data-usage record the resident register keeps about a citizen, as the portal checks it.

The register files every exchange about a resident under their pseudonym, oldest first, each
record linked to the one before by a hash (the rule both sides implement, from the exchange
contract)::

    hash = sha256(prev_hash + "\\n" + canonical JSON of the record without "hash" and
                  "prev_hash")          # sort_keys, separators (",", ":"), ensure_ascii=False

with ``prev_hash`` of the first record 64 zeros. :func:`verify_chain` recomputes the chain
from what was received: a changed, dropped, inserted or reordered record breaks it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64
_UNHASHED = frozenset({"hash", "prev_hash"})


class ChainProblem(StrEnum):
    """Why a chain does not verify."""

    NOT_A_RECORD = "not-a-record"
    FIRST_LINK = "first-link"  # the first record does not start from 64 zeros
    BROKEN_LINK = "broken-link"  # prev_hash is not the previous record's hash
    WRONG_HASH = "wrong-hash"  # the record's content does not give its hash
    ORDER = "order"  # sequence numbers do not increase
    HEAD = "head"  # the announced head is not the last record's hash


@dataclass(frozen=True)
class ChainVerdict:
    records: int
    intact: bool
    #: Position (1-based) of the first record that fails, or ``None``.
    broken_at: int | None = None
    problem: ChainProblem | None = None


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes a record's hash covers (everything but ``hash`` and ``prev_hash``)."""
    body = {key: value for key, value in record.items() if key not in _UNHASHED}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("utf-8") + b"\n" + canonical(record)).hexdigest()


def link(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``records`` with ``prev_hash`` and ``hash`` filled in (for tests and fakes)."""
    out: list[dict[str, Any]] = []
    previous = GENESIS
    for record in records:
        body = {key: value for key, value in record.items() if key not in _UNHASHED}
        digest = record_hash(previous, body)
        out.append({**body, "prev_hash": previous, "hash": digest})
        previous = digest
    return out


def verify_chain(records: Sequence[Any], head: Any = None) -> ChainVerdict:
    """Whether ``records`` (oldest first) form an unbroken chain ending at ``head``.

    ``head`` ``None`` is not checked; for no records it may also be 64 zeros or empty.
    """
    previous = GENESIS
    last_seq: int | None = None
    for position, record in enumerate(records, start=1):
        problem = _link_problem(record, previous, last_seq, first=position == 1)
        if problem is not None:
            return ChainVerdict(len(records), False, position, problem)
        seq = record.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            last_seq = seq
        previous = record["hash"]
    if head is not None:
        expected = {previous} if records else {GENESIS, ""}
        if head not in expected:
            return ChainVerdict(len(records), False, len(records) or None, ChainProblem.HEAD)
    return ChainVerdict(len(records), True)


def _link_problem(
    record: Any, previous: str, last_seq: int | None, *, first: bool
) -> ChainProblem | None:
    if not isinstance(record, Mapping):
        return ChainProblem.NOT_A_RECORD
    prev_hash, digest, seq = record.get("prev_hash"), record.get("hash"), record.get("seq")
    if not isinstance(prev_hash, str) or not isinstance(digest, str):
        return ChainProblem.NOT_A_RECORD
    if prev_hash != previous:
        return ChainProblem.FIRST_LINK if first else ChainProblem.BROKEN_LINK
    if record_hash(prev_hash, record) != digest:
        return ChainProblem.WRONG_HASH
    numbered = isinstance(seq, int) and not isinstance(seq, bool)
    if numbered and last_seq is not None and seq <= last_seq:
        return ChainProblem.ORDER
    return None


# -- who is who on the exchange ------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    member: str  # "GOV/DA"
    name_ja: str | None
    name_en: str | None

    def name(self, language: str) -> str:
        """The agency's name in ``language`` ("ja" or "en"), or its member code if unknown."""
        name = self.name_ja if language == "ja" else self.name_en
        return name or self.member


#: Member code → (Japanese name, English name).
AGENCIES: dict[str, tuple[str, str]] = {
    "GOV/DA": ("デジタル庁", "Digital Agency"),
    "GOV/LG-139998": ("桜木市", "Sakuragi City"),
    "GOV/JPS": ("日本年金機構", "Japan Pension Service"),
    "GOV/MOJ": ("法務省", "Ministry of Justice"),
}


def member_of(identifier: Any) -> str:
    """``"JP-KIT/GOV/DA/portal"`` (or a service id) → ``"GOV/DA"``; ``""`` if not one."""
    parts = identifier.split("/") if isinstance(identifier, str) else []
    return "/".join(parts[1:3]) if len(parts) >= 4 and all(parts[:4]) else ""


def agency(member: str) -> Agency:
    """The agency with member code ``member`` (unknown: names ``None``, shown as the code)."""
    names = AGENCIES.get(member)
    return Agency(member, *names) if names is not None else Agency(member, None, None)


def agency_of(identifier: Any) -> Agency:
    """The agency behind a client or service identifier (not one: the text as it is)."""
    member = member_of(identifier)
    return agency(member) if member else Agency(str(identifier or ""), None, None)


@dataclass(frozen=True)
class LegalBasis:
    kind: str  # "consent" | "law" | "other"
    value: str  # the consent id, the article, or the text as received


def legal_basis(text: Any) -> LegalBasis:
    """``"consent:C-…"`` → consent C-…; ``"law:…"`` → the article; anything else as it is."""
    if isinstance(text, str):
        for kind in ("consent", "law"):
            prefix = kind + ":"
            if text.startswith(prefix) and text[len(prefix) :].strip():
                return LegalBasis(kind, text[len(prefix) :].strip())
    return LegalBasis("other", "" if text is None else str(text))
