"""X-Road identifiers and the X-Road-Client header (xroad.md §1.2, §1.3)."""

import pytest

from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.identifiers import (
    ClientId,
    InvalidIdentifier,
    ServiceId,
    identifier_problem,
    parse_client_header,
    parse_service_header,
)

RESIDENT = ClientId("JP-KIT", "GOV", "LG-139998", "resident")
INVALID_CLIENT = "Client.InvalidClientIdentifier"


def _refused(value: str | None) -> ExchangeError:
    with pytest.raises(ExchangeError) as info:
        parse_client_header(value)
    assert info.value.code == INVALID_CLIENT
    assert info.value.status == 400
    return info.value


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("JP-KIT/GOV/LG-139998/resident", RESIDENT),
        ("  JP-KIT/GOV/LG-139998/resident\t", RESIDENT),
        ("JP-KIT/GOV/LG%2D139998/resident", RESIDENT),
        ("jp-kit/gov/lg-139998/Resident", ClientId("jp-kit", "gov", "lg-139998", "Resident")),
        ("EE/COM/12345678/what%3F", ClientId("EE", "COM", "12345678", "what?")),
        ("EE/COM/A%2CB/x=1", ClientId("EE", "COM", "A,B", "x=1")),
        ("EE/COM/it's/(a)+b.c", ClientId("EE", "COM", "it's", "(a)+b.c")),
        ("1/2/3/4", ClientId("1", "2", "3", "4")),
    ],
)
def test_a_four_part_client_header_is_parsed_with_each_part_decoded(
    header: str, expected: ClientId
) -> None:
    assert parse_client_header(header) == expected


@pytest.mark.parametrize(
    "client",
    [
        RESIDENT,
        ClientId("EE", "COM", "what?", "x=1"),
        ClientId("EE", "COM", "it's", "(a)+b,c.d-e"),
        ClientId("A", "B", "C", "''''"),
    ],
)
def test_a_client_round_trips_through_its_header_form(client: ClientId) -> None:
    header = str(client)
    assert header.count("/") == 3
    assert parse_client_header(header) == client


@pytest.mark.parametrize(
    ("client", "header"),
    [
        (RESIDENT, "JP-KIT/GOV/LG-139998/resident"),
        (ClientId("EE", "COM", "what?", "x=1"), "EE/COM/what%3F/x=1"),
        (ClientId("EE", "COM", "it's", "(a)+b,c"), "EE/COM/it's/(a)+b,c"),
    ],
)
def test_each_part_is_percent_encoded_on_its_own(client: ClientId, header: str) -> None:
    assert str(client) == header


@pytest.mark.parametrize("value", [None, "", "   ", "\t"])
def test_a_missing_client_header_is_an_invalid_client_identifier(value: str | None) -> None:
    assert "missing" in _refused(value).message


@pytest.mark.parametrize(
    ("header", "parts"),
    [
        ("JP-KIT", 1),
        ("JP-KIT/GOV", 2),
        ("JP-KIT/GOV/LG-139998", 3),
        ("JP-KIT/GOV/LG-139998/resident/extra", 5),
        ("JP-KIT/GOV/LG-139998/resident/basic4/v1", 6),
        ("JP-KIT%2FGOV%2FLG-139998%2Fresident", 1),
    ],
)
def test_a_client_header_without_exactly_four_parts_is_refused(header: str, parts: int) -> None:
    assert f"not {parts} parts" in _refused(header).message


@pytest.mark.parametrize(
    "header",
    [
        "JP-KIT//LG-139998/resident",
        "/GOV/LG-139998/resident",
        "JP-KIT/GOV/LG-139998/",
        "JP-KIT/GOV/LG-139998/ ",
    ],
)
def test_an_empty_part_is_refused(header: str) -> None:
    _refused(header)


@pytest.mark.parametrize(
    ("encoded", "char"),
    [
        ("a%2Fb", "/"),
        ("a%2fb", "/"),
        ("a\\b", "\\"),
        ("a%5Cb", "\\"),
        ("a;b", ";"),
        ("a%3Bb", ";"),
        ("a%25b", "%"),
        ("a:b", ":"),
        ("a_b", "_"),
        ("a b", " "),
        ("a%20b", " "),
        ("a%09b", "\t"),
        ("a%00b", "\x00"),
        ("a%0Ab", "\n"),
        ("a%0D%0Ab", "\r"),
        ("a%7Fb", "\x7f"),
        ("a%E2%80%8Bb", "\u200b"),
        ("%EF%BB%BFab", "\ufeff"),
        ("caf%C3%A9", "é"),
        ("東京", "東"),
        ("a#b", "#"),
        ("a*b", "*"),
        ("a&b", "&"),
        ("a@b", "@"),
        ("a!b", "!"),
        ("a~b", "~"),
        ("a[b", "["),
        ("a$b", "$"),
        ('a"b', '"'),
        ("a<b", "<"),
    ],
)
@pytest.mark.parametrize("position", range(4))
def test_a_forbidden_character_in_any_part_is_refused(
    encoded: str, char: str, position: int
) -> None:
    parts = ["JP-KIT", "GOV", "LG-139998", "resident"]
    parts[position] = encoded
    message = _refused("/".join(parts)).message
    assert f"U+{ord(char):04X}" in message
    assert ["instance", "member class", "member code", "subsystem code"][position] in message


