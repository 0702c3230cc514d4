"""The page checker accepts a sound page and names every problem of a broken one."""

import pytest

from govkit.testing import PageProblem, check_page

GOOD = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>住民票の写し – 窓口</title></head>
<body><main id="main-content"><h1>住民票の写し</h1>
<form method="post" action="/request"><input type="hidden" name="csrf_token" value="x">
<button>送信</button></form><img src="/a.png" alt=""></main></body></html>"""


def test_a_sound_page_passes_and_can_be_inspected() -> None:
    page = check_page(GOOD, h1="住民票の写し", lang="ja")
    assert page.title.startswith(page.h1)
    assert page.select_one("form")["action"] == "/request"


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        (GOOD.replace("</h1>", "</h1><h1>もう一つ</h1>"), "2 <h1> elements"),
        (GOOD.replace("<h1>住民票の写し</h1>", ""), "0 <h1> elements"),
        (
            GOOD.replace("<title>住民票の写し – 窓口</title>", "<title>窓口</title>"),
            "does not start",
        ),
        (GOOD.replace("<title>住民票の写し – 窓口</title>", ""), "no <title>"),
        (GOOD.replace(' lang="ja"', ""), "no lang attribute"),
        (GOOD.replace('<input type="hidden" name="csrf_token" value="x">', ""), "no CSRF token"),
        (GOOD.replace(' action="/request"', ""), "POST form has no action"),
        (GOOD.replace(' alt=""', ""), "has no alt text"),
        (GOOD.replace("<main", '<p id="main-content"></p><main'), "duplicate id"),
        (GOOD.replace("<main", "<main><div></span>"), "HTML parse error"),
        (
            GOOD.replace(
                "<main", '<div class="govuk-error-summary"><a href="#nope">x</a></div><main'
            ),
            "points at nothing",
        ),
        (
            GOOD.replace(
                "<main", '<div class="govuk-error-summary"><a href="#main-content">x</a></div><main'
            ),
            "lacks the error prefix",
        ),
        (GOOD.replace("<title>", "<title>エラー: "), "no error summary is shown"),
    ],
)
def test_broken_pages_are_rejected_with_the_reason(html: str, problem: str) -> None:
    with pytest.raises(PageProblem, match=problem):
        check_page(html)


def test_error_pages_with_a_prefixed_title_pass() -> None:
    html = GOOD.replace("<title>", "<title>エラー: ").replace(
        "<main", '<div class="govuk-error-summary"><a href="#main-content">x</a></div><main'
    )
    assert check_page(html).title.startswith("エラー:")


def test_unexpected_language_or_heading_is_reported() -> None:
    with pytest.raises(PageProblem) as raised:
        check_page(GOOD, h1="違う見出し", lang="en")
    message = str(raised.value)
    assert "2 problem(s)" in message
    assert "expected 'en'" in message
    assert "expected '違う見出し'" in message
