"""Reading the pages of :mod:`govkit.notices` in a test: a service's privacy notice and the
cookies table, through the page checker."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from govkit.testing.pages import Page, check_page

#: The privacy notice's heading in each language.
PRIVACY_H1 = {"en": "Privacy notice", "ja": "個人情報の取扱い"}


def _rows(page: Page, table: str) -> list[list[str]]:
    return [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in page.select(f"[{table}] tbody tr")
    ]


@dataclass(frozen=True)
class PrivacyNoticePage:
    page: Page
    controller: str
    #: One row per kind of data: what, why, legal basis, how long (each checked non-empty).
    holdings: list[list[str]]
    #: The "Who else receives it" list (empty when the notice says nobody does).
    shared: list[str]

    def holding(self, start: str) -> list[str]:
        """The one row whose first cell starts with ``start``."""
        found = [row for row in self.holdings if row[0].startswith(start)]
        assert len(found) == 1, [row[0] for row in self.holdings]
        return found[0]


def get_page(app: Flask, path: str, language: str, **expected: object) -> Page:
    """``path`` of ``app`` in ``language`` (the ``kit_lang`` cookie), through the checker."""
    client = app.test_client()
    client.set_cookie("kit_lang", language)
    return check_page(client.get(path), lang=language, **expected)  # type: ignore[arg-type]


def read_privacy_notice(app: Flask, language: str) -> PrivacyNoticePage:
    """``/privacy`` of ``app`` in ``language``; every row of its table has four filled cells."""
    page = get_page(app, "/privacy", language, h1=PRIVACY_H1[language])
    holdings = _rows(page, "data-holdings")
    assert all(len(row) == 4 and all(row) for row in holdings), holdings
    return PrivacyNoticePage(
        page=page,
        controller=page.select_one("[data-controller]").get_text(" ", strip=True),
        holdings=holdings,
        shared=[li.get_text(" ", strip=True) for li in page.select("[data-shared] li")],
    )


def read_cookies(app: Flask, language: str) -> dict[str, list[str]]:
    """``/cookies`` of ``app``: cookie name → [name, what it is for, when it expires]."""
    page = get_page(app, "/cookies", language)
    return {row[0]: row for row in _rows(page, "data-cookies")}
