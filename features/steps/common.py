"""Steps any journey can use: language, headings, accessibility, security policy."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from features.drivers.citizen import LANGUAGE_NAMES, Citizen

SERIOUS = {"serious", "critical"}


@given(parsers.parse("{name}'s browser has JavaScript turned off"), target_fixture="citizen")
def javascript_off(
    request: pytest.FixtureRequest, browser: object, kit: object, name: str
) -> Citizen:
    from features.conftest import make_citizen

    return make_citizen(request, browser, kit, name, java_script_enabled=False)  # type: ignore[arg-type]


@when(parsers.parse("{name} switches the language to {language}"))
@when(parsers.parse("言語を{language}に切り替える"))
def switch_language(citizen: Citizen, language: str) -> None:
    citizen.switch_language(language)


@then(parsers.parse("the page is in {language}"))
@then(parsers.parse("ページが{language}で表示される"))
def page_language(citizen: Citizen, language: str) -> None:
    assert citizen.language() == LANGUAGE_NAMES[language]


@then(parsers.parse('{name} sees the heading "{heading}"'))
@then(parsers.parse("見出し「{heading}」が表示される"))
def sees_heading(citizen: Citizen, heading: str) -> None:
    assert citizen.heading() == heading
    assert citizen.title().startswith(heading)


@then("an accessibility scan finds no serious or critical problems")
@then("アクセシビリティ検査で重大な問題が見つからない")
def accessible(citizen: Citizen) -> None:
    problems = citizen.accessibility_problems(SERIOUS)
    assert not problems, "\n".join(str(p) for p in problems)


@then("the browser reports no content security policy violations")
def no_csp_violations(citizen: Citizen) -> None:
    assert citizen.csp_violations() == []


@when(parsers.parse("{name} skips to the main content with the keyboard"))
def skip_with_keyboard(citizen: Citizen) -> None:
    citizen.skip_to_main_content_with_the_keyboard()


@then("the keyboard focus is on the main content")
def focus_on_main(citizen: Citizen) -> None:
    assert citizen.focused_id() == "main-content"
