"""Every verdict and every reason the verifier can give has plain words in Japanese and English.

Proves: each Verdict has a title in both languages (the Japanese one really translated); every
reason code that shared/src/govkit/certificates (verify.py, qr.py, and the key problems of
trustlist.py) can emit — collected from the source, so a new code cannot ship without text —
has an explanation in presenters.REASONS, translated; the age shown beside the date of issue
reads right for 0, 1 and 12 days and for a date in the future; the result page's rows and
freshness sentence follow the verification.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

import govkit.certificates
import portal
from govkit import i18n
from govkit.certificates.status import DocumentStatus
from govkit.certificates.verify import Result, Verdict
from portal.domain.consents import ADDRESS_CHECK, BASIC_FOUR, Consent, ConsentStatus, Offer
from portal.web.presenters import REASONS, VERDICT_TITLES, verdict_view
from portal.web.wording import consent_card

CERTIFICATES = Path(govkit.certificates.__file__).parent


@pytest.fixture(scope="module")
def app() -> Flask:
    """A bare app with the kit's and the portal's catalogues (no database, no services)."""
    app = Flask(__name__)
    i18n.init_app(app, Path(portal.__file__).parent / "translations")
    return app


@pytest.fixture
def in_language(app: Flask) -> Iterator[Any]:
    with app.test_request_context():
        yield force_locale


# -- collecting the reason codes from the verifier's source ----------------------------------------


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _called(node: ast.Call) -> str:
    func = node.func
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )


def emitted_reason_codes() -> set[str]:
    """Reason codes written in the verifier's source, wherever it can put one in a Result."""
    codes: set[str] = set()
    verify = ast.parse((CERTIFICATES / "verify.py").read_text("utf-8"))
    for node in ast.walk(verify):
        if isinstance(node, ast.Call) and _called(node) == "Result":
            reasons = node.args[1:2] + [k.value for k in node.keywords if k.arg == "reasons"]
            for argument in reasons:
                codes |= _strings(argument)
        # reasons.append("status-unavailable"), reasons.insert(0, …)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "reasons"
        ):
            for argument in node.args:
                codes |= _strings(argument)
        # _judge_seal returns (Verdict.X, "code") pairs that become a Result's reason
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 2
            and isinstance(node.elts[0], ast.Attribute)
            and isinstance(node.elts[0].value, ast.Name)
            and node.elts[0].value.id == "Verdict"
        ):
            codes |= _strings(node.elts[1])
    qr = ast.parse((CERTIFICATES / "qr.py").read_text("utf-8"))
    for node in ast.walk(qr):
        if isinstance(node, ast.Call) and _called(node) == "QRFormatError" and node.args:
            codes |= _strings(node.args[0])
    # The issuer key's problems (verify.py passes them on as the reason).
    trustlist = ast.parse((CERTIFICATES / "trustlist.py").read_text("utf-8"))
    for node in ast.walk(trustlist):
        if isinstance(node, ast.FunctionDef) and node.name == "problem_at":
            for statement in ast.walk(node):
                if isinstance(statement, ast.Return) and statement.value is not None:
                    codes |= _strings(statement.value)
    # A document's status other than "issued" becomes the first reason of a REVOKED verdict.
    codes |= {s.value for s in DocumentStatus if s is not DocumentStatus.ISSUED}
    return codes


def test_the_collector_finds_the_codes_of_each_kind() -> None:
    codes = emitted_reason_codes()
    for known in (
        "empty",  # Result(Verdict.NOT_ISSUED, ("empty",))
        "qr-unknown-key",  # ("qr-unknown-key" if unknown else "qr-signature",)
        "qr-signature",
        "untrusted-timestamp",  # returned by _judge_seal
        "status-unavailable",  # reasons.append(…)
        "qr-prefix",  # QRFormatError("qr-prefix", …)
        "key-withdrawn",  # IssuerKey.problem_at
        "superseded",  # a status
    ):
        assert known in codes
    assert len(codes) >= 30
    assert all(code == code.lower() and " " not in code for code in codes), codes


def test_every_emitted_reason_code_has_an_explanation() -> None:
    missing = emitted_reason_codes() - set(REASONS)
    assert not missing, f"reason codes without text in presenters.REASONS: {sorted(missing)}"


def test_every_explanation_is_translated(in_language: Any) -> None:
    for code, text in REASONS.items():
        with in_language("en"):
            english = str(text)
        with in_language("ja"):
            japanese = str(text)
        assert english, code
        assert japanese, code
        assert japanese != english, f"no Japanese for reason {code!r}"


@pytest.mark.parametrize("verdict", list(Verdict), ids=str)
def test_every_verdict_has_a_title_in_both_languages(verdict: Verdict, in_language: Any) -> None:
    assert verdict.value in VERDICT_TITLES
    with in_language("en"):
        english = str(VERDICT_TITLES[verdict.value])
    with in_language("ja"):
        japanese = str(VERDICT_TITLES[verdict.value])
    assert english.startswith("Th")  # "This document …", "The issuer …"
    assert japanese
    assert japanese != english


def test_no_title_for_a_verdict_that_does_not_exist() -> None:
    assert set(VERDICT_TITLES) == {v.value for v in Verdict}


# -- the result page's view ------------------------------------------------------------------------


def _data(
    age_days: int | None, language: str, *, fresh: bool | None = None, limit: str | None = None
) -> dict[str, Any]:
    result = Result(
        Verdict.VALID,
        (),
        source="qr",
        document_id="SPC-20260508-000003",
        document_type="specimen",
        issuer_member="GOV/DA",
        issuer_name_ja="デジタル庁（窓口キット）",
        issuer_name_en="Digital Agency (Madoguchi kit)",
        issued_on=date(2026, 5, 8),
        valid_until=date(2026, 8, 6),
        status=DocumentStatus.ISSUED,
        status_checked=True,
    )
    freshness = (
        None
        if age_days is None
        else {
            "age_days": age_days,
            "limit": limit,
            "fresh": fresh,
            "rule": "none",
            "rule_days": None,
        }
    )
    return {"result": result.as_dict(), "freshness": freshness, "language": language}


