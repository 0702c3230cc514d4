"""axe-core (from package-lock.json) run inside the page.

The script is evaluated through the DevTools protocol, which the page's Content Security Policy
does not govern, so the kit's CSP stays exactly as citizens get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.impact}: {self.rule} ({self.help}) at {', '.join(self.targets)}"


@cache
def _axe_source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `make test` (it installs npm packages)")
    return AXE.read_text(encoding="utf-8")


def scan(page: Page) -> list[Violation]:
    """Every axe-core violation on the current page (WCAG 2.x A/AA and best practice)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                rule: v.id, impact: v.impact || 'unknown', help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"])) for v in result]
