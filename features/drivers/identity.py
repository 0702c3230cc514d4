"""Signing in with Madoguchi ID, as residents and the municipal counter's staff do it.

* :class:`Resident` — a seed resident at the keyboard: goes to a service, picks their card on
  Madoguchi ID's card page and types the PIN, agrees (or not) to share details, signs with the
  signing password, adds a passkey (Chromium's virtual authenticator stands for the phone) and
  signs in with it, signs out. Every navigation is remembered, so a step can ask whether the
  card page or the consent page was shown on the way.
* :class:`CounterClerk` — a clerk at the municipal counter page: signs in with the demo staff
  password and a TOTP code (computed like an authenticator app, from the secret `make up`
  writes to ``<var>/idp/demo-staff.json``), finds a card, resets its PIN.
* :class:`Cast` — the people of one scenario, each with their own browser.

All of them sign in from 127.0.0.1; the acceptance kit raises Madoguchi ID's per-address rate
limits so that they never get in the way (a 429 fails the scenario with the reason).

Locators use ids and the pages' structure, not their words, so the same driver serves the
Japanese and the English scenarios; words are only compared where a scenario quotes them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import CDPSession, Frame, Locator, Page, Response

from features.drivers.citizen import Citizen
from features.drivers.kit import RunningKit
from features.drivers.relying_party import Document, RelyingParty

#: Every seed card's PIN and signing password (the card page says so; idp/seed/personas.toml).
DEMO_PIN = "1234"
DEMO_SIGNING_PASSWORD = "Sakura2025"
WRONG_PIN = "0000"

#: Scenarios call residents by their given name (in Latin letters or in kanji); the card page
#: lists cards by the full name in kanji, the counter also finds the romanised name.
RESIDENTS = {
    "Kenta": ("森下 健太", "MORISHITA Kenta"),
    "Ayaka": ("森下 彩花", "MORISHITA Ayaka"),
    "Aoi": ("森下 蒼", "MORISHITA Aoi"),
    "Setsuko": ("佐伯 節子", "SAEKI Setsuko"),
    "Makoto": ("大野 誠", "ONO Makoto"),
    "Yumiko": ("大野 由美子", "ONO Yumiko"),
    "Ryosuke": ("石川 亮介", "ISHIKAWA Ryosuke"),
    "Naoko": ("高木 直子", "TAKAGI Naoko"),
    "Wataru": ("村田 航", "MURATA Wataru"),
    "翔": ("大野 翔", "ONO Sho"),
    "大輝": ("石川 大輝", "ISHIKAWA Daiki"),
    "結衣": ("石川 結衣", "ISHIKAWA Yui"),
    "Kenji": ("大野 健二", "ONO Kenji"),  # H2-6: moves out of the city after his copy
    "Masao": ("石川 正男", "ISHIKAWA Masao"),  # H3-6: a household of his own at H3's address
    "Tsuyoshi": ("田村 剛", "TAMURA Tsuyoshi"),  # X-3: the adverse party of H2-2's DV measure
}

#: A service's name in the scenarios → the kit instance, and its page that needs a sign-in
#: (the portal's account page needs aal2; the services' start pages need the card, aal3).
SERVICES = {
    "portal": "portal",
    "residence": "residence",
    "childcare": "childcare",
    "company": "company",
    "pension": "pension",
    "窓口ポータル": "portal",
    "住民票の写し": "residence",
    "児童手当・保育": "childcare",
    "会社設立": "company",
    "国民年金": "pension",
}
SIGNED_IN_PAGES = {"portal": "/account"}
DEFAULT_SIGNED_IN_PAGE = "/start"


def instance(service: str) -> str:
    try:
        return SERVICES[service]
    except KeyError:
        raise AssertionError(f"no service called {service!r} in the scenarios") from None


def holder_of(name: str) -> tuple[str, str]:
    try:
        return RESIDENTS[name]
    except KeyError:
        raise AssertionError(
            f"{name!r} is not one of the seed residents {list(RESIDENTS)}"
        ) from None


class RateLimited(AssertionError):
    """Madoguchi ID answered 429: too many sign-in attempts from this address."""


def _not_rate_limited(response: Response | None) -> None:
    """Every resident and clerk of the suite signs in from 127.0.0.1: the acceptance kit
    raises Madoguchi ID's per-address limits (features/drivers/kit.py), so a 429 here means
    those settings were lost, not that a resident should wait."""
    if response is not None and response.status == 429:
        raise RateLimited(
            f"Madoguchi ID answered 429 at {response.url}: the acceptance kit should set "
            "IDP_RATE_LIMIT_LOGIN and IDP_RATE_LIMIT_PIN high"
        )


def open_page(page: Page, url: str) -> None:
    """Go to ``url`` (and wherever it redirects)."""
    _not_rate_limited(page.goto(url))


def submit_form(page: Page, fill: Callable[[], None], button: Locator) -> None:
    """Fill a form and send it."""
    fill()
    with page.expect_navigation() as navigation:
        button.click()
    _not_rate_limited(navigation.value)


def _nothing_to_fill() -> None:
    return None


def _wait_until(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.1)


@dataclass
class Resident:
    """A seed resident in their own browser."""

    citizen: Citizen
    name: str
    holder: str  # the name on the card, in kanji, as the card page lists it
    visited: list[str] = field(default_factory=list)
    _since: int = 0
    _authenticator: tuple[CDPSession, str] | None = None

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._remember)

    def _remember(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.visited.append(frame.url)

    @property
    def page(self) -> Page:
        return self.citizen.page

    @property
    def kit(self) -> RunningKit:
        return self.citizen.kit

    def _t(self, ja: str, en: str) -> str:
        return en if self.citizen.language() == "en" else ja

    def _begin(self) -> None:
        """A new action: what it shows is remembered from here on."""
        self._since = len(self.visited)

    def _submit(self, button: Locator, fill: Callable[[], None] = _nothing_to_fill) -> None:
        submit_form(self.page, fill, button)

    # -- going places --------------------------------------------------------------------------

    def go_to(self, service: str) -> None:
        """Open the service's page that needs a sign-in (and follow wherever it leads)."""
        name = instance(service)
        path = SIGNED_IN_PAGES.get(name, DEFAULT_SIGNED_IN_PAGE)
        self._begin()
        open_page(self.page, self.kit.url(name, path))

    def follow(self, url: str) -> None:
        """Follow a link another site gave (an outside service's sign-in button)."""
        self._begin()
        open_page(self.page, url)

    def at_idp(self, prefix: str) -> bool:
        url = self.page.url
        return self.kit.instance_for_url(url) == "idp" and urlsplit(url).path.startswith(prefix)

    def was_shown(self, prefix: str) -> bool:
        """Whether Madoguchi ID showed a page under ``prefix`` since the last action began."""
        idp = self.kit.url("idp")
        return any(
            url.startswith(idp) and urlsplit(url).path.startswith(prefix)
            for url in self.visited[self._since :]
        )

    def current_service(self) -> str | None:
        return self.kit.instance_for_url(self.page.url)

    # -- the card page -------------------------------------------------------------------------

    def on_card_page(self) -> bool:
        return self.at_idp("/login/") and self.page.locator("#pin").count() == 1

    def _card_form(self) -> Locator:
        return self.page.locator("form:has(#pin)")

    def _card_item(self) -> Locator:
        return (
            self._card_form()
            .locator(".govuk-radios__item")
            .filter(has=self.page.locator("label", has_text=f"{self.holder} ("))
        )

    def sign_in_with_card(self, pin: str = DEMO_PIN) -> None:
        """Pick their card on the card page and enter the PIN."""
        if not self.on_card_page():
            raise AssertionError(f"{self.name} is not on the card page but at {self.page.url}")
        self._begin()

        def fill() -> None:
            self._card_item().locator("input[name=card]").check()
            self.page.fill("#pin", pin)

        self._submit(self._card_form().locator("button.govuk-button").first, fill)

    def card_hint(self) -> str:
        return self._card_item().locator(".govuk-radios__hint").inner_text().strip()

    def offered_a_passkey(self) -> bool:
        return self.page.locator("#passkey-sign-in-button").count() > 0

    def problems(self) -> list[str]:
        """The error summary of the page (what went wrong, in the page's words)."""
        return [
            text.strip()
            for text in self.page.locator(".govuk-error-summary__list li").all_inner_texts()
        ]

    # -- consent -------------------------------------------------------------------------------

    def on_consent_page(self) -> bool:
        return self.at_idp("/consent/")

    def details_asked_for(self) -> list[str]:
        return [
            text.strip()
            for text in self.page.locator("main ul.govuk-list--bullet li").all_inner_texts()
        ]

    def consent_title(self) -> str:
        return self.page.locator("h1").inner_text().strip()

    def agree_to_share(self) -> None:
        self._begin()
        self._submit(self.page.locator("button[name=decision][value=allow]"))

    # -- signing -------------------------------------------------------------------------------

    def on_signing_page(self) -> bool:
        return self.at_idp("/sign/") and self.page.locator("#password").count() == 1

    def signing_facts(self) -> dict[str, str]:
        rows = self.page.locator("main .govuk-summary-list__row").all()
        values = [row.locator("dd").inner_text().strip() for row in rows]
        return {"signer": values[0], "purpose": values[1], "fingerprint": values[2]}

    def enter_signing_password(self, password: str = DEMO_SIGNING_PASSWORD) -> None:
        self._begin()
        self._submit(
            self.page.locator("form:has(#password) button.govuk-button").first,
            lambda: self.page.fill("#password", password),
        )

    def do_not_sign(self) -> None:
        self._begin()
        self._submit(self.page.locator("form[action*='/cancel/'] button.govuk-button"))

    # -- a service's signed-in page ------------------------------------------------------------

    def signed_in_as(self) -> str:
        return self.page.locator(".kit-signed-in-as").inner_text().strip()

    def signed_in_with(self) -> str:
        key = self._t("サインイン方法", "Signed in with")
        for row in self.page.locator("main .govuk-summary-list__row").all():
            if row.locator("dt").inner_text().strip() == key:
                return row.locator("dd").inner_text().strip()
        raise AssertionError(f"the page at {self.page.url} does not say how they signed in")

    def identifier(self) -> str:
        """The pairwise identifier the service's signed-in page shows."""
        return self.page.locator(".kit-agency-identifier__sub").inner_text().strip()

    def sign_out_on(self, service: str) -> None:
        """On the service's signed-in page, press "Sign out"."""
        self.go_to(service)
        self._begin()
        self._submit(self.page.locator("form[action$='/auth/logout'] button.govuk-button"))

    def signed_in_at(self, service: str) -> bool:
        """Whether the service's home page treats them as signed in (its header offers a
        "Sign out" link rather than "Sign in")."""
        self._begin()
        self.page.goto(self.kit.url(instance(service), "/"))
        hrefs = self.page.locator(".govuk-service-navigation a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        links = [urlsplit(href or "").path for href in hrefs]
        if "/auth/logout" in links:
            return True
        if "/auth/login" not in links:
            raise AssertionError(f"{service} offers neither sign-in nor sign-out: {links}")
        return False

    def main_text(self) -> str:
        return self.page.locator("main").inner_text()

    # -- the Madoguchi ID account page ---------------------------------------------------------

    def open_idp_account(self) -> None:
        self._begin()
        self.page.goto(self.kit.url("idp", "/account"))

    def agreements(self) -> list[str]:
        """The outside services they agreed to share details with (account page)."""
        self.open_idp_account()
        return [
            t.strip()
            for t in self.page.locator("[data-client] .govuk-summary-card__title").all_inner_texts()
        ]

    def withdraw_agreement(self, client_name: str) -> None:
        self.open_idp_account()
        card = self.page.locator("[data-client]").filter(
            has=self.page.locator(".govuk-summary-card__title", has_text=client_name)
        )
        self._submit(card.locator("button.govuk-button"))

    # -- passkeys --------------------------------------------------------------------------

    def use_a_device_with_passkeys(self) -> None:
        """Chromium's virtual authenticator, as a phone with a screen lock would be: a
        platform authenticator that keeps discoverable credentials and verifies the user."""
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        answer = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        self._authenticator = (cdp, answer["authenticatorId"])

    def passkeys_on_device(self) -> int:
        if self._authenticator is None:
            return 0
        cdp, authenticator = self._authenticator
        answer = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        return len(answer["credentials"])

    def _passkey_outcome(self, done: Callable[[], bool], what: str) -> None:
        """Wait for the page script to finish: ``done()``, or an error in its status line."""
        status = self.page.locator("[data-passkey-status].govuk-error-message")

        def finished() -> bool:
            try:
                return done() or status.count() > 0
            except Exception:  # noqa: BLE001 - the page is navigating: not yet
                return False

        _wait_until(finished, what)
        if status.count() > 0 and not done():
            raise AssertionError(f"{what} failed: {status.first.inner_text()}")

    def add_passkey(self, label: str) -> None:
        """On the Madoguchi ID account page: name the passkey, add it, wait for the list."""
        self.open_idp_account()
        self.page.fill("#passkey-name", label)
        self.page.click("#passkey-add-button")
        entry = self.page.locator("[data-passkey-entry] .govuk-summary-card__title", has_text=label)
        self._passkey_outcome(lambda: entry.count() > 0, f"the passkey {label!r} is listed")

    def passkeys(self) -> list[str]:
        self.open_idp_account()
        return [
            t.strip()
            for t in self.page.locator(
                "[data-passkey-entry] .govuk-summary-card__title"
            ).all_inner_texts()
        ]

    def sign_in_with_passkey(self) -> None:
        """On the card page: "Sign in with a passkey" instead of the card."""
        if not self.offered_a_passkey():
            raise AssertionError(f"no passkey sign-in offered at {self.page.url}")
        self._begin()
        self.page.click("#passkey-sign-in-button")
        self._passkey_outcome(
            lambda: (
                self.kit.instance_for_url(self.page.url) != "idp"
                and self.page.evaluate("document.readyState") == "complete"
            ),
            "the passkey sign-in leaves Madoguchi ID",
        )


def staff_credentials(kit: RunningKit) -> dict[str, str]:
    """The demo clerk's credentials, as the stack's seed wrote them (``demo-staff.json`` in
    the provider's data folder, mode 0600)."""
    spec = next(s for s in kit.stack.manifest.services if s.instance == "idp")
    folder = Path(kit.stack.environment_for(spec)["IDP_DATA_DIR"])
    return json.loads((folder / "demo-staff.json").read_text(encoding="utf-8"))


#: TOTP time steps already used, per secret: the counter refuses a code twice (replay).
_USED_STEPS: dict[str, int] = {}


def one_time_code(secret: str) -> str:
    """The code an authenticator app shows now; if this step's code was used already, the
    next one (the counter accepts one step early), else wait for a fresh step."""
    totp = pyotp.TOTP(secret)
    deadline = time.monotonic() + 65
    while True:
        now = datetime.now(UTC)
        step = totp.timecode(now)
        last = _USED_STEPS.get(secret)
        offset = 0 if last is None or last < step else last + 1 - step
        if offset <= 1:
            _USED_STEPS[secret] = step + offset
            return totp.at(now, counter_offset=offset)
        if time.monotonic() > deadline:
            raise AssertionError("no fresh TOTP code within a minute")
        time.sleep(0.5)


def code_was_used(secret: str) -> None:
    """The counter says the code was used before (by an earlier sign-in we did not see):
    take the next step's code next time."""
    totp = pyotp.TOTP(secret)
    _USED_STEPS[secret] = max(_USED_STEPS.get(secret, 0), totp.timecode(datetime.now(UTC)))


@dataclass
class CounterClerk:
    """Municipal counter staff at Madoguchi ID's counter pages, in their own browser."""

    citizen: Citizen

    @property
    def page(self) -> Page:
        return self.citizen.page

    @property
    def kit(self) -> RunningKit:
        return self.citizen.kit

    def _submit(self, button: Locator, fill: Callable[[], None] = _nothing_to_fill) -> None:
        submit_form(self.page, fill, button)

    def sign_in(self) -> None:
        """Username, password and the authenticator app's current code. A code refused as
        already used (a sign-in moments ago, in another run) is followed by a fresh one."""
        credentials = staff_credentials(self.kit)
        secret = credentials["totp_secret"]
        open_page(self.page, self.kit.url("idp", "/counter/sign-in"))

        def fill() -> None:
            self.page.fill("#username", credentials["username"])
            self.page.fill("#password", credentials["password"])
            self.page.fill("#code", one_time_code(secret))

        for _attempt in range(3):
            self._submit(self.page.locator("form:has(#code) button.govuk-button"), fill)
            if self.page.locator("#code-error").count() == 0:
                return
            code_was_used(secret)

    def signed_in(self) -> bool:
        return self.page.locator(".kit-staff-bar").count() == 1

    def find_card(self, roman_name: str) -> None:
        self.page.fill("#q", roman_name)
        self._submit(self.page.locator("form:has(#q) button.govuk-button"))

    def _row(self, holder: str) -> Locator:
        rows = self.page.locator("#cards tr[data-card]").filter(has_text=holder)
        if rows.count() != 1:
            raise AssertionError(f"{rows.count()} cards found for {holder!r}")
        return rows

    def pin_status(self, holder: str) -> str:
        return self._row(holder).locator("[data-status=pin]").inner_text().strip()

    def reset_pin(self, holder: str, new_pin: str) -> None:
        """Open the card's PIN reset, tick that the identity document was seen, set the PIN."""
        self._submit(self._row(holder).locator("a[href$='/pin']"))

        def fill() -> None:
            self.page.check("input[name=identity_checked]")
            self.page.fill("#pin", new_pin)
            self.page.fill("#pin_again", new_pin)

        self._submit(self.page.locator("form:has(#pin) button.govuk-button"), fill)

    def confirmation(self) -> str:
        return self.page.locator(".govuk-panel__title").inner_text().strip()


@dataclass
class Cast:
    """The people of one scenario: residents, a counter clerk and outside services, each with
    their own browser (``new_browser(name)``), reading Madoguchi in ``language``."""

    kit: RunningKit
    new_browser: Callable[[str], Citizen]
    language: str = "ja"
    residents: dict[str, Resident] = field(default_factory=dict)
    outside: dict[str, RelyingParty] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    _clerk: CounterClerk | None = None

    def _browser(self, name: str) -> Citizen:
        citizen = self.new_browser(name)
        # The language switch keeps the choice in this cookie, for every kit service.
        citizen.page.context.add_cookies(
            [{"name": "kit_lang", "value": self.language, "url": self.kit.url("portal")}]
        )
        return citizen

    def resident(self, name: str) -> Resident:
        if name not in self.residents:
            holder, _roman = holder_of(name)
            self.residents[name] = Resident(self._browser(name), name, holder)
        return self.residents[name]

    def clerk(self) -> CounterClerk:
        if self._clerk is None:
            self._clerk = CounterClerk(self._browser("counter clerk"))
        return self._clerk

    def outside_service(self, name: str) -> RelyingParty:
        if name not in self.outside:
            self.outside[name] = RelyingParty.start(self.kit, name)
        return self.outside[name]

    def close(self) -> None:
        for party in self.outside.values():
            party.close()
