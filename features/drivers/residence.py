"""The residence certificate journey (住民票の写し), as a resident at the keyboard goes through it.

* :class:`Journey` — one signed-in resident on the residence service: chooses whose record
  (``choose_route``), who is on the copy (``choose_scope``), what it shows, what for and how it
  is delivered (``fill_details``), pays on the check page (``pay``), signs at Madoguchi ID when
  the rules ask (``sign``), reads the outcome and downloads the copy (``download``); writes a
  letter of authority (``write_letter``). Every residence, Madoguchi ID and portal page it
  lands on is checked with axe, and what was found is kept for a step to check. A kind of page
  (path, error state, language) is scanned once per session and its findings reused, so the
  ten scenarios stay quick and each still answers for every page it showed.
* :class:`Copy` — a downloaded copy: the PDF's text (poppler's ``pdftotext``), its embedded
  ``claims.json``, and pyHanko's judgement of its seal against the kit's root.
* :func:`backdated_copy` — a copy issued as if on an earlier day, from residence's test-only
  endpoint (the way ``backdated_specimen`` gets a specimen from the portal's).

Locators use names, ids and the pages' structure; words only where a scenario quotes them.
The seed register is read (never the database) for what the copy should or should not show.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from playwright.sync_api import Locator, Page
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from features.drivers import accessibility
from features.drivers.documents import HeldDocument, read_qr
from features.drivers.identity import (
    Resident,
    code_was_used,
    one_time_code,
    open_page,
    submit_form,
)
from features.drivers.kit import REPOSITORY, RunningKit
from govkit.certificates.keys import load_pem_chain
from govkit.certificates.seal import as_asn1
from govkit.clock import now_jst, seed_date
from govkit.exchange import SECURITY_SERVER_TOKEN_HEADER, encode_legal_basis

SERIOUS = {"serious", "critical"}
SERVICES = REPOSITORY / "services"
REGISTER_SEED = SERVICES / "residence" / "src" / "residence" / "seed" / "register.toml"
PERSONAS_SEED = SERVICES / "idp" / "src" / "idp" / "seed" / "personas.toml"

#: The purposes as scenarios say them → the journey's values.
PURPOSES = {
    "to give to a bank": "bank",
    "to give to a landlord": "landlord",
    "to give to an employer": "employer",
    "to register a vehicle": "vehicle",
    "for something else": "other",
    "for a social insurance procedure": "social_insurance",
    "for a tax procedure": "tax",
    "for a pension procedure": "pension",
    "for an employment insurance procedure": "employment_insurance",
}
#: Optional items as scenarios name them → the journey's values.
ITEMS = {
    "世帯主・続柄": "head_relationship",
    "本籍": "honseki",
    "My Number": "my_number",
    "住民票コード": "juminhyo_code",
    "foreign-resident items": "foreign_items",
}
#: What a copy prints for each item: the labels (claims.json and the page) of the rows.
ITEM_LABELS = {
    "My Number": ("個人番号",),
    "住民票コード": ("住民票コード",),
    "本籍": ("本籍", "筆頭者"),
}
#: Statutory-only purposes (a copy showing the My Number or 住民票コード is only for these).
STATUTORY = {"social_insurance", "tax", "pension", "employment_insurance"}


# -- the seed register --------------------------------------------------------------------------


@dataclass(frozen=True)
class OnRegister:
    """What Sakuragi's seed register holds about a person (the values a copy may print)."""

    full_name: str
    my_number: str
    juminhyo_code: str
    honseki: str
    address: str
    register_key: str = ""

    def values(self, item: str) -> tuple[str, ...]:
        return {
            "My Number": (self.my_number,),
            "住民票コード": (self.juminhyo_code,),
            "本籍": (self.honseki,),
        }[item]


