"""Steps about the residence certificate journey (住民票の写し): asking for a copy of one's own
record, a household member's, as a proxy with a letter of authority or as a third party;
writing that letter; downloading the sealed copy and reading it; a bank checking it.

Residents come from the identity steps' ``cast`` (each in their own browser, signed in with
their card); :class:`~features.drivers.residence.Journey` is the page object. A bank clerk is
the certificate steps' ``clerk``, and the copy they check is their ``document``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from features.drivers.documents import HeldDocument, read_qr
from features.drivers.identity import Cast, holder_of
from features.drivers.kit import RunningKit
from features.drivers.residence import (
    ITEM_LABELS,
    ITEMS,
    PURPOSES,
    STATUTORY,
    CityClerk,
    Copy,
    Journey,
    backdated_copy,
    birthdate_on_card,
    default_letter_validity,
    government_check,
    kit_today,
    months_ago,
    on_register,
)

PRONOUN = r"(?:his|her)"
NAME = r"(?P<name>\w+)"
PURPOSE = r"(?P<purpose>" + "|".join(PURPOSES) + r")"
#: The fields a scenario names → their ids on the page.
FIELDS = {
    "the reason": "reason",
    "the postal code": "postal_code",
    "the principal's My Number": "principal_my_number",
    "the letter's code": "mandate_id",
    "what the copy shows": "items",
}


def re_(pattern: str) -> parsers.re:
    return parsers.re(
        pattern.replace("{NAME}", NAME).replace("{PRONOUN}", PRONOUN).replace("{PURPOSE}", PURPOSE)
    )


def _items(text: str | None) -> tuple[str, ...]:
    """ "his 本籍 and his My Number" → ("honseki", "my_number")."""
    if not text:
        return ()
    chosen = []
    for label, value in ITEMS.items():
        if label in text:
            chosen.append(value)
    return tuple(chosen)


@pytest.fixture
def journeys(cast: Cast) -> dict[str, Journey]:
    """Each resident's journey in this scenario (made when they signed in)."""
    return {}


@pytest.fixture
def letters() -> dict[str, str]:
    """The codes of the letters of authority written in this scenario, by principal."""
    return {}


@pytest.fixture
def copies() -> list[Copy]:
    """The copies downloaded in this scenario, latest last."""
    return []


@pytest.fixture
def withdrawn() -> list[str]:
    """The numbers of the requests withdrawn in this scenario."""
    return []


@pytest.fixture
def city_clerk(cast: Cast, kit: RunningKit) -> CityClerk:
    """A clerk of Sakuragi City's citizens' division, in their own browser."""
    return CityClerk(cast.new_browser("city clerk").page, kit)


def journey_of(journeys: dict[str, Journey], name: str) -> Journey:
    try:
        return journeys[name]
    except KeyError:
        raise AssertionError(f"{name} has not signed in to the residence service") from None


# -- signing in -------------------------------------------------------------------------------


@given(
    re_(
        r"{NAME} has signed in with {PRONOUN} My Number card to ask for a copy of a resident "
        r"record"
    )
)
def signed_in(cast: Cast, journeys: dict[str, Journey], name: str) -> None:
    """From the service's start page: "Start now", the card and its PIN, "Whose record?"."""
    resident = cast.resident(name)
    journeys[name] = Journey.sign_in(resident)


# -- asking -----------------------------------------------------------------------------------


@when(
    re_(r"{NAME} asks for a copy of {PRONOUN} own record {PURPOSE}(?:, also showing (?P<also>.+))?")
)
def asks_own(journeys: dict[str, Journey], name: str, purpose: str, also: str | None) -> None:
    journey = journey_of(journeys, name)
    journey.choose_route("self")
    journey.choose_scope("person")
    journey.fill_details(items=_items(also), purpose=PURPOSES[purpose])


@when(re_(r"{NAME} asks for a copy of {PRONOUN} whole household's record {PURPOSE}"))
def asks_household(journeys: dict[str, Journey], name: str, purpose: str) -> None:
    journey = journey_of(journeys, name)
    journey.choose_route("self")
    journey.choose_scope("household")
    journey.fill_details(purpose=PURPOSES[purpose])


@when(
    re_(
        r"{NAME} asks for a copy of (?P<other>\w+)'s record, as someone in {PRONOUN} household, "
        r"{PURPOSE}"
    )
)
def asks_for_member(journeys: dict[str, Journey], name: str, other: str, purpose: str) -> None:
    journey = journey_of(journeys, name)
    holder, _roman = holder_of(other)
    journey.choose_route("household", member=holder)
    journey.choose_scope("person")
    journey.fill_details(purpose=PURPOSES[purpose])


