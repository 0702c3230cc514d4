"""The page checker: a rendered page must be a well-formed, accessible GOV.UK-style page.

``check_page`` fails (listing every problem at once) unless:

* the HTML parses without errors (html5lib, strict mode) and ``<html>`` has a ``lang``;
* there is exactly one ``<h1>`` and the ``<title>`` starts with its text (after the
  "エラー:"/"Error:" prefix, which must be there exactly when an error summary is shown);
* ``id`` values are unique and every error-summary link points at an element on the page;
* every ``<img>`` has an ``alt``; every POST form has an ``action`` and a CSRF token;
* the status (and, if given, the ``<h1>`` text and language) are the expected ones.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import html5lib
from bs4 import BeautifulSoup, Tag

ERROR_PREFIXES = ("エラー:", "Error:")


class PageProblem(AssertionError):
    """The page broke one or more of the checker's rules."""


@dataclass
class Page:
    html: str
    soup: BeautifulSoup
    status: int

    @property
    def h1(self) -> str:
        return _text(self.soup.find("h1"))

    @property
    def title(self) -> str:
        return _text(self.soup.find("title"))

    @property
    def lang(self) -> str:
        html = self.soup.find("html")
        return str(html.get("lang", "")) if isinstance(html, Tag) else ""

    def text(self) -> str:
        return _text(self.soup.body or self.soup)

    def select(self, selector: str) -> list[Tag]:
        return list(self.soup.select(selector))

    def select_one(self, selector: str) -> Tag:
        found = self.soup.select_one(selector)
        if found is None:
            raise PageProblem(f"nothing matches {selector!r} on the page titled {self.title!r}")
        return found

    def links(self) -> dict[str, str]:
        """Link text → href."""
        return {_text(a): str(a.get("href", "")) for a in self.soup.select("a[href]")}


def _text(tag: Any) -> str:
    if tag is None:
        return ""
    return re.sub(r"\s+", " ", tag.get_text(" ")).strip()


def _parse_errors(html: str) -> list[str]:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(html)
    problems = []
    for position, code, data in parser.errors:
        line, column = position
        problems.append(f"HTML parse error {code} at {line}:{column} {data or ''}".strip())
    return problems


def check_page(
    response: Any,
    *,
    status: int = 200,
    h1: str | None = None,
    lang: str | None = None,
) -> Page:
    """Check a page (a Flask/requests response or an HTML string) and return it for more asserts."""
    if isinstance(response, str):
        html, actual_status = response, status
    else:
        actual_status = getattr(response, "status_code", status)
        raw = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
        html = raw
    soup = BeautifulSoup(html, "html.parser")
    page = Page(html=html, soup=soup, status=actual_status)
    problems: list[str] = []

    if actual_status != status:
        problems.append(f"status {actual_status}, expected {status}")
    problems.extend(_parse_errors(html))
    if not page.lang:
        problems.append("<html> has no lang attribute")
    elif lang is not None and page.lang != lang:
        problems.append(f"page language is {page.lang!r}, expected {lang!r}")

    headings = soup.find_all("h1")
    if len(headings) != 1:
        problems.append(f"{len(headings)} <h1> elements, expected exactly one")
    heading = page.h1
    if h1 is not None and heading != h1:
        problems.append(f"<h1> is {heading!r}, expected {h1!r}")

    has_error_summary = soup.select_one(".govuk-error-summary") is not None
    title = page.title
    if not title:
        problems.append("the page has no <title>")
    else:
        stripped = title
        prefixed = title.startswith(ERROR_PREFIXES)
        if prefixed:
            stripped = title.split(":", 1)[1].strip()
        if has_error_summary and not prefixed:
            problems.append("an error summary is shown but the <title> lacks the error prefix")
        if prefixed and not has_error_summary:
            problems.append("the <title> has an error prefix but no error summary is shown")
        if heading and not stripped.startswith(heading):
            problems.append(f"<title> {title!r} does not start with the <h1> {heading!r}")

    ids = Counter(str(tag["id"]) for tag in soup.find_all(id=True))
    duplicates = sorted(i for i, n in ids.items() if n > 1)
    if duplicates:
        problems.append(f"duplicate id(s): {', '.join(duplicates)}")
    for link in soup.select(".govuk-error-summary a[href]"):
        target = str(link["href"])
        if not target.startswith("#") or target[1:] not in ids:
            problems.append(f"error summary link {target!r} points at nothing on the page")

    for img in soup.find_all("img"):
        if img.get("alt") is None:
            problems.append(f"<img src={img.get('src')!r}> has no alt text")
    for form in soup.find_all("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue
        if not form.get("action"):
            problems.append("a POST form has no action")
        if form.find("input", attrs={"name": "csrf_token"}) is None:
            problems.append(f"the POST form to {form.get('action')!r} has no CSRF token")

    if problems:
        raise PageProblem(
            f"page {title!r} has {len(problems)} problem(s):\n  - " + "\n  - ".join(problems)
        )
    return page