def _row(view: Any, key: str) -> str:
    return next(row.value for row in view.rows if row.key == key)


@pytest.mark.parametrize(
    ("age_days", "language", "expected"),
    [
        (0, "ja", "本日発行"),
        (1, "ja", "1日前に発行"),
        (12, "ja", "12日前に発行"),
        (-3, "ja", "発行日が未来の日付です"),
        (0, "en", "issued today"),
        (1, "en", "issued 1 day ago"),
        (12, "en", "issued 12 days ago"),
        (-3, "en", "dated in the future"),
    ],
)
def test_the_age_beside_the_date_of_issue(
    age_days: int, language: str, expected: str, in_language: Any
) -> None:
    with in_language(language):
        view = verdict_view(_data(age_days, language))
        issued = _row(view, "発行日" if language == "ja" else "Date of issue")
    # 和暦 beside ISO 8601 as the copy prints it in Japanese; the English page's own format
    day = "令和8年5月8日（2026-05-08）" if language == "ja" else "8 May 2026"
    assert issued == f"{day} — {expected}"


def test_the_view_in_english(in_language: Any) -> None:
    with in_language("en"):
        view = verdict_view(_data(12, "en", fresh=True, limit="2026-06-07"))
    assert view.title == "This document is valid"
    assert view.tone == "valid"
    assert view.reasons == []
    assert _row(view, "Document") == "Specimen certificate"
    assert _row(view, "Document number") == "SPC-20260508-000003"
    assert _row(view, "Issuer") == "Digital Agency (GOV/DA)"
    assert _row(view, "Checked from") == "the QR code"
    assert view.freshness_ok is True
    assert (
        view.freshness_text == "Recent enough for your rule: it counts as recent until 7 June 2026."
    )


def test_the_view_in_japanese_names_the_issuer_in_japanese(in_language: Any) -> None:
    with in_language("ja"):
        view = verdict_view(_data(40, "ja", fresh=False, limit="2026-06-07"))
    assert view.title == "この文書は有効です"
    assert "デジタル庁 (GOV/DA)" in [row.value for row in view.rows]
    assert view.freshness_ok is False
    assert view.freshness_text is not None
    assert "令和8年6月7日（2026-06-07）" in view.freshness_text


@pytest.mark.parametrize(("language", "expected"), [("ja", "デジタル庁"), ("en", "Digital Agency")])
def test_the_issuer_reads_the_same_from_the_pdf_and_from_the_qr_code(
    in_language: Any, language: str, expected: str
) -> None:
    """The PDF's data names its issuer; the QR code names only the member, so the check falls
    back on the seal certificate's name: the page names a known agency the kit's way for both."""
    from_pdf = _data(3, language)
    from_pdf["result"]["source"] = "pdf"
    from_qr = _data(3, language)
    from_qr["result"]["issuer"].update(
        name_ja="デジタル庁 見本証明書 (Madoguchi specimen)",
        name_en="デジタル庁 見本証明書 (Madoguchi specimen)",
    )
    key = "発行者" if language == "ja" else "Issuer"
    with in_language(language):
        issuers = {_row(verdict_view(data), key) for data in (from_pdf, from_qr)}
    assert issuers == {f"{expected} (GOV/DA)"}


def test_an_agency_the_kit_does_not_know_is_named_as_its_document_says(in_language: Any) -> None:
    data = _data(3, "en")
    data["result"]["issuer"] = {"member": "GOV/XY", "name_ja": "某庁", "name_en": "Some Agency"}
    with in_language("en"):
        assert _row(verdict_view(data), "Issuer") == "Some Agency (GOV/XY)"


def test_without_a_rule_there_is_no_freshness_sentence(in_language: Any) -> None:
    with in_language("en"):
        view = verdict_view(_data(3, "en", fresh=None))
    assert view.freshness_text is None
    assert view.freshness_ok is None


def test_an_unknown_reason_code_is_shown_as_it_is(in_language: Any) -> None:
    data = {"result": Result(Verdict.NOT_ISSUED, ("new-code",)).as_dict(), "freshness": None}
    with in_language("en"):
        view = verdict_view(data)
    assert view.tone == "invalid"
    assert view.reasons == ["new-code"]
    assert [row.value for row in view.rows] == ["the PDF's electronic seal"]


@pytest.mark.parametrize(
    ("offer", "language", "label"),
    [
        (ADDRESS_CHECK, "ja", "確認コード"),
        (ADDRESS_CHECK, "en", "Check code"),
        (BASIC_FOUR, "ja", "同意番号"),
        (BASIC_FOUR, "en", "Consent number"),
    ],
)
def test_the_address_checks_consent_is_named_as_the_check_code_it_is(
    in_language: Any, offer: Offer, language: str, label: str
) -> None:
    """The address check's consent number is the code the citizen gives a bank ("Your
    documents" calls it their check code): the consents page names it the same way."""
    consent = Consent(
        id="C-ABCDEFGH23456789",
        offer=offer.key,
        status=ConsentStatus.WITHDRAWN,
        given_at=datetime(2026, 5, 1, 3, 0, tzinfo=UTC),
        withdrawn_at=datetime(2026, 5, 2, 3, 0, tzinfo=UTC),
    )
    with in_language(language):
        card = consent_card(consent, current=False)
    assert card.rows[0] == {"key": {"text": label}, "value": {"text": "C-ABCDEFGH23456789"}}
