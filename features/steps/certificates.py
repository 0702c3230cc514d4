"""Steps about signed certificates: getting one, changing it, revoking it, checking it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pytest_bdd import given, parsers, then, when

from features.drivers.citizen import Citizen
from features.drivers.documents import HeldDocument, backdated_specimen
from features.drivers.kit import RunningKit
from govkit.clock import JST

RULES = {
    "within the last 30 days": ("30-days", None),
    "within the last 3 months": ("3-months", None),
    "発行から30日以内": ("30-days", None),
}


@pytest.fixture
def clerk(request: pytest.FixtureRequest, browser: object, kit: RunningKit) -> Citizen:
    """A bank clerk: a relying party with their own browser."""
    from features.conftest import make_citizen

    return make_citizen(request, browser, kit, "the clerk")  # type: ignore[arg-type]


@given(
    parsers.parse("{name} has a specimen certificate from the portal"), target_fixture="document"
)
@given(
    parsers.parse("{name}さんが窓口ポータルで見本証明書を受け取っている"), target_fixture="document"
)
def has_specimen(citizen: Citizen) -> HeldDocument:
    return citizen.get_specimen_certificate()


@given(parsers.parse("a specimen certificate issued {days:d} days ago"), target_fixture="document")
def old_specimen(kit: RunningKit, days: int) -> HeldDocument:
    today = datetime.now(JST).date()
    return backdated_specimen(kit, (today - timedelta(days=days)).isoformat())


@given("someone changes one byte of it", target_fixture="document")
def changed(document: HeldDocument) -> HeldDocument:
    return document.with_byte_changed()


@given("the clerk reads the portal in English")
def clerk_in_english(clerk: Citizen) -> None:
    clerk.open_portal()
    clerk.switch_language("English")


@when(parsers.parse("{name} revokes it"))
@when("見本証明書を取り消す")
def revokes(citizen: Citizen) -> None:
    citizen.revoke_specimen()


@when("the clerk checks the certificate's PDF on the portal")
@when("行員がポータルで証明書のPDFを確認する")
def clerk_checks_pdf(clerk: Citizen, document: HeldDocument) -> None:
    clerk.check_document(document, by="pdf")


@when("the clerk pastes the certificate's QR text on the portal")
@when("行員がポータルで証明書のQRコードの文字列を貼り付けて確認する")
def clerk_checks_qr(clerk: Citizen, document: HeldDocument) -> None:
    clerk.check_document(document, by="qr")


@when(
    parsers.parse("the clerk checks the certificate's PDF, accepting only documents issued {rule}")
)
def clerk_checks_with_rule(clerk: Citizen, document: HeldDocument, rule: str) -> None:
    kind, days = RULES[rule]
    clerk.check_document(document, by="pdf", rule=kind, days=days)


@when(parsers.parse('the clerk uploads {description} named "{name}"'))
def clerk_uploads(clerk: Citizen, description: str, name: str) -> None:
    contents = {
        "a text file": (b"this is not a certificate\n", "text/plain"),
        "an empty file": (b"", "application/pdf"),
        "a picture": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        "a broken PDF": (b"%PDF-1.7\n%broken\n1 0 obj <<", "application/pdf"),
    }
    content, mime = contents[description]
    clerk.upload_file(name, content, mime)


@then(parsers.parse('the clerk is told "{verdict}"'))
@then(parsers.parse("行員に「{verdict}」と表示される"))
def clerk_told(clerk: Citizen, verdict: str) -> None:
    assert clerk.verdict() == verdict, clerk.verdict_reasons()


@then(parsers.parse('the clerk is asked to choose another file: "{message}"'))
def asked_for_another_file(clerk: Citizen, message: str) -> None:
    assert clerk.field_error("document") == message
    assert clerk.error_summary() == [message]
    assert clerk.page.locator(".kit-verdict").count() == 0


@then(parsers.parse('the reason given is "{reason}"'))
@then(parsers.parse("理由として「{reason}」と表示される"))
def reason_given(clerk: Citizen, reason: str) -> None:
    assert reason in clerk.verdict_reasons()


@then(parsers.parse('the clerk sees "{fact}" is "{value}"'))
@then(parsers.parse("行員に{fact}が「{value}」と表示される"))
def clerk_sees_fact(clerk: Citizen, fact: str, value: str) -> None:
    facts = clerk.document_facts()
    assert value in facts.get(fact, ""), facts


@then(parsers.parse("the clerk sees that it was issued {when_text}"))
def clerk_sees_age(clerk: Citizen, when_text: str) -> None:
    facts = clerk.document_facts()
    assert any(when_text in value for value in facts.values()), facts


@then(parsers.parse("the clerk is told it is too old for their rule"))
def too_old(clerk: Citizen) -> None:
    assert (
        "Too old for your rule" in clerk.freshness_message()
        or "条件を満たしていません" in clerk.freshness_message()
    )


@then(parsers.parse("the clerk is told it is recent enough for their rule"))
def recent_enough(clerk: Citizen) -> None:
    message = clerk.freshness_message()
    assert "Recent enough" in message or "条件を満たしています" in message


@then("the clerk's page passes an accessibility scan")
def clerk_page_accessible(clerk: Citizen) -> None:
    problems = clerk.accessibility_problems({"serious", "critical"})
    assert not problems, "\n".join(str(p) for p in problems)