@when(
    re_(
        r"{NAME} asks for a copy of {PRONOUN} own record {PURPOSE}, with a printed copy posted "
        r'to "(?P<postal_code>[^"]+)"'
    )
)
def asks_by_post(journeys: dict[str, Journey], name: str, purpose: str, postal_code: str) -> None:
    journey = journey_of(journeys, name)
    journey.choose_route("self")
    journey.choose_scope("person")
    journey.fill_details(purpose=PURPOSES[purpose], postal_code=postal_code)


@when(re_(r'{NAME} changes the postal code to "(?P<postal_code>[^"]+)"'))
def changes_postal_code(journeys: dict[str, Journey], name: str, postal_code: str) -> None:
    journey_of(journeys, name).change_postal_code(postal_code)


@when(
    re_(
        r"{NAME} asks for a copy of (?P<principal>\w+)'s record as {PRONOUN} proxy, with the code "
        r"of {PRONOUN} letter and {PRONOUN} My Number(?:, also showing (?P<also>.+))?"
    )
)
def asks_as_proxy(
    journeys: dict[str, Journey],
    letters: dict[str, str],
    name: str,
    principal: str,
    also: str | None,
) -> None:
    journey = journey_of(journeys, name)
    holder, _roman = holder_of(principal)
    if principal not in letters:
        raise AssertionError(f"{principal} has not written a letter of authority in this scenario")
    journey.choose_route(
        "proxy", mandate_id=letters[principal], principal_my_number=on_register(holder).my_number
    )
    journey.fill_details(items=_items(also))


@when(
    re_(
        r'{NAME} asks for a copy as someone\'s proxy, with the letter code "(?P<code>[^"]+)" and '
        r'their My Number "(?P<number>[^"]+)"'
    )
)
def asks_as_proxy_with(journeys: dict[str, Journey], name: str, code: str, number: str) -> None:
    journey_of(journeys, name).choose_route("proxy", mandate_id=code, principal_my_number=number)


@when(re_(r'{NAME} types the My Number again as "(?P<number>[^"]+)"'))
def retypes_my_number(journeys: dict[str, Journey], name: str, number: str) -> None:
    journey = journey_of(journeys, name)
    code = journey.page.input_value("#mandate_id")
    journey.choose_route("proxy", mandate_id=code, principal_my_number=number)


@when(
    re_(
        r"{NAME} asks as a third party for the record of (?P<subject>[^,]+?) at "
        r'(?P<address>\S+?)(?:, because "(?P<reason>[^"]+)"| without saying why)'
    )
)
def asks_as_third_party(
    journeys: dict[str, Journey], name: str, subject: str, address: str, reason: str | None
) -> None:
    journey_of(journeys, name).choose_route(
        "third_party", subject_name=subject, subject_address=address, reason=reason or ""
    )


@when(re_(r'{NAME} says why: "(?P<reason>[^"]+)"'))
def says_why(journeys: dict[str, Journey], name: str, reason: str) -> None:
    journey = journey_of(journeys, name)
    journey.choose_route(
        "third_party",
        subject_name=journey.page.input_value("#subject_name"),
        subject_address=journey.page.input_value("#subject_address"),
        reason=reason,
    )


@when(re_(r"{NAME} asks for the copy {PURPOSE}"))
def asks_for_purpose(journeys: dict[str, Journey], name: str, purpose: str) -> None:
    journey_of(journeys, name).fill_details(purpose=PURPOSES[purpose])


@when(re_(r"{NAME} sends the form with (?P<also>.+) added by hand, {PURPOSE}"))
def forged_items(journeys: dict[str, Journey], name: str, also: str, purpose: str) -> None:
    journey_of(journeys, name).send_items_by_hand(_items(also), PURPOSES[purpose])


@when(re_(r"{NAME} pays by card"))
@when(re_(r"{NAME} sends the request"))
def pays(journeys: dict[str, Journey], name: str) -> None:
    journey_of(journeys, name).pay("card")


# -- signing ---------------------------------------------------------------------------------


@then(re_(r"Madoguchi ID asks {NAME} to sign the request with {PRONOUN} card"))
def asked_to_sign(journeys: dict[str, Journey], name: str) -> None:
    journey = journey_of(journeys, name)
    assert journey.on_signing_page(), f"no signing page but {journey.page.url}"
    journey.scan()


# -- outcomes ---------------------------------------------------------------------------------


