"""A citizen in a browser: the actions and observations steps are written in.

Steps never click selectors or build URLs themselves; they ask the citizen (and the page
objects below) to do what a person would: open the portal, switch language, open a service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page

from features.drivers import accessibility
from features.drivers.documents import HeldDocument
from features.drivers.kit import RunningKit

LANGUAGE_NAMES = {"Japanese": "ja", "English": "en", "日本語": "ja", "英語": "en"}
SWITCH_LABELS = {"ja": "日本語", "en": "English"}


@dataclass
class ServiceCard:
    title: str
    needs: list[str]
    duration: str
    fee: str
    status: str


@dataclass
class Citizen:
    name: str
    page: Page
    kit: RunningKit
    console: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._remember)

    def _remember(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)

    # -- actions ----------------------------------------------------------------------------

    def open_portal(self) -> None:
        self.page.goto(self.kit.url("portal"))

    def switch_language(self, language: str) -> None:
        code = LANGUAGE_NAMES[language]
        self.page.locator(".kit-language-switch").get_by_role(
            "link", name=SWITCH_LABELS[code]
        ).click()
        self.page.wait_for_load_state()

    def open_service(self, title: str) -> None:
        self.page.locator(".kit-journey").get_by_role("link", name=title, exact=True).click()
        self.page.wait_for_load_state()

    def follow_footer_link(self, text: str) -> None:
        self.page.locator("footer").get_by_role("link", name=text, exact=True).click()
        self.page.wait_for_load_state()

    def get_specimen_certificate(self) -> HeldDocument:
        """From the portal's home page: ask for a specimen, then download it."""
        self.open_portal()
        self.page.get_by_role(
            "link", name=self._t("見本証明書を発行する", "Get a specimen certificate")
        ).click()
        self.page.get_by_role(
            "button", name=self._t("見本証明書を発行する", "Get a specimen certificate")
        ).click()
        self.page.wait_for_load_state()
        number = self.page.locator(".govuk-panel .kit-mono").inner_text().strip()
        with self.page.expect_download() as download:
            self.page.get_by_role(
                "link",
                name=self._t(
                    "見本証明書をダウンロードする（PDF）", "Download the specimen certificate (PDF)"
                ),
            ).click()
        return HeldDocument(Path(download.value.path()).read_bytes(), number)

    def revoke_specimen(self) -> None:
        """On the specimen's page (where get_specimen_certificate left them): revoke it."""
        self.page.get_by_role(
            "button", name=self._t("この見本証明書を取り消す", "Revoke this specimen certificate")
        ).click()
        self.page.wait_for_load_state()

    def check_document(
        self,
        document: HeldDocument,
        *,
        by: str = "pdf",
        rule: str | None = None,
        days: int | None = None,
    ) -> None:
        """On the verification page: upload the PDF (or paste its QR text), choose a rule, send."""
        self.page.goto(self.kit.url("portal", "/verify"))
        if by == "pdf":
            self.page.set_input_files(
                "#document",
                files=[
                    {
                        "name": f"{document.document_id}.pdf",
                        "mimeType": "application/pdf",
                        "buffer": document.pdf,
                    }
                ],
            )
        else:
            self.page.fill("#qr", document.qr_text())
        self._choose_rule(rule, days)
        self.page.get_by_role(
            "button", name=self._t("文書を確認する", "Check the document")
        ).click()
        self.page.wait_for_load_state()

    def upload_file(self, name: str, content: bytes, mime: str) -> None:
        self.page.goto(self.kit.url("portal", "/verify"))
        self.page.set_input_files(
            "#document", files=[{"name": name, "mimeType": mime, "buffer": content}]
        )
        self.page.get_by_role(
            "button", name=self._t("文書を確認する", "Check the document")
        ).click()
        self.page.wait_for_load_state()

    def _choose_rule(self, rule: str | None, days: int | None) -> None:
        if rule is None:
            return
        self.page.check(f"input[name=freshness][value='{rule}']")
        if days is not None:
            self.page.fill("#custom_days", str(days))

    def field_error(self, field: str) -> str:
        """The error message on a form field, without the screen readers' "Error:"."""
        message = self.page.locator(f"#{field}-error")
        hidden = message.locator(".govuk-visually-hidden").inner_text()
        return message.inner_text().removeprefix(hidden).strip()

    def error_summary(self) -> list[str]:
        return [a.inner_text().strip() for a in self.page.locator(".govuk-error-summary a").all()]

    def verdict(self) -> str:
        return self.page.locator(".kit-verdict__title").inner_text().strip()

    def verdict_reasons(self) -> list[str]:
        return [
            li.inner_text().strip() for li in self.page.locator(".kit-verdict__reasons li").all()
        ]

    def freshness_message(self) -> str:
        return self.page.locator(".kit-freshness").inner_text().strip()

    def document_facts(self) -> dict[str, str]:
        rows = self.page.locator(".govuk-summary-list__row").all()
        return {
            r.locator("dt").inner_text().strip(): r.locator("dd").inner_text().strip() for r in rows
        }

    def _t(self, ja: str, en: str) -> str:
        return ja if self.language() in ("ja", "") else en

    def skip_to_main_content_with_the_keyboard(self) -> None:
        self.page.keyboard.press("Tab")
        self.page.keyboard.press("Enter")

    # -- observations -----------------------------------------------------------------------

    def heading(self) -> str:
        return self.page.locator("h1").inner_text().strip()

    def language(self) -> str:
        return self.page.locator("html").get_attribute("lang") or ""

    def title(self) -> str:
        return self.page.title()

    def focused_text(self) -> str:
        return self.page.evaluate("() => document.activeElement.textContent.trim()")

    def focused_id(self) -> str:
        return self.page.evaluate("() => document.activeElement.id")

    def current_service(self) -> str | None:
        return self.kit.instance_for_url(self.page.url)

    def notice(self) -> str:
        return self.page.locator(".govuk-inset-text").inner_text().strip()

    def services(self) -> list[ServiceCard]:
        cards = []
        for card in self.page.locator(".kit-journey").all():
            rows = card.locator(".govuk-summary-list__row")
            facts = {r.locator("dt").inner_text().strip(): r.locator("dd") for r in rows.all()}
            values = list(facts.values())
            tag = card.locator(".govuk-tag")
            cards.append(
                ServiceCard(
                    title=card.locator("h3").inner_text().strip(),
                    needs=[li.inner_text().strip() for li in values[0].locator("li").all()],
                    duration=values[1].inner_text().strip(),
                    fee=values[2].inner_text().strip(),
                    status=tag.inner_text().strip() if tag.count() else "",
                )
            )
        return cards

    def privacy_notice(self) -> tuple[str, list[list[str]]]:
        """Who is responsible, and the rows of "What we keep" (data, why, basis, how long)."""
        rows = self.page.locator("[data-holdings] tbody tr").all()
        return (
            self.page.locator("[data-controller]").inner_text().strip(),
            [[cell.inner_text().strip() for cell in row.locator("td").all()] for row in rows],
        )

    def cookies(self) -> list[str]:
        """The names in the cookies page's table."""
        return [
            row.locator("td").first.inner_text().strip()
            for row in self.page.locator("[data-cookies] tbody tr").all()
        ]

    def accessibility_problems(self, impacts: set[str]) -> list[accessibility.Violation]:
        return [v for v in accessibility.scan(self.page) if v.impact in impacts]

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]
