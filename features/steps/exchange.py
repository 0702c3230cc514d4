"""Steps about the citizen's data on the portal: consents, details from the resident register
through the exchange, and the register's data-usage record ("who used my data").

Residents come from the identity steps' ``cast`` (each in their own browser, signed in with
their card). :class:`DataPages` is the page object for the portal's three pages about the
citizen's data; locators use the pages' structure (links by address, ``data-*`` hooks), not
their words, so the English and the Japanese scenarios share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page
from pytest_bdd import parsers, then, when

from features.drivers import accessibility
from features.drivers.identity import Cast, Resident, open_page, submit_form

PRONOUN = r"(?:his|her)"
NAME = r"(?P<name>\w+)"
SERIOUS = {"serious", "critical"}
JST = ZoneInfo("Asia/Tokyo")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def re_(pattern: str) -> parsers.re:
    return parsers.re(pattern.replace("{NAME}", NAME).replace("{PRONOUN}", PRONOUN))


def _nothing() -> None:
    return None


@dataclass
class DataPages:
    """A signed-in resident on the portal's pages about their own data."""

    resident: Resident

    @property
    def page(self) -> Page:
        return self.resident.page

    def _open(self, path: str) -> None:
        """Follow the account page's link to ``path`` (as a resident would)."""
        open_page(self.page, self.resident.kit.url("portal", "/account"))
        with self.page.expect_navigation():
            self.page.locator(f".kit-your-data a[href='{path}']").click()

    def _submit(self, button_selector: str) -> None:
        submit_form(self.page, _nothing, self.page.locator(button_selector).first)

    # -- consents -------------------------------------------------------------------------------

    def give_consent(self) -> None:
        self._open("/consents")
        with self.page.expect_navigation():
            self.page.locator("a.govuk-button[href$='/give']").click()
        self._submit("main form[method=post] button.govuk-button")

    def withdraw_consent(self) -> None:
        self._open("/consents")
        with self.page.expect_navigation():
            self.page.locator("a.govuk-button[href$='/withdraw']").click()
        self._submit("main form[method=post] button.govuk-button")

    def consent_statuses(self) -> list[str]:
        """The statuses of the resident's consents, current first (on the consents page)."""
        if not self.page.url.endswith("/consents"):
            self._open("/consents")
        return [
            text.strip()
            for text in self.page.locator("[data-consent] .kit-consent-status").all_inner_texts()
        ]

    # -- details --------------------------------------------------------------------------------

    def fetch_details(self) -> None:
        self._open("/my-details")
        self._submit("form[action='/my-details'] button.govuk-button")

    def details(self) -> dict[str, str]:
        rows = self.page.locator(".kit-register-details .govuk-summary-list__row").all()
        return {
            row.locator("dt").inner_text().strip(): row.locator("dd").inner_text().strip()
            for row in rows
        }

    def exchange_problem(self) -> str:
        found = self.page.locator(".kit-exchange-problem")
        return found.inner_text().strip() if found.count() else ""

    # -- who used my data ---------------------------------------------------------------------

    def open_data_usage(self) -> None:
        self._open("/data-usage")

    def chain(self) -> tuple[str, str]:
        verdict = self.page.locator("[data-chain]")
        if verdict.count() == 0:
            raise AssertionError(f"no chain verdict; the page says: {self.exchange_problem()!r}")
        return verdict.get_attribute("data-chain") or "", verdict.inner_text().strip()

    def uses(self) -> list[dict[str, str]]:
        rows = []
        for row in self.page.locator("tr[data-usage-row]").all():
            cells = row.locator("td[data-column]").all()
            rows.append(
                {
                    cell.get_attribute("data-column") or "": cell.inner_text().strip()
                    for cell in cells
                }
            )
        return rows

    def accessibility_problems(self) -> list[accessibility.Violation]:
        return [v for v in accessibility.scan(self.page) if v.impact in SERIOUS]


def pages_of(cast: Cast, name: str) -> DataPages:
    return DataPages(cast.resident(name))


def today_in_japan(language: str) -> str:
    day = datetime.now(JST).date()
    if language == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# -- consents ---------------------------------------------------------------------------------


@when(
    re_(
        r"{NAME} gives {PRONOUN} consent on the portal for it to read {PRONOUN} details from "
        r"the resident register"
    )
)
@when(parsers.parse("{name}さんが窓口ポータルで住民基本台帳の本人情報の取得に同意する"))
def gives_consent(cast: Cast, name: str) -> None:
    pages_of(cast, name).give_consent()


@when(re_(r"{NAME} withdraws {PRONOUN} consent on the portal"))
@when(parsers.parse("{name}さんが窓口ポータルで同意を撤回する"))
def withdraws_consent(cast: Cast, name: str) -> None:
    pages_of(cast, name).withdraw_consent()


@then(re_(r'the portal lists {NAME}\'s consent as "(?P<status>[^"]+)"'))
@then(parsers.parse("窓口ポータルに{name}さんの同意が「{status}」と表示される"))
def consent_listed_as(cast: Cast, name: str, status: str) -> None:
    statuses = pages_of(cast, name).consent_statuses()
    assert statuses, "no consent is listed"
    assert statuses[0] == status, statuses


