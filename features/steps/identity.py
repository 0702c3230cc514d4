"""Steps about Madoguchi ID: the card and its PIN, single sign-on, the municipal counter,
signing, passkeys, pairwise identifiers, consent for outside services, signing out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pytest_bdd import given, parsers, then, when

from features.drivers.identity import (
    DEMO_PIN,
    WRONG_PIN,
    Cast,
    Resident,
    holder_of,
    instance,
)
from features.drivers.kit import RunningKit
from features.drivers.relying_party import Document, Signature

PRONOUN = r"(?:his|her)"
NAME = r"(?P<name>\w+)"


def re_(pattern: str) -> parsers.re:
    return parsers.re(pattern.replace("{NAME}", NAME).replace("{PRONOUN}", PRONOUN))


@pytest.fixture
def cast(request: pytest.FixtureRequest, browser: object, kit: RunningKit) -> Iterator[Cast]:
    """Everyone in the scenario, each in their own browser."""
    from features.conftest import make_citizen

    people = Cast(kit, lambda name: make_citizen(request, browser, kit, name))  # type: ignore[arg-type]
    yield people
    people.close()


def _services(text: str) -> list[str]:
    """ "childcare, pension and company" → ["childcare", "pension", "company"]."""
    return [part for part in re.split(r",\s*|\s+and\s+", text) if part]


def _signed_in_with_card(resident: Resident, service: str) -> None:
    resident.go_to(service)
    assert resident.on_card_page(), f"no card page at {resident.page.url}"
    resident.sign_in_with_card()
    _signed_in_at(resident, service)


def _signed_in_at(resident: Resident, service: str) -> None:
    assert resident.current_service() == instance(service), resident.page.url
    assert resident.holder in resident.signed_in_as(), resident.signed_in_as()


# -- language and people ----------------------------------------------------------------------


@given("Madoguchi is shown in English")
def in_english(cast: Cast) -> None:
    cast.language = "en"


@given(re_(r"(?P<bank>.+), an online bank outside the kit, uses Madoguchi ID"))
@given(parsers.parse("{bank}が窓口IDを使っている"))
def outside_bank(cast: Cast, bank: str) -> None:
    cast.outside_service(bank)


# -- signing in with the card -------------------------------------------------------------------


@given(
    re_(r"{NAME} has signed in to the (?P<service>\w+)(?: service)? with {PRONOUN} My Number card")
)
@given(parsers.parse("{name}さんが{service}のサービスにマイナンバーカードでサインインしている"))
def has_signed_in(cast: Cast, name: str, service: str) -> None:
    _signed_in_with_card(cast.resident(name), service)


@given(re_(r"{NAME} has gone to the (?P<services>[\w ,]+) services"))
def has_gone_to(cast: Cast, name: str, services: str) -> None:
    resident = cast.resident(name)
    for service in _services(services):
        resident.go_to(service)
        assert not resident.was_shown("/login/"), f"the card was asked for at {service}"
        _signed_in_at(resident, service)


@given(re_(r"{NAME}'s card is locked after 3 wrong PINs"))
def card_locked(cast: Cast, name: str) -> None:
    resident = cast.resident(name)
    resident.go_to("residence")
    for _attempt in range(3):
        resident.sign_in_with_card(WRONG_PIN)
    assert resident.on_card_page()
    assert "locked" in resident.card_hint().lower() or "ロック" in resident.card_hint()


@when(re_(r"{NAME} goes to the (?P<service>\w+)(?: service|'s account page)?"))
@when(parsers.parse("{name}さんが{service}のサービスを開く"))
def goes_to(cast: Cast, name: str, service: str) -> None:
    cast.resident(name).go_to(service)


@when(re_(r"{NAME} goes to the (?P<services>[\w ,]+) services"))
def goes_to_several(cast: Cast, name: str, services: str) -> None:
    resident = cast.resident(name)
    for service in _services(services):
        resident.go_to(service)
        assert resident.current_service() == instance(service), resident.page.url


@when(re_(r"{NAME} signs in with {PRONOUN} card and PIN"))
@when(re_(r"{NAME} enters the right PIN"))
@when(parsers.parse("{name}さんがマイナンバーカードと暗証番号でサインインする"))
@when(parsers.parse("{name}さんが正しい暗証番号を入力する"))
def signs_in_with_card(cast: Cast, name: str) -> None:
    cast.resident(name).sign_in_with_card(DEMO_PIN)


@when(re_(r"{NAME} signs in with {PRONOUN} card and the PIN (?P<pin>\d{4})"))
def signs_in_with_pin(cast: Cast, name: str, pin: str) -> None:
    cast.resident(name).sign_in_with_card(pin)


@when(re_(r"{NAME} enters a wrong PIN"))
@when(parsers.parse("{name}さんが間違った暗証番号を入力する"))
def enters_wrong_pin(cast: Cast, name: str) -> None:
    cast.resident(name).sign_in_with_card(WRONG_PIN)


@then(re_(r"Madoguchi ID asks {NAME} for {PRONOUN} card"))
@then(parsers.parse("窓口IDが{name}さんにマイナンバーカードを求める"))
def asks_for_card(cast: Cast, name: str) -> None:
    assert cast.resident(name).on_card_page(), cast.resident(name).page.url


@then(re_(r"Madoguchi ID asks {NAME} for {PRONOUN} card, offering no passkey"))
def asks_for_card_only(cast: Cast, name: str) -> None:
    resident = cast.resident(name)
    assert resident.on_card_page(), resident.page.url
    assert not resident.offered_a_passkey()


@then(re_(r"Madoguchi ID does not ask {NAME} for {PRONOUN} card"))
@then(parsers.parse("窓口IDは{name}さんにマイナンバーカードを求めない"))
def does_not_ask_for_card(cast: Cast, name: str) -> None:
    assert not cast.resident(name).was_shown("/login/")


@then(re_(r'the (?P<service>\w+)(?: service)? shows {NAME} signed in with "(?P<how>[^"]+)"'))
@then(parsers.parse("{service}のサービスに{name}さんが「{how}」でサインインしている"))
def shows_signed_in(cast: Cast, name: str, service: str, how: str) -> None:
    resident = cast.resident(name)
    _signed_in_at(resident, service)
    assert resident.signed_in_with() == how


@then(re_(r'Madoguchi ID tells {NAME} "(?P<message>[^"]+)"'))
@then(parsers.parse("{name}さんに「{message}」と表示される"))
def idp_tells(cast: Cast, name: str, message: str) -> None:
    problems = cast.resident(name).problems()
    assert message in problems, problems


@then(re_(r'{NAME}\'s card is listed as "(?P<hint>[^"]+)"'))
@then(parsers.parse("{name}さんのカードに「{hint}」と表示される"))
def card_listed_as(cast: Cast, name: str, hint: str) -> None:
    assert hint in cast.resident(name).card_hint()


@then(re_(r"{NAME} stays on Madoguchi ID's card page, not signed in"))
@then(parsers.parse("{name}さんはサインインできず、カードのページにとどまる"))
def stays_on_card_page(cast: Cast, name: str) -> None:
    resident = cast.resident(name)
    assert resident.on_card_page(), resident.page.url
    assert not resident.was_shown("/consent/")


# -- the municipal counter ------------------------------------------------------------------------


@when("the counter clerk signs in with the staff password and a code from the authenticator app")
def clerk_signs_in(cast: Cast) -> None:
    clerk = cast.clerk()
    clerk.sign_in()
    assert clerk.signed_in(), clerk.page.url


@when(re_(r"the counter clerk looks up {NAME}'s card"))
def clerk_looks_up(cast: Cast, name: str) -> None:
    _holder, roman = holder_of(name)
    cast.clerk().find_card(roman)


@then(re_(r'the counter clerk sees that {NAME}\'s PIN is "(?P<status>[^"]+)"'))
def clerk_sees_pin_status(cast: Cast, name: str, status: str) -> None:
    holder, _roman = holder_of(name)
    assert cast.clerk().pin_status(holder) == status


@when(
    re_(
        r"the counter clerk resets {NAME}'s PIN to (?P<pin>\d{4}), "
        r"having seen {PRONOUN} identity document"
    )
)
def clerk_resets_pin(cast: Cast, name: str, pin: str) -> None:
    holder, _roman = holder_of(name)
    cast.clerk().reset_pin(holder, pin)


@then(re_(r'the counter clerk sees "(?P<title>[^"]+)"'))
def clerk_sees(cast: Cast, title: str) -> None:
    assert cast.clerk().confirmation() == title


# -- pairwise identifiers ---------------------------------------------------------------------


@then(re_(r"{NAME} has these identifiers, where the same letter means the same identifier:"))
def identifiers(cast: Cast, name: str, datatable: list[list[str]]) -> None:
    resident = cast.resident(name)
    header, *rows = datatable
    assert header == ["service", "identifier"], header
    seen: dict[str, str] = {}
    for service, _letter in rows:
        resident.go_to(service)
        assert not resident.was_shown("/login/"), f"the card was asked for at {service}"
        _signed_in_at(resident, service)
        seen[service] = resident.identifier()
        assert len(seen[service]) >= 20, seen  # an opaque identifier, not a name or number
    for service, letter in rows:
        for other, other_letter in rows:
            same = seen[service] == seen[other]
            assert same == (letter == other_letter), (service, other, seen)


# -- outside services: consent ----------------------------------------------------------------


@when(re_(r"{NAME} signs in to (?P<bank>.+) with Madoguchi ID"))
@when(re_(r"{NAME} signs in to (?P<bank>.+) again"))
@when(parsers.parse("{name}さんが窓口IDで{bank}にサインインする"))
def signs_in_to_bank(cast: Cast, name: str, bank: str) -> None:
    cast.resident(name).follow(cast.outside_service(bank).sign_in_url())


@then(re_(r"Madoguchi ID asks {NAME} to share these details with (?P<bank>.+):"))
def asked_to_share(cast: Cast, name: str, bank: str, datatable: list[list[str]]) -> None:
    resident = cast.resident(name)
    assert resident.on_consent_page(), resident.page.url
    assert bank in resident.consent_title()
    assert resident.details_asked_for() == [row[0] for row in datatable]


@then(re_(r"Madoguchi ID asks {NAME} again to share {PRONOUN} details with (?P<bank>.+)"))
def asked_again(cast: Cast, name: str, bank: str) -> None:
    resident = cast.resident(name)
    assert resident.on_consent_page(), resident.page.url
    assert bank in resident.consent_title()


@when(re_(r"{NAME} agrees to share them"))
def agrees(cast: Cast, name: str) -> None:
    cast.resident(name).agree_to_share()


@then(re_(r'(?P<bank>.+) knows {NAME} as "(?P<full_name>[^"]+)"'))
def bank_knows(cast: Cast, name: str, bank: str, full_name: str) -> None:
    resident, party = cast.resident(name), cast.outside_service(bank)
    assert party.owns(resident.page.url), resident.page.url
    outcome = party.last_outcome()
    assert outcome.signed_in, outcome.error
    assert outcome.userinfo is not None
    assert outcome.userinfo["name"] == full_name, outcome.userinfo


@then(re_(r"Madoguchi ID does not ask {NAME} to agree again"))
def not_asked_again(cast: Cast, name: str) -> None:
    resident = cast.resident(name)
    assert not resident.was_shown("/consent/")
    assert not resident.was_shown("/login/")


@then(re_(r"Madoguchi ID does not ask {NAME} to agree to anything"))
def never_asked(cast: Cast, name: str) -> None:
    assert not cast.resident(name).was_shown("/consent/")


@when(re_(r"{NAME} withdraws {PRONOUN} agreement with (?P<bank>.+) on {PRONOUN} account page"))
def withdraws(cast: Cast, name: str, bank: str) -> None:
    resident = cast.resident(name)
    assert bank in resident.agreements()
    resident.withdraw_agreement(bank)
    assert bank not in resident.agreements()


@then(re_(r"(?P<bank>.+) can no longer read {NAME}'s details"))
def bank_locked_out(cast: Cast, name: str, bank: str) -> None:
    party = cast.outside_service(bank)
    tokens = [o.access_token for o in party.outcomes if o.access_token]
    assert tokens
    assert all(party.read_userinfo(token) is None for token in tokens)


# -- outside services: signing --------------------------------------------------------------------


@when(
    re_(r'{NAME} starts signing (?P<bank>.+)\'s "(?P<purpose>[^"]+)" with Madoguchi ID'),
    target_fixture="submission",
)
@when(
    parsers.parse("{name}さんが{bank}の「{purpose}」に窓口IDで署名しようとする"),
    target_fixture="submission",
)
def starts_signing(cast: Cast, name: str, bank: str, purpose: str) -> Document:
    holder, _roman = holder_of(name)
    document = Document(
        purpose=purpose,
        content=f"{bank}\n{purpose}\n申込者: {holder}\n(fictional)\n".encode(),
    )
    cast.resident(name).follow(cast.outside_service(bank).sign_in_url(document))
    return document


@then(re_(r"Madoguchi ID shows {NAME} what (?:he|she) is signing, with its fingerprint"))
def shows_what_is_signed(cast: Cast, name: str, submission: Document) -> None:
    resident = cast.resident(name)
    assert resident.on_signing_page(), resident.page.url
    facts = resident.signing_facts()
    assert facts["signer"] == resident.holder, facts
    assert facts["purpose"] == submission.purpose, facts
    assert facts["fingerprint"] == submission.digest, facts  # the text itself, no markup


@when(re_(r"{NAME} enters (?:his|her|the) signing password"))
@when(parsers.parse("{name}さんが署名用パスワードを入力する"))
def enters_signing_password(cast: Cast, name: str) -> None:
    cast.resident(name).enter_signing_password()


@when(re_(r"{NAME} chooses not to sign"))
@when(parsers.parse("{name}さんが署名しないことを選ぶ"))
def chooses_not_to_sign(cast: Cast, name: str) -> None:
    cast.resident(name).do_not_sign()


@then(
    re_(r'(?P<bank>.+) receives a signature by "(?P<signer>[^"]+)" over the document'),
    target_fixture="signature",
)
def bank_receives_signature(cast: Cast, bank: str, signer: str, submission: Document) -> Signature:
    party = cast.outside_service(bank)
    signature = party.check_signature(party.last_outcome(), submission)
    assert signature.signer == signer
    assert signature.purpose == submission.purpose
    return signature


@then("the signing certificate was issued by the JPKI certification authority")
def issued_by_jpki(signature: Signature) -> None:
    assert "JPKI" in signature.issuer, signature.issuer


@then(re_(r"(?P<bank>.+) receives no signature"))
@then(parsers.parse("{bank}は署名を受け取らない"))
def bank_receives_none(cast: Cast, bank: str) -> None:
    party = cast.outside_service(bank)
    outcome = party.last_outcome()
    assert not outcome.signed_in
    assert outcome.params.get("error") == "access_denied", outcome.params


# -- passkeys ---------------------------------------------------------------------------------


@given(re_(r"{NAME}'s phone can keep passkeys"))
def phone_with_passkeys(cast: Cast, name: str) -> None:
    cast.resident(name).use_a_device_with_passkeys()


@when(re_(r'{NAME} adds a passkey named "(?P<label>[^"]+)" on {PRONOUN} Madoguchi ID account page'))
def adds_passkey(cast: Cast, name: str, label: str) -> None:
    cast.resident(name).add_passkey(label)


@then(re_(r'{NAME}\'s Madoguchi ID account page lists the passkey "(?P<label>[^"]+)"'))
def lists_passkey(cast: Cast, name: str, label: str) -> None:
    resident = cast.resident(name)
    assert resident.passkeys() == [label]
    assert resident.passkeys_on_device() == 1


@when(re_(r"{NAME} signs in with {PRONOUN} passkey"))
def signs_in_with_passkey(cast: Cast, name: str) -> None:
    cast.resident(name).sign_in_with_passkey()


# -- signing out ------------------------------------------------------------------------------


@when(re_(r"{NAME} signs out on the (?P<service>\w+)(?: service)?"))
@when(parsers.parse("{name}さんが{service}でサインアウトする"))
def signs_out(cast: Cast, name: str, service: str) -> None:
    cast.resident(name).sign_out_on(service)


@then(re_(r'the (?P<service>\w+)(?: service)? tells {NAME} "(?P<message>[^"]+)"'))
def service_tells(cast: Cast, name: str, service: str, message: str) -> None:
    resident = cast.resident(name)
    assert resident.current_service() == instance(service), resident.page.url
    assert message in resident.main_text()


@then(re_(r"{NAME} is signed out of the (?P<service>\w+)(?: service)?"))
@then(parsers.parse("{name}さんは{service}のサービスからサインアウトしている"))
def signed_out_of(cast: Cast, name: str, service: str) -> None:
    assert not cast.resident(name).signed_in_at(service)


@then(re_(r"{NAME} is still signed in to the (?P<service>\w+)(?: service)?"))
def still_signed_in(cast: Cast, name: str, service: str) -> None:
    assert cast.resident(name).signed_in_at(service)