@pytest.mark.parametrize("escape", ["%", "a%", "a%4", "a%zzb", "a%G1", "%C3", "%FF", "%C0%AE"])
def test_a_malformed_escape_or_invalid_utf8_is_refused(escape: str) -> None:
    assert "percent-encoded" in _refused(f"JP-KIT/GOV/{escape}/resident").message


@pytest.mark.parametrize("part", [".", "..", "%2E", "%2e%2E"])
def test_dot_segments_are_not_identifiers(part: str) -> None:
    assert "may not be" in _refused(f"JP-KIT/GOV/{part}/resident").message


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("LG-139998", None),
        ("'()+,-.=?", None),
        ("...", None),
        ("", "is empty"),
        ("a/b", "'/' (U+002F SOLIDUS)"),
        ("a\x00", "(U+0000)"),
        ("a\u200b", "(U+200B ZERO WIDTH SPACE)"),
        ("a b", "(U+0020 SPACE)"),
    ],
)
def test_identifier_problem_names_the_offending_character(value: str, problem: str | None) -> None:
    found = identifier_problem(value)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_identifiers_are_case_sensitive() -> None:
    assert ClientId("JP-KIT", "GOV", "a", "s") != ClientId("jp-kit", "GOV", "a", "s")
    assert parse_client_header("JP-KIT/GOV/a/S") != parse_client_header("JP-KIT/GOV/a/s")


@pytest.mark.parametrize(
    "parts",
    [
        ("JP-KIT", "GOV", "a/b", "s"),
        ("JP-KIT", "GOV", "", None),
        ("JP-KIT", "GOV", "a", ""),
        ("JP KIT", "GOV", "a", "s"),
        ("JP-KIT", "GOV", "..", "s"),
    ],
)
def test_a_client_built_in_code_is_checked_too(parts: tuple[str, str, str, str | None]) -> None:
    with pytest.raises(InvalidIdentifier):
        ClientId(*parts)


def test_a_member_is_a_client_without_subsystem() -> None:
    member = RESIDENT.member
    assert member == ClientId("JP-KIT", "GOV", "LG-139998")
    assert member.subsystem_code is None
    assert not member.is_subsystem
    assert member.object_type == "MEMBER"
    assert RESIDENT.object_type == "SUBSYSTEM"
    assert member.parts == ("JP-KIT", "GOV", "LG-139998")
    assert str(member) == "JP-KIT/GOV/LG-139998"
    assert member.member == member


def test_a_service_is_a_subsystem_and_a_code() -> None:
    service = ServiceId(RESIDENT, "basic4")
    assert service.parts == ("JP-KIT", "GOV", "LG-139998", "resident", "basic4")
    assert str(service) == "JP-KIT/GOV/LG-139998/resident/basic4"
    assert str(ServiceId(ClientId("EE", "COM", "a?", "b"), "c=d")) == "EE/COM/a%3F/b/c=d"


@pytest.mark.parametrize("code", ["", "BAR/SERVICE", "get_person", "..", "a b"])
def test_a_service_code_follows_the_same_rules(code: str) -> None:
    with pytest.raises(InvalidIdentifier):
        ServiceId(RESIDENT, code)


def test_a_service_of_a_member_without_subsystem_is_refused() -> None:
    with pytest.raises(InvalidIdentifier, match="subsystem"):
        ServiceId(RESIDENT.member, "basic4")


@pytest.mark.parametrize(
    "service",
    [
        ServiceId(RESIDENT, "basic4"),
        ServiceId(ClientId("EE", "COM", "what?", "x=1"), "(v2)"),
    ],
)
def test_a_service_round_trips_through_its_header_form(service: ServiceId) -> None:
    assert parse_service_header(str(service)) == service


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "JP-KIT/GOV/LG-139998/resident",
        "JP-KIT/GOV/LG-139998/resident/basic4/v1",
        "JP-KIT/GOV/LG-139998/resident/BAR%2FSERVICE",
        "JP-KIT/GOV/LG-139998/resident/%zz",
    ],
)
def test_a_malformed_service_header_is_refused_with_the_code_asked_for(header: str | None) -> None:
    with pytest.raises(ExchangeError) as info:
        parse_service_header(header)
    assert info.value.code == "Client.BadRequest"
    with pytest.raises(ExchangeError) as info:
        parse_service_header(header, code="Server.ClientProxy.InconsistentResponse")
    assert info.value.code == "Server.ClientProxy.InconsistentResponse"
    assert info.value.status == 500