@then(re_(r'{NAME} is told "(?P<headline>[^"]+)"'))
def told(journeys: dict[str, Journey], name: str, headline: str) -> None:
    assert journey_of(journeys, name).outcome() == headline


@then(re_(r"{NAME} got there in at most (?P<most>\d+) screens after signing in"))
def screens(journeys: dict[str, Journey], name: str, most: str) -> None:
    shown = journey_of(journeys, name).screens()
    assert len(shown) <= int(most), shown


@then(re_(r"{NAME} was not asked for a letter of authority or a signature"))
def no_letter_asked(journeys: dict[str, Journey], name: str) -> None:
    journey = journey_of(journeys, name)
    paths = [url for url in journey.screens() if "/sign/" in url or "/authority" in url]
    assert not paths, paths
    assert "/login/" not in " ".join(journey.screens()), journey.screens()


@then(
    re_(r"{NAME} is told that (?:he|she) needs a letter of authority signed by (?P<principal>\w+)")
)
def needs_letter(journeys: dict[str, Journey], name: str, principal: str) -> None:
    text = journey_of(journeys, name).main_text()
    assert "letter of authority" in text, text


@then(re_(r"{NAME} is offered nothing to download"))
def nothing_to_download(journeys: dict[str, Journey], name: str) -> None:
    journey = journey_of(journeys, name)
    assert journey.downloads_offered() == 0
    assert ".pdf" not in journey.page.content()


@then(re_(r"{NAME} is told the copy will be posted to (?P<principal>\w+)'s registered address"))
def told_posted(journeys: dict[str, Journey], name: str, principal: str) -> None:
    text = journey_of(journeys, name).main_text()
    assert "post it to the registered address of the person who authorised you" in text, text


@then(re_(r'{NAME} is told "(?P<message>[^"]+)" about (?P<field>.+)'))
def told_on_field(journeys: dict[str, Journey], name: str, message: str, field: str) -> None:
    journey = journey_of(journeys, name)
    field_id = FIELDS[field]
    assert journey.field_error(field_id) == message, (
        journey.field_error(field_id),
        journey.error_summary(),
    )
    assert (field_id, message) in journey.error_summary(), journey.error_summary()


@then(re_(r"{NAME} is not offered a copy showing the My Number or the resident record code"))
def no_statutory_items(journeys: dict[str, Journey], name: str) -> None:
    journey = journey_of(journeys, name)
    offered = journey.items_offered()
    assert offered, f"no items offered at {journey.page.url}"
    assert "my_number" not in offered
    assert "juminhyo_code" not in offered


@then(re_(r"{NAME} is not offered a purpose that the law requires the My Number for"))
def no_statutory_purposes(journeys: dict[str, Journey], name: str) -> None:
    offered = journey_of(journeys, name).purposes_offered()
    assert offered
    assert not STATUTORY & set(offered), offered


@then(
    re_(
        r"{NAME} is asked to check {PRONOUN} answers, with a printed copy posted to "
        r'"(?P<postal_code>[^"]+)"'
    )
)
def checks_answers_posted(journeys: dict[str, Journey], name: str, postal_code: str) -> None:
    rows = journey_of(journeys, name).check_rows()
    assert rows.get("Printed copy posted to") == postal_code, rows


@then(
    re_(
        r"the page tells {NAME} nothing about (?P<subject>.+?): not (?:his|her) name, "
        r"not an address"
    )
)
def reveals_nothing(journeys: dict[str, Journey], name: str, subject: str) -> None:
    journey = journey_of(journeys, name)
    person = on_register(subject)
    html = journey.page.content()
    for secret in (
        person.full_name,
        person.full_name.split()[0],
        person.address,
        "丁目",
        "桜木市中央",
    ):
        assert secret not in html, f"the result page shows {secret!r}"


@then(
    re_(
        r"{NAME} is told exactly what anyone asking about someone the register does not hold "
        r"is told"
    )
)
def same_as_unknown(journeys: dict[str, Journey], name: str) -> None:
    journey = journey_of(journeys, name)
    refused = journey.main_text().replace(journey.page.url.rsplit("/", 1)[-1], "")
    journey.choose_route(
        "third_party",
        subject_name="山田 花子",
        subject_address="桜木市中央一丁目9番9号",
        reason="I must send her a letter about money she owes me",
    )
    journey.fill_details(purpose="other")
    journey.pay()
    unknown = journey.main_text().replace(journey.page.url.rsplit("/", 1)[-1], "")
    assert refused == unknown, (refused, unknown)