@cache
def _seed(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def on_register(full_name: str) -> OnRegister:
    seed = _seed(REGISTER_SEED)
    for person in seed["people"]:
        if f"{person['family_name']} {person['given_name']}" == full_name:
            household = seed["households"][person["household"]]
            return OnRegister(
                full_name=full_name,
                my_number=person["my_number"],
                juminhyo_code=person["juminhyo_code"],
                honseki=person.get("honseki", household.get("honseki", "")),
                address=person.get("address", household["address"]),
                register_key=str(person["id"]),
            )
    raise AssertionError(f"{full_name!r} is not on Sakuragi's seed register")


def kit_today() -> date:
    """The kit's date: ``KIT_TODAY`` when the suite pins it (the kit inherits the
    environment), else the real date in Japan, as govkit.clock has it."""
    pinned = os.environ.get("KIT_TODAY")
    return date.fromisoformat(pinned) if pinned else now_jst().date()


def birthdate_on_card(full_name: str, prepared_on: date) -> date:
    """A persona's date of birth as Madoguchi ID holds it: the seed date moved by as many
    days as the kit's date when it was prepared is past the seed's reference date
    (govkit.clock.seed_date)."""
    seed = _seed(PERSONAS_SEED)
    for person in seed["people"]:
        if f"{person['family_name']} {person['given_name']}" == full_name:
            return seed_date(
                person["born"], reference_date=seed["reference_date"], today=prepared_on
            )
    raise AssertionError(f"{full_name!r} is not one of Madoguchi ID's personas")


def months_ago(months: int, today: date) -> date:
    """The same day ``months`` calendar months before ``today`` (the month's last day when
    that month is shorter)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day in range(today.day, 0, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# -- a downloaded copy ------------------------------------------------------------------------


@dataclass
class Copy:
    """A copy as the resident holds it: the PDF and what tools read from it."""

    document: HeldDocument
    _text: str | None = field(default=None, repr=False)

    @property
    def pdf(self) -> bytes:
        return self.document.pdf

    def text(self) -> str:
        """The printed page's text (poppler's pdftotext), spaces and line breaks removed."""
        if self._text is None:
            with tempfile.TemporaryDirectory() as folder:
                source = Path(folder) / "copy.pdf"
                source.write_bytes(self.pdf)
                result = subprocess.run(
                    ["pdftotext", "-enc", "UTF-8", str(source), "-"],
                    check=True,
                    capture_output=True,
                )
            self._text = re.sub(r"\s+", "", result.stdout.decode("utf-8"))
        return self._text

    def claims(self) -> dict[str, Any]:
        """The ``claims.json`` the seal covers (embedded in the PDF)."""
        reader = PdfFileReader(io.BytesIO(self.pdf))
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for index in range(0, len(names) - 1, 2):
            if str(names[index]) == "claims.json":
                stream = names[index + 1].get_object()["/EF"]["/F"].get_object()
                assert isinstance(stream, generic.StreamObject)
                return json.loads(stream.data)
        raise AssertionError("the copy has no claims.json")

    def people(self) -> list[str]:
        return [person["name"] for person in self.claims()["people"]]

    def labels(self) -> set[str]:
        """Every row label (Japanese) printed for anyone on the copy."""
        return {row[0] for person in self.claims()["people"] for row in person["rows"]}

    def values(self, full_name: str) -> set[str]:
        """The values of the rows printed for ``full_name``."""
        return {
            str(row[2])
            for person in self.claims()["people"]
            if person["name"] == full_name
            for row in person["rows"]
        }

    def shows(self, text: str) -> bool:
        return "".join(text.split()) in self.text()

    def seal(self, kit: RunningKit) -> tuple[bool, str]:
        """pyHanko's bottom line for the seal, with the kit's root as the only trust anchor,
        and the sealing certificate's subject."""
        root_pem = requests.get(kit.url("trust", "/pki/root.pem"), timeout=10).content
        root = load_pem_chain(root_pem)[0]
        reader = PdfFileReader(io.BytesIO(self.pdf))

        def validate() -> PdfSignatureStatus:
            return validate_pdf_signature(
                reader.embedded_regular_signatures[0],
                ValidationContext(trust_roots=[as_asn1(root)], allow_fetching=True),
            )

        # pyHanko runs its own event loop: not in this thread, where Playwright's runs.
        with ThreadPoolExecutor(max_workers=1) as worker:
            status = worker.submit(validate).result(timeout=120)
        return bool(status.bottom_line), status.signing_cert.subject.human_friendly


def backdated_copy(kit: RunningKit, full_name: str, issued_on: date) -> HeldDocument:
    """A copy of ``full_name``'s record issued as if on ``issued_on``, from residence's
    test-only endpoint (on only where RESIDENCE_TESTING_ENDPOINTS=true, as in this suite)."""
    base = kit.url("residence")
    person = next(
        p
        for p in _seed(REGISTER_SEED)["people"]
        if f"{p['family_name']} {p['given_name']}" == full_name
    )
    response = requests.post(
        f"{base}/__testing/certificates",
        json={"register_key": person["id"], "issued_on": issued_on.isoformat(), "purpose": "bank"},
        timeout=60,
    )
    if response.status_code == 404:
        raise AssertionError(
            "residence answered 404 at POST /__testing/certificates: its test-only endpoints "
            "are on only with RESIDENCE_TESTING_ENDPOINTS=true (features/drivers/kit.py)"
        )
    response.raise_for_status()
    body = response.json()
    pdf = requests.get(base + body["pdf_url"], timeout=30)
    pdf.raise_for_status()
    return HeldDocument(pdf.content, body["document_id"])