# -- details ----------------------------------------------------------------------------------


@when(re_(r"{NAME} fetches {PRONOUN} details from the resident register on the portal"))
@when(parsers.parse("{name}さんが窓口ポータルで住民基本台帳の本人情報を取得する"))
def fetches_details(cast: Cast, name: str) -> None:
    pages_of(cast, name).fetch_details()


@then(re_(r"the portal shows {NAME} these details from the resident register:"))
@then(parsers.parse("窓口ポータルに{name}さんの住民基本台帳の本人情報が表示される:"))
def shows_details(cast: Cast, name: str, datatable: list[list[str]]) -> None:
    pages = pages_of(cast, name)
    shown = pages.details()
    assert shown, f"no details shown; the page says: {pages.exchange_problem()!r}"
    for label, value in datatable:
        assert value in shown.get(label, ""), (label, shown)


@then(
    re_(
        r"the portal tells {NAME} that Sakuragi City did not release {PRONOUN} details because "
        r"(?:he|she) withdrew {PRONOUN} consent today"
    )
)
@then(
    parsers.parse(
        "{name}さんが今日同意を撤回したため桜木市が情報を提供しなかったと窓口ポータルに表示される"
    )
)
def told_consent_withdrawn(cast: Cast, name: str) -> None:
    pages = pages_of(cast, name)
    if cast.language == "en":
        expected = (
            "Sakuragi City did not release your details because you withdrew your consent on "
            f"{today_in_japan('en')}."
        )
    else:
        expected = (
            f"あなたが{today_in_japan('ja')}に同意を撤回したため、"
            "桜木市はあなたの情報を提供しませんでした。"
        )
    assert pages.exchange_problem() == expected, pages.exchange_problem()
    assert pages.details() == {}


# -- who used my data ---------------------------------------------------------------------------


@when(re_(r'{NAME} opens "Who used my data" on the portal'))
@when(parsers.parse("{name}さんが窓口ポータルで「わたしのデータの利用記録」を開く"))
def opens_data_usage(cast: Cast, name: str) -> None:
    pages_of(cast, name).open_data_usage()


@then(re_(r"the portal says {NAME}'s data-usage record is intact"))
@then(parsers.parse("{name}さんの利用記録のつながりが保たれていると表示される"))
def chain_intact(cast: Cast, name: str) -> None:
    state, text = pages_of(cast, name).chain()
    assert state == "intact", text


def _a_use(
    uses: list[dict[str, str]], *, agency: str, purpose: str, items: str, basis: str, served: bool
) -> bool:
    for use in uses:
        if use.get("agency") != agency or use.get("purpose") != purpose:
            continue
        if not use.get("basis", "").startswith(basis):
            continue
        listed = [item.strip() for item in use.get("items", "").replace("、", ",").split(",")]
        wanted = [item.strip() for item in items.replace("、", ",").split(",")]
        if all(item in listed for item in wanted) and served == (
            use.get("outcome") in ("Served", "提供")
        ):
            return True
    return False


@then(
    re_(
        r'{NAME} sees that "(?P<agency>[^"]+)" got {PRONOUN} "(?P<items>[^"]+)" to '
        r'"(?P<purpose>[^"]+)" on the basis of {PRONOUN} consent'
    )
)
def sees_use(cast: Cast, name: str, agency: str, items: str, purpose: str) -> None:
    pages = pages_of(cast, name)
    uses = pages.uses()
    basis = "Your consent C-" if cast.language == "en" else "あなたの同意 C-"
    assert _a_use(uses, agency=agency, purpose=purpose, items=items, basis=basis, served=True), uses


@then(
    parsers.parse(
        "{name}さんの利用記録に「{agency}」が{owner}さんの同意にもとづき「{purpose}」に"
        "「{items}」を取得した記録がある"
    )
)
def sees_use_ja(cast: Cast, name: str, owner: str, agency: str, items: str, purpose: str) -> None:
    assert owner == name, (owner, name)
    sees_use(cast, name, agency, items, purpose)


@then(
    re_(
        r'{NAME} sees that a request by "(?P<agency>[^"]+)" was refused because '
        r'"(?P<reason>[^"]+)"'
    )
)
def sees_refusal(cast: Cast, name: str, agency: str, reason: str) -> None:
    uses = pages_of(cast, name).uses()
    assert any(
        use.get("agency") == agency and use.get("outcome", "").endswith(reason) for use in uses
    ), uses


# -- accessibility ----------------------------------------------------------------------------


@then(re_(r"{NAME}'s page passes an accessibility scan"))
@then(parsers.parse("{name}さんのページがアクセシビリティ検査に合格する"))
def page_accessible(cast: Cast, name: str) -> None:
    problems = pages_of(cast, name).accessibility_problems()
    assert not problems, "\n".join(str(p) for p in problems)