# -- letters of authority ---------------------------------------------------------------------


@when(
    re_(
        r"{NAME} authorises (?P<proxy>\w+) to ask for {PRONOUN} copy {PURPOSE}"
        r"(?P<my_number>, including {PRONOUN} My Number)?"
    )
)
def writes_letter(
    kit: RunningKit,
    journeys: dict[str, Journey],
    name: str,
    proxy: str,
    purpose: str,
    my_number: str | None,
) -> None:
    holder, _roman = holder_of(proxy)
    journey_of(journeys, name).write_letter(
        proxy_name=holder,
        proxy_birthdate=birthdate_on_card(holder, kit.prepared_on),
        purpose=PURPOSES[purpose],
        allow_my_number=my_number is not None,
        valid_until=default_letter_validity(),
    )


@when(re_(r"{NAME} signs with {PRONOUN} signing password"))
def signs(journeys: dict[str, Journey], name: str) -> None:
    journey_of(journeys, name).sign()


@then(re_(r"{NAME} is given the code of {PRONOUN} letter of authority"))
def given_code(journeys: dict[str, Journey], letters: dict[str, str], name: str) -> None:
    code = journey_of(journeys, name).letter_code()
    assert code.startswith("M-"), code
    letters[name] = code


# -- the copy ---------------------------------------------------------------------------------


@when(re_(r"{NAME} downloads the signed copy"))
def downloads(journeys: dict[str, Journey], copies: list[Copy], name: str) -> None:
    copies.append(journey_of(journeys, name).download())


@then(parsers.parse("the copy shows these people: {names}"))
@then(
    parsers.parse("the copy shows these people, the head of household first, then by age: {names}")
)
def copy_shows_people(copies: list[Copy], names: str) -> None:
    expected = [n.strip() for n in names.split(",")]
    copy = copies[-1]
    assert copy.people() == expected, copy.people()
    for full_name in expected:
        assert copy.shows(full_name), f"{full_name} is not printed on the copy"


@then(re_(r"the copy does not show (?P<whose>\w+)'s My Number, 住民票コード or 本籍"))
def copy_omits(copies: list[Copy], whose: str) -> None:
    _copy_has(copies[-1], whose, shown=(), hidden=("My Number", "住民票コード", "本籍"))


@then(re_(r"the copy shows (?P<whose>\w+)'s My Number and 本籍 but not {PRONOUN} 住民票コード"))
def copy_shows_chosen(copies: list[Copy], whose: str) -> None:
    _copy_has(copies[-1], whose, shown=("My Number", "本籍"), hidden=("住民票コード",))