# -- accessibility, once per kind of page --------------------------------------------------------

_SCANNED: dict[tuple[str, str, bool, str], list[str]] = {}
_ID_SEGMENT = re.compile(r"^(?=.*\d)[\w.-]{6,}$|^[\w-]{20,}$")


def _kind_of_page(page: Page, instance: str) -> tuple[str, str, bool, str]:
    path = "/".join(
        "*" if _ID_SEGMENT.match(part) else part for part in urlsplit(page.url).path.split("/")
    )
    has_errors = page.locator(".govuk-error-summary").count() > 0
    return instance, path, has_errors, page.locator("html").get_attribute("lang") or ""


# -- the journey ----------------------------------------------------------------------------


@dataclass
class Journey:
    """A signed-in resident asking for copies on the residence service."""

    resident: Resident
    #: Where in the resident's navigations this journey began (the screen after sign-in).
    began_at: int = 0
    problems: list[str] = field(default_factory=list)

    @classmethod
    def sign_in(cls, resident: Resident) -> Journey:
        """Open the service's start page, press its start button, sign in with the card and
        PIN: the journey begins on "Whose record?"."""
        journey = cls(resident)
        journey._open("/")
        submit_form(
            resident.page, lambda: None, resident.page.locator("main a.govuk-button--start")
        )
        if not resident.on_card_page():
            raise AssertionError(f"no card page at {resident.page.url}")
        resident.sign_in_with_card()
        journey._expect("/request/who")
        journey.began_at = len(resident.visited) - 1
        journey.scan()
        return journey

    @property
    def page(self) -> Page:
        return self.resident.page

    @property
    def kit(self) -> RunningKit:
        return self.resident.kit

    # -- helpers ------------------------------------------------------------------------------

    def scan(self) -> None:
        """axe on the current page. A kind of page (the same path, error state and language)
        is scanned once per session; its findings are reported again to every journey that
        shows it, so a scenario's verdict does not depend on which scenario ran first."""
        instance = self.kit.instance_for_url(self.page.url)
        if instance not in ("residence", "idp", "portal"):
            return
        kind = _kind_of_page(self.page, instance)
        if kind not in _SCANNED:
            _SCANNED[kind] = [
                f"{kind[1]}: {violation}"
                for violation in accessibility.scan(self.page)
                if violation.impact in SERIOUS
            ]
        for problem in _SCANNED[kind]:
            if problem not in self.problems:
                self.problems.append(problem)

    def _submit(self, button: Locator | None = None) -> None:
        target = button or self.page.locator("main form[method=post] button.govuk-button").first
        submit_form(self.page, lambda: None, target)
        self.scan()

    def _open(self, path: str) -> None:
        open_page(self.page, self.kit.url("residence", path))
        self.scan()

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def screens(self) -> list[str]:
        """The pages shown since the journey began (the first is the one after sign-in)."""
        return self.resident.visited[self.began_at :]

    def _check(self, name: str, value: str) -> None:
        self.page.locator(f"input[name='{name}'][value='{value}']").check()

    # -- 1. who ------------------------------------------------------------------------------

    def choose_route(
        self,
        route: str,
        *,
        member: str | None = None,
        mandate_id: str = "",
        principal_my_number: str = "",
        subject_name: str = "",
        subject_address: str = "",
        reason: str = "",
        evidence: str = "",
    ) -> None:
        """On "Whose record?": choose the route (someone at one's address by name), continue,
        and answer the proxy's or the third party's page when the route has one."""
        if self.path() != "/request/who":
            self._open("/request/who")
        if route == "household":
            items = self.page.locator(".govuk-radios__item:has(input[value^='member:'])")
            item = items.filter(has=self.page.locator("label", has_text=member or ""))
            if item.count() != 1:
                offered = items.locator("label").all_inner_texts()
                raise AssertionError(f"{member!r} is not offered; the page offers {offered}")
            item.locator("input[name=route]").check()
        else:
            self._check("route", route)
        self._submit()
        if route == "proxy":
            self._expect("/request/proxy")
            self.page.fill("#mandate_id", mandate_id)
            self.page.fill("#principal_my_number", principal_my_number)
            self._submit()
        elif route == "third_party":
            self._expect("/request/third-party")
            self.page.fill("#subject_name", subject_name)
            self.page.fill("#subject_address", subject_address)
            self.page.fill("#reason", reason)
            self.page.fill("#evidence", evidence)
            self._submit()

    # -- 2. scope ----------------------------------------------------------------------------

    def choose_scope(self, scope: str, members: tuple[str, ...] = ()) -> None:
        """On "Who should the copy show?" (only for oneself or one's household): ``person``
        keeps the person asked about (ticked to begin with), ``household`` ticks everyone,
        ``selected`` ticks ``members`` as well."""
        if self.path() != "/request/scope":
            return
        boxes = self.page.locator(".govuk-checkboxes__item:has(input[name=members])")
        if scope == "household":
            for box in boxes.locator("input").all():
                box.check()
        for name in members:
            boxes.filter(has=self.page.locator("label", has_text=name)).locator("input").check()
        self._submit()

    # -- 3. details ----------------------------------------------------------------------------

    def fill_details(
        self,
        *,
        items: tuple[str, ...] = (),
        purpose: str | None = None,
        copies: int = 1,
        postal_code: str | None = None,
    ) -> None:
        """On "What should the copy show?": tick ``items`` (and nothing else), choose the
        purpose (the only one offered when ``None``: a letter of authority names it), the
        number of copies and, with ``postal_code``, a printed copy by post."""
        self._expect("/request/details")
        for box in self.page.locator("input[name=items]").all():
            value = box.get_attribute("value")
            if value in items:
                box.check()
            else:
                box.uncheck()
        if purpose is None:
            offered = self.purposes_offered()
            if len(offered) != 1:
                raise AssertionError(f"several purposes offered: {offered}")
            purpose = offered[0]
        self._check("purpose", purpose)
        self.page.fill("#copies", str(copies))
        if postal_code is not None:
            self.page.fill("#postal_code", postal_code)
        self._submit()

    def change_postal_code(self, postal_code: str) -> None:
        """Back on the details page with an error: type another postal code and continue."""
        self._expect("/request/details")
        self.page.fill("#postal_code", postal_code)
        self._submit()

    def items_offered(self) -> list[str]:
        return self.page.locator("input[name=items]").evaluate_all(
            "inputs => inputs.map(i => i.value)"
        )

    def purposes_offered(self) -> list[str]:
        return self.page.locator("input[name=purpose]").evaluate_all(
            "inputs => inputs.map(i => i.value)"
        )

    def send_items_by_hand(self, items: tuple[str, ...], purpose: str) -> None:
        """Send the details form with item values the page does not offer (as a changed
        form post would): the server must refuse them on the items field."""
        self._expect("/request/details")
        self.page.evaluate(
            """([items]) => {
                const form = document.querySelector("main form[method=post]");
                for (const value of items) {
                    const box = document.createElement("input");
                    box.type = "checkbox"; box.name = "items"; box.value = value;
                    box.checked = true; box.hidden = true;
                    form.appendChild(box);
                }
            }""",
            [list(items)],
        )
        self._check("purpose", purpose)
        self._submit()

    # -- 4. check, pay, sign -----------------------------------------------------------------

    def check_rows(self) -> dict[str, str]:
        self._expect("/request/check")
        rows = self.page.locator("main .govuk-summary-list__row").all()
        values = [row.locator(".govuk-summary-list__value").inner_text() for row in rows]
        keys = [row.locator("dt").inner_text() for row in rows]
        return {key.strip(): value.strip() for key, value in zip(keys, values, strict=True)}

    def pay(self, method: str = "card") -> None:
        """On the check page: choose how to pay (when there is a fee to pay), then send."""
        self._expect("/request/check")
        if self.page.locator("input[name=payment]").count():
            self._check("payment", method)
        self._submit()

    def on_signing_page(self) -> bool:
        return self.resident.on_signing_page()

    def sign(self) -> None:
        if not self.on_signing_page():
            raise AssertionError(f"no signing page, but {self.page.url}: {self.main_text()!r}")
        self.resident.enter_signing_password()
        self.scan()

    # -- 5. the outcome ------------------------------------------------------------------------

    def outcome(self) -> str:
        """The result page's headline: the panel's title, or the refusal's heading."""
        if not self.path().startswith("/requests/"):
            raise AssertionError(
                f"not on a result page but at {self.page.url}; it says: "
                f"{self.error_summary() or self.main_text()[:400]!r}"
            )
        panel = self.page.locator(".govuk-panel__title")
        if panel.count():
            return panel.inner_text().strip()
        return self.page.locator("main h1").inner_text().strip()

    def main_text(self) -> str:
        return self.page.locator("main").inner_text()

    def request_number(self) -> str:
        """The request the result page is about (the last part of its address)."""
        self._expect_prefix("/requests/")
        return self.path().rsplit("/", 1)[-1]

    def withdraw_request(self) -> None:
        """On a request waiting for review: "Withdraw this request", then confirm."""
        self.page.locator("main a#withdraw-request").click()
        self.page.wait_for_load_state()
        self.scan()
        self._submit(self.page.locator("main button#withdraw"))

    def open_my_requests(self) -> dict[str, tuple[str, list[str]]]:
        """Open "Your requests and copies" from the result page's link; request number →
        (its status tag, the document numbers of the copies offered)."""
        self.page.locator("main a#all-requests").click()
        self.page.wait_for_load_state()
        self._expect("/certificates")
        self.scan()
        rows = {}
        for row in self.page.locator("#requests tbody tr").all():
            status = row.locator("[data-column=status]").inner_text().strip()
            copies = row.locator("[data-document]").all()
            rows[row.get_attribute("data-request") or ""] = (
                status,
                [c.get_attribute("data-document") or "" for c in copies],
            )
        return rows

    def download_listed(self, document_id: str) -> Copy:
        """Download a copy from "Your requests and copies"."""
        link = self.page.locator(f"[data-document='{document_id}'] a")
        with self.page.expect_download() as download:
            link.click()
        return Copy(HeldDocument(Path(download.value.path()).read_bytes(), document_id))

    def downloads_offered(self) -> int:
        return self.page.locator("main a[id^=download-]").count()

    def download(self, number: int = 1) -> Copy:
        link = self.page.locator(f"#download-{number}")
        if link.count() == 0:
            raise AssertionError(f"no download on {self.page.url}: {self.main_text()[:400]!r}")
        with self.page.expect_download() as download:
            link.click()
        name = download.value.suggested_filename
        copy = Copy(
            HeldDocument(Path(download.value.path()).read_bytes(), name.removesuffix(".pdf"))
        )
        return copy

    # -- errors ------------------------------------------------------------------------------

    def error_summary(self) -> list[tuple[str, str]]:
        """The error summary's entries: (the field it links to, the message)."""
        links = self.page.locator(".govuk-error-summary__list a").all()
        return [
            ((link.get_attribute("href") or "").lstrip("#"), link.inner_text().strip())
            for link in links
        ]

    def field_error(self, field_id: str) -> str:
        """The message shown on the field (without its visually hidden "Error:" prefix)."""
        message = self.page.locator(f"#{field_id}-error")
        if message.count() == 0:
            return ""
        text = message.inner_text().strip()
        hidden = message.locator(".govuk-visually-hidden").all_inner_texts()
        for prefix in hidden:
            text = text.removeprefix(prefix.strip()).strip()
        return text

    def _expect_prefix(self, prefix: str) -> None:
        if not self.path().startswith(prefix):
            raise AssertionError(f"expected a page under {prefix} but at {self.page.url}")

    def _expect(self, path: str) -> None:
        if self.path() != path:
            raise AssertionError(
                f"expected {path} but at {self.page.url}; errors: {self.error_summary()}; "
                f"page: {self.main_text()[:300]!r}"
            )

    # -- letters of authority ---------------------------------------------------------------

    def write_letter(
        self,
        *,
        proxy_name: str,
        proxy_birthdate: date,
        purpose: str,
        allow_my_number: bool,
        valid_until: date,
    ) -> None:
        """Fill in "Authorise someone to ask for your copy" and continue (to the signing)."""
        self._open("/authority/new")
        self.page.fill("#proxy_name", proxy_name)
        for prefix, day in (("proxy_birthdate", proxy_birthdate), ("valid_until", valid_until)):
            self.page.fill(f"#{prefix}-day", str(day.day))
            self.page.fill(f"#{prefix}-month", str(day.month))
            self.page.fill(f"#{prefix}-year", str(day.year))
        self._check("purpose", purpose)
        box = self.page.locator("input[name=allow_my_number]")
        if allow_my_number:
            box.check()
        else:
            box.uncheck()
        self._submit()

    def letter_code(self) -> str:
        code = self.page.locator("#mandate-code")
        if code.count() == 0:
            raise AssertionError(f"no letter code at {self.page.url}: {self.main_text()[:300]!r}")
        return code.inner_text().strip()


