"""Steps about the portal: opening it, reading the services, choosing one."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from features.drivers.citizen import Citizen


@given(parsers.parse("{name} opens the Madoguchi portal"))
@given(parsers.parse("{name}さんが窓口ポータルを開く"))
def open_portal(citizen: Citizen) -> None:
    citizen.open_portal()


@given(parsers.parse("{name} opens the Madoguchi portal in {language}"))
def open_portal_in(citizen: Citizen, language: str) -> None:
    citizen.open_portal()
    if citizen.language() != {"Japanese": "ja", "English": "en"}[language]:
        citizen.switch_language(language)


@then(parsers.parse("{name} sees these services:"))
@then("次のサービスが表示される:")
def sees_services(citizen: Citizen, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    expected = [dict(zip(header, row, strict=True)) for row in rows]
    cards = {card.title: card for card in citizen.services()}
    assert list(cards) == [row[header[0]] for row in expected]
    for row in expected:
        card = cards[row[header[0]]]
        assert row[header[1]] in card.needs, card.needs
        assert card.duration == row[header[2]]


@then(
    parsers.parse(
        "only the residence certificate is open online; every other service says: {status}"
    )
)
def only_residence_open(citizen: Citizen, status: str) -> None:
    first, *others = citizen.services()
    assert first.status == "", first  # open: no "not open yet" tag
    assert {card.status for card in others} == {status}


@when(parsers.parse('{name} opens the "{title}" service'))
@when(parsers.parse("「{title}」を選ぶ"))
def open_service(citizen: Citizen, title: str) -> None:
    citizen.open_service(title)


@then(parsers.parse("{name} is on the {service} service"))
@then(parsers.parse("{service}のサービスに移動している"))
def on_service(citizen: Citizen, service: str) -> None:
    assert citizen.current_service() == service


@then(parsers.parse('{name} reads the notice "{notice}"'))
@then(parsers.parse("「{notice}」と案内される"))
def told(citizen: Citizen, notice: str) -> None:
    assert citizen.notice() == notice


@when(parsers.parse('{name} follows the footer link "{text}"'))
@when(parsers.parse("フッターの「{text}」を開く"))
def follow_footer_link(citizen: Citizen, text: str) -> None:
    citizen.follow_footer_link(text)


@then(
    parsers.parse("the notice says {organisation} is responsible and how long each thing is kept")
)
def privacy_notice(citizen: Citizen, organisation: str) -> None:
    controller, rows = citizen.privacy_notice()
    assert organisation in controller, controller
    assert rows, "the notice lists nothing"
    assert all(len(row) == 4 and all(row) for row in rows), rows


@then(parsers.parse("the page lists only the cookies {names}"))
@then(parsers.parse("保存されるCookieは{names}だけと表示される"))
def cookies_listed(citizen: Citizen, names: str) -> None:
    expected = [n.strip() for n in names.replace("と", ",").replace(" and ", ",").split(",")]
    assert citizen.cookies() == expected