def _copy_has(copy: Copy, whose: str, *, shown: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    """The rows (claims.json) and the printed page (pdftotext) show ``shown`` for ``whose``,
    with the register's values, and neither the labels nor the values of ``hidden``."""
    holder, _roman = holder_of(whose)
    person = on_register(holder)
    labels = copy.labels()
    values = copy.values(holder)
    for item in shown:
        for label in ITEM_LABELS[item]:
            assert label in labels, (item, sorted(labels))
            assert copy.shows(label), f"{label} is not printed"
        for value in person.values(item):
            assert value in values, (item, value, values)
            assert copy.shows(value), f"{item} {value} is not printed"
    for item in hidden:
        for label in ITEM_LABELS[item]:
            assert label not in labels, (item, sorted(labels))
            assert not copy.shows(label), f"{label} is printed on the copy"
        for value in person.values(item):
            assert value not in values, (item, value, values)
    # The numbers are unique: they are nowhere on the printed page either.
    for item in {"My Number", "住民票コード"} & set(hidden):
        for value in person.values(item):
            assert not copy.shows(value), f"{item} {value} is printed on the copy"


@then(parsers.parse("pyHanko finds the copy's seal valid, made by {signer}"))
def seal_valid(kit: RunningKit, copies: list[Copy], signer: str) -> None:
    valid, subject = copies[-1].seal(kit)
    assert valid, subject
    assert signer in subject, subject


@then("the copy's QR code, read from the printed page, verifies offline with kit verify")
def qr_verifies_offline(kit: RunningKit, copies: list[Copy], tmp_path: Path) -> None:
    """The QR of the page (read from the rendered PDF) checks with the kit's command-line
    verifier from a trust list cached once, with no network: VALID, exit code 0."""
    text = read_qr(copies[-1].pdf)
    cache = tmp_path / "trust"
    kit_cli = Path(sys.executable).parent / "kit"
    first = subprocess.run(
        [kit_cli, "verify", "--qr", text, "--trust-dir", cache, "--trust-url", kit.url("trust")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    offline = subprocess.run(
        [kit_cli, "verify", "--qr", text, "--trust-dir", cache, "--offline"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert offline.stdout.startswith("VALID"), offline.stdout


# -- a move after issue, and a government verifier -----------------------------------------------

PENSION = "JP-KIT/GOV/JPS/pension"
PENSION_LAW = "law:国民年金法第108条"


@then(
    re_(
        r"the pension office checking the copy through the exchange is told it is valid and "
        r"{NAME} (?P<where>still lives at its address|has moved since it was issued)"
    )
)
def government_verifier_sees(kit: RunningKit, copies: list[Copy], name: str, where: str) -> None:
    answer = government_check(kit, copies[-1], PENSION, PENSION_LAW)
    assert answer["verdict"] == "valid", answer
    assert answer["verifier"] == PENSION, answer
    check = answer["address_check"]
    moved = where.startswith("has moved")
    assert check["subject_still_at_address"] is (not moved), check
    if moved:
        assert check["moved_on"], check


@when(re_(r"a Sakuragi City clerk registers {NAME}'s move out of the city"))
def clerk_registers_move_out(city_clerk: CityClerk, kit: RunningKit, name: str) -> None:
    holder, _roman = holder_of(name)
    person = on_register(holder)
    city_clerk.sign_in()
    text = city_clerk.register_move_out(person.register_key, "梅園市本町三丁目2番1号", kit_today())
    assert "moved out" in text.lower() or "転出" in text, text[:500]


@when(re_(r"a Sakuragi City clerk approves {NAME}'s request after review"))
def clerk_approves(city_clerk: CityClerk, journeys: dict[str, Journey], name: str) -> None:
    request_id = journey_of(journeys, name).request_number()
    city_clerk.sign_in()
    text = city_clerk.approve(request_id)
    assert "Request approved" in text or "承認" in text, text


@then(re_(r"{NAME} finds the request issued among (?:her|his) requests and downloads the copy"))
def finds_issued_request(journeys: dict[str, Journey], copies: list[Copy], name: str) -> None:
    journey = journey_of(journeys, name)
    request_id = journey.request_number()
    rows = journey.open_my_requests()
    status, documents = rows[request_id]
    assert status in ("Issued: 1 copy", "交付済み（1通）"), status
    assert len(documents) == 1, documents
    copies.append(journey.download_listed(documents[0]))


@when(re_(r"{NAME} withdraws the request"))
def withdraws(journeys: dict[str, Journey], withdrawn: list[str], name: str) -> None:
    journey = journey_of(journeys, name)
    withdrawn.append(journey.request_number())
    journey.withdraw_request()


@then(re_(r"{NAME} finds the request withdrawn among (?:her|his) requests"))
def finds_withdrawn_request(journeys: dict[str, Journey], withdrawn: list[str], name: str) -> None:
    rows = journey_of(journeys, name).open_my_requests()
    assert rows[withdrawn[-1]] in (("Withdrawn", []), ("取下げ", [])), rows


@then("the request is not in the Sakuragi City clerk's review queue")
def not_in_queue(city_clerk: CityClerk, withdrawn: list[str]) -> None:
    city_clerk.sign_in()
    queue = city_clerk.review_queue()
    assert withdrawn[-1] not in queue, queue


@then("every page the city clerk saw passes an accessibility scan")
def city_clerk_pages_accessible(city_clerk: CityClerk) -> None:
    assert not city_clerk.problems, "\n".join(str(p) for p in city_clerk.problems)


# -- the bank ---------------------------------------------------------------------------------


@when(re_(r"{NAME} gives the bank the copy (?:he|she) downloaded"), target_fixture="document")
def hands_copy(copies: list[Copy]) -> HeldDocument:
    assert copies, "no copy was downloaded"
    return copies[-1].document


@when(
    re_(r"the bank is given a copy of {NAME}'s record issued (?P<months>\d+) months ago"),
    target_fixture="document",
)
def old_copy(kit: RunningKit, name: str, months: str) -> HeldDocument:
    holder, _roman = holder_of(name)
    return backdated_copy(kit, holder, months_ago(int(months), kit_today()))


# -- accessibility ----------------------------------------------------------------------------


@then(re_(r"every page {NAME} saw passes an accessibility scan"))
def every_page_accessible(journeys: dict[str, Journey], name: str) -> None:
    problems = journey_of(journeys, name).problems
    assert not problems, "\n".join(problems)