def default_letter_validity() -> date:
    """A month from the kit's today (a letter lasts at most 3 months)."""
    return kit_today() + timedelta(days=30)


# -- the city's back office and a government verifier --------------------------------------------


def city_clerk_credentials(kit: RunningKit) -> dict[str, str]:
    """The demo clerk of Sakuragi City's back office, as the seed wrote it (``staff.toml`` in
    the register's data folder, mode 0600)."""
    spec = next(s for s in kit.stack.manifest.services if s.instance == "residence")
    folder = Path(kit.stack.environment_for(spec)["RESIDENCE_DATA_DIR"])
    clerk = tomllib.loads((folder / "staff.toml").read_text(encoding="utf-8"))["clerk"]
    return {key: str(clerk[key]) for key in ("username", "password", "totp_secret")}


@dataclass
class CityClerk:
    """A clerk of the city's citizens' division at the back office, in their own browser; every
    page they see is scanned with axe (its findings kept for a step to check)."""

    page: Page
    kit: RunningKit
    problems: list[accessibility.Violation] = field(default_factory=list)

    def _scan(self) -> None:
        self.problems += [v for v in accessibility.scan(self.page) if v.impact in SERIOUS]

    def _submit(self, fill: Any, button: str = "main form button.govuk-button") -> None:
        submit_form(self.page, fill, self.page.locator(button).first)
        self._scan()

    def sign_in(self) -> None:
        credentials = city_clerk_credentials(self.kit)
        secret = credentials["totp_secret"]
        open_page(self.page, self.kit.url("residence", "/clerk/sign-in"))
        self._scan()

        def fill() -> None:
            self.page.fill("#username", credentials["username"])
            self.page.fill("#password", credentials["password"])
            self.page.fill("#code", one_time_code(secret))

        for _attempt in range(3):
            self._submit(fill)
            if self.page.locator("#code-error").count() == 0:
                return
            code_was_used(secret)
        raise AssertionError("the clerk could not sign in to the back office")

    def approve(self, request_id: str) -> str:
        """Approve a request waiting for review on its page; the confirmation's text."""
        open_page(self.page, self.kit.url("residence", f"/clerk/requests/{request_id}"))
        self._scan()
        self._submit(lambda: None, "main form button#approve")
        return self.page.locator(".govuk-notification-banner").inner_text()

    def review_queue(self) -> list[str]:
        """The numbers of the requests waiting in the back office's review queue."""
        open_page(self.page, self.kit.url("residence", "/clerk/requests"))
        self._scan()
        return [link.inner_text().strip() for link in self.page.locator("#queue tbody tr a").all()]

    def register_move_out(self, register_key: str, moved_to: str, on: date) -> str:
        """The move-out form of the resident's record; the confirmation's text."""
        open_page(self.page, self.kit.url("residence", f"/clerk/residents/{register_key}/move-out"))
        self._scan()

        def fill() -> None:
            self.page.fill("#removed_on-day", str(on.day))
            self.page.fill("#removed_on-month", str(on.month))
            self.page.fill("#removed_on-year", str(on.year))
            self.page.fill("#moved_to", moved_to)

        self._submit(fill)
        return self.page.locator("main").inner_text()


def government_check(kit: RunningKit, copy: Copy, client: str, law: str) -> dict[str, Any]:
    """A government agency's system checks ``copy`` through its own security server: the
    portal's verification service (QR text sent), on a statutory basis; the portal's answer."""
    instance = {"JP-KIT/GOV/JPS/pension": "ss-jps"}[client]
    spec = next(s for s in kit.stack.manifest.services if s.instance == instance)
    token = kit.stack.environment_for(spec)["SECURITYSERVER_INFORMATION_SYSTEM_TOKEN"]
    answer = requests.post(
        kit.url(instance, "/r1/JP-KIT/GOV/DA/portal/verification"),
        json={"qr": read_qr(copy.pdf)},
        headers={
            "X-Road-Client": client,
            SECURITY_SERVER_TOKEN_HEADER: token,  # the pension system authenticates to ss-jps
            "X-Madoguchi-Legal-Basis": encode_legal_basis(law),
            "X-Madoguchi-Purpose": encode_legal_basis("住所の確認"),
        },
        timeout=60,
    )
    if answer.status_code != 200:
        raise AssertionError(f"{answer.status_code}: {answer.text[:800]}")
    return answer.json()
