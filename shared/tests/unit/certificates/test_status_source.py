"""Asking an issuer for a document's status: the answer counts only when it is signed by a key
the trust list gives to the document's issuer. Issuers sign with their current seal, which may
be newer than the verifier's list (a rotation a moment ago): the source then asks for a fresher
list once, and still refuses keys of other issuers or keys no list names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from govkit.certificates import status
from govkit.certificates.keys import key_id
from govkit.certificates.status import DocumentStatus
from govkit.certificates.trustlist import IssuerKey, TrustList
from govkit.certificates.verify import HttpStatusSource, StatusUnavailable

NOW = datetime.now(UTC)
URL = "http://portal.test/api/v1/documents/SPC-1/status"


@dataclass
class Answer:
    status_code: int
    text: str


class OneAnswer:
    """A session whose every GET gets the same signed status answer."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get(self, url: str, timeout: float) -> Answer:
        return Answer(200, self.token)


def issuer_key(holder: str, seal: Any) -> IssuerKey:
    return IssuerKey(
        holder=holder, subject=holder, kid=key_id(seal.certificate), certificate=seal.certificate,
        valid_from=NOW - timedelta(days=1), valid_until=NOW + timedelta(days=365),
        withdrawn_at=None, revoked_at=None, revocation_reason=None,
    )  # fmt: skip


def trust_list(root: Any, *issuers: IssuerKey) -> TrustList:
    return TrustList(
        token="", root=root.certificate, issued_at=NOW, next_update=NOW + timedelta(days=1),
        sequence=1, authorities={}, timestamping=(), issuers=issuers,
    )  # fmt: skip


def signed_by(seal: Any, root: Any) -> str:
    return status.status_response(
        document_id="SPC-1", status=DocumentStatus.REVOKED, changed_at=NOW, reason="error",
        superseded_by=None, key=seal.key, chain=[seal.certificate, root.certificate], now=NOW,
    )  # fmt: skip


@pytest.fixture
def seals(root: Any) -> dict[str, Any]:
    return {name: root.issue(name) for name in ("old", "new", "other")}


def source(token: str, newer: TrustList | None, asked: list[str]) -> HttpStatusSource:
    def newer_list() -> TrustList | None:
        asked.append("newer list")
        return newer

    answering = HttpStatusSource(["http://portal.test"], newer_list=newer_list)
    answering.session = OneAnswer(token)  # type: ignore[assignment]
    return answering


def test_an_answer_signed_by_a_seal_newer_than_the_list_is_read_from_a_fresher_list(
    root: Any, seals: dict[str, Any]
) -> None:
    old, new = issuer_key("GOV/DA", seals["old"]), issuer_key("GOV/DA", seals["new"])
    asked: list[str] = []
    answering = source(signed_by(seals["new"], root), trust_list(root, old, new), asked)
    answer = answering.lookup(URL, old, trust_list(root, old))
    assert answer is not None
    assert answer.status is DocumentStatus.REVOKED
    assert asked == ["newer list"]


def test_a_key_the_list_knows_needs_no_fresher_list(root: Any, seals: dict[str, Any]) -> None:
    old = issuer_key("GOV/DA", seals["old"])
    asked: list[str] = []
    answering = source(signed_by(seals["old"], root), None, asked)
    assert answering.lookup(URL, old, trust_list(root, old)) is not None
    assert asked == []


@pytest.mark.parametrize("fresher", ["names it for another issuer", "does not name it", "none"])
def test_another_issuers_key_or_an_unlisted_one_is_refused(
    root: Any, seals: dict[str, Any], fresher: str
) -> None:
    old, other = issuer_key("GOV/DA", seals["old"]), issuer_key("MUN/139998", seals["other"])
    newer = {
        "names it for another issuer": trust_list(root, old, other),
        "does not name it": trust_list(root, old),
        "none": None,
    }[fresher]
    asked: list[str] = []
    answering = source(signed_by(seals["other"], root), newer, asked)
    with pytest.raises(StatusUnavailable, match="not signed by the document's issuer"):
        answering.lookup(URL, old, trust_list(root, old))
    assert asked == ["newer list"]
