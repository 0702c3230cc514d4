"""Whether a consent lets the register release the basic four (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from residence.domain.basic_four import ITEMS, SERVICE
from residence.domain.consent import (
    Consent,
    ConsentRequest,
    InvalidConsent,
    Refusal,
    decide,
)

SUBJECT = "x" * 43
PORTAL = "JP-KIT/GOV/DA/portal"


def _consent(**overrides: Any) -> Consent:
    body: dict[str, Any] = {
        "id": "C-1",
        "status": "given",
        "subject": SUBJECT,
        "consumer": PORTAL,
        "provider_service": SERVICE,
        "items": list(ITEMS),
        "purpose": "本人確認",
        "given_at": "2026-11-20T01:00:00Z",
        "withdrawn_at": None,
        "refused_at": None,
    }
    body.update(overrides)
    return Consent.from_json(body)


REQUEST = ConsentRequest(
    consent_id="C-1", subject=SUBJECT, consumer=PORTAL, service=SERVICE, items=ITEMS
)


def test_a_given_matching_consent_releases_the_data() -> None:
    decision = decide(_consent(), REQUEST)
    assert decision.released
    assert decision.refusal is None


def test_a_consent_covering_more_than_the_basic_four_releases_them() -> None:
    assert decide(_consent(items=[*ITEMS, "household"]), REQUEST).released


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"status": "withdrawn", "withdrawn_at": "2026-11-24T09:00:00Z"}, "consent-withdrawn"),
        ({"status": "refused", "refused_at": "2026-11-24T09:00:00Z"}, "consent-refused"),
        ({"status": "pending"}, "consent-refused"),
        ({"subject": "y" * 43}, "consent-mismatch"),
        ({"consumer": "JP-KIT/GOV/JPS/pension"}, "consent-mismatch"),
        ({"provider_service": "JP-KIT/GOV/LG-139998/residence/data-usage"}, "consent-mismatch"),
        ({"id": "C-2"}, "consent-mismatch"),
        ({"items": ["name", "address"]}, "consent-mismatch"),
        ({"items": []}, "consent-mismatch"),
    ],
)
def test_refusals(overrides: dict[str, Any], refusal: str) -> None:
    decision = decide(_consent(**overrides), REQUEST)
    assert not decision.released
    assert decision.refusal == Refusal(refusal)
    assert decision.reason.endswith(".")


def test_a_withdrawn_consent_says_when() -> None:
    decision = decide(_consent(status="withdrawn", withdrawn_at="2026-11-24T09:00:00Z"), REQUEST)
    assert decision.withdrawn_at == "2026-11-24T09:00:00Z"
    assert "2026-11-24T09:00:00Z" in decision.reason


def test_someone_elses_withdrawn_consent_is_a_mismatch_and_tells_nothing_of_its_status() -> None:
    decision = decide(
        _consent(subject="y" * 43, status="withdrawn", withdrawn_at="2026-11-24T09:00:00Z"),
        REQUEST,
    )
    assert decision.refusal is Refusal.CONSENT_MISMATCH
    assert decision.withdrawn_at is None
    assert "withdr" not in decision.reason


def test_items_missing_from_the_consent_are_named() -> None:
    decision = decide(_consent(items=["name", "name_kana", "address"]), REQUEST)
    assert "birthdate, gender" in decision.reason


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "C-1",
        {"id": "C-1"},
        {**_consent().__dict__, "items": ("name",)},
        {**_consent().__dict__, "items": "name"},
        {**_consent().__dict__, "items": [1]},
        {**_consent().__dict__, "status": None},
        {**_consent().__dict__, "subject": ""},
        {**_consent().__dict__, "items": [], "withdrawn_at": 5},
    ],
)
def test_an_answer_that_is_not_a_consent_record_is_refused(body: Any) -> None:
    with pytest.raises(InvalidConsent):
        Consent.from_json(body)


def test_fields_the_register_does_not_use_are_ignored() -> None:
    consent = Consent.from_json({**_consent().__dict__, "items": list(ITEMS), "extra": {"a": 1}})
    assert consent.items == ITEMS
