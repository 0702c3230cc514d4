"""The IS-facing request target /r1/{service id}[/path][?query], parsed raw (xroad.md §1.3)."""

import pytest

from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.identifiers import ClientId, ServiceId
from securityserver.protocol.request import (
    METHODS,
    RESERVED_SERVICE_CODES,
    check_method,
    parse_path,
    parse_target,
    split_target,
)

BASIC4 = ServiceId(ClientId("JP-KIT", "GOV", "LG-139998", "resident"), "basic4")
BASE = "/r1/JP-KIT/GOV/LG-139998/resident/basic4"


def _fault(target: str) -> ExchangeError:
    with pytest.raises(ExchangeError) as info:
        parse_target(target)
    return info.value


def _bad_request(target: str) -> ExchangeError:
    error = _fault(target)
    assert error.code == "Client.BadRequest"
    assert error.status == 400
    return error


@pytest.mark.parametrize(
    ("target", "service_path", "query"),
    [
        (BASE, "", None),
        (BASE + "/", "/", None),
        (BASE + "?", "", ""),
        (BASE + "/?", "/", ""),
        (BASE + "/v1/people/123", "/v1/people/123", None),
        (BASE + "/v1/people/a%2Fb%20c", "/v1/people/a%2Fb%20c", None),
        (BASE + "/v1//people/", "/v1//people/", None),
        (BASE + "/v1/../admin", "/v1/../admin", None),
        (BASE + "/v1/x?a=1&b=%2F&c", "/v1/x", "a=1&b=%2F&c"),
        (BASE + "?a=1&a=2&a=%E6%9D%B1", "", "a=1&a=2&a=%E6%9D%B1"),
        (BASE + "/x?q=a?b/c", "/x", "q=a?b/c"),
        (BASE + "/x?q=+%2B+", "/x", "q=+%2B+"),
        (BASE + "/%7Euser/a;b=c,d", "/%7Euser/a;b=c,d", None),
    ],
)
def test_the_service_path_and_query_are_kept_byte_for_byte(
    target: str, service_path: str, query: str | None
) -> None:
    parsed = parse_target(target)

    assert parsed.service == BASIC4
    assert parsed.service_path == service_path
    assert parsed.query == query
    assert parsed.raw_target == target
    assert parsed.provider_target == target.removeprefix(BASE)


@pytest.mark.parametrize(
    ("target", "service"),
    [
        (
            "/r1/EE/COM/what%3F/x%3D1/get%28v2%29",
            ServiceId(ClientId("EE", "COM", "what?", "x=1"), "get(v2)"),
        ),
        (
            "/r1/EE/COM/what%3f/x=1/a'b",
            ServiceId(ClientId("EE", "COM", "what?", "x=1"), "a'b"),
        ),
        ("/r1/JP-KIT/GOV/LG%2D139998/resident/basic4", BASIC4),
    ],
)
def test_each_id_part_is_percent_decoded_on_its_own(target: str, service: ServiceId) -> None:
    assert parse_target(target).service == service


@pytest.mark.parametrize(
    "service",
    [BASIC4, ServiceId(ClientId("EE", "COM", "what?", "(x)"), "get=1")],
)
def test_a_service_round_trips_through_the_url(service: ServiceId) -> None:
    parsed = parse_target(f"/r1/{service}/v1/x?y=1")
    assert parsed.service == service
    assert parsed.service_path == "/v1/x"


def test_the_path_and_query_may_be_given_apart() -> None:
    parsed = parse_path(BASE + "/v1", "a=1")
    assert (parsed.service, parsed.service_path, parsed.query) == (BASIC4, "/v1", "a=1")
    assert parse_path(BASE).query is None
    assert split_target(BASE + "?x?y") == (BASE, "x?y")
    assert split_target(BASE) == (BASE, None)


@pytest.mark.parametrize(
    "target",
    [
        "/r2/JP-KIT/GOV/LG-139998/resident/basic4",
        "/r0/JP-KIT/GOV/LG-139998/resident/basic4",
        "/r10/JP-KIT/GOV/LG-139998/resident/basic4",
        "/r2",
        "/r2/",
        "/r9/a/b?c",
    ],
)
def test_another_protocol_version_is_an_invalid_protocol_version(target: str) -> None:
    error = _fault(target)
    assert error.code == "Client.InvalidProtocolVersion"
    assert error.status == 400


@pytest.mark.parametrize(
    "target",
    [
        "",
        "/",
        "//r1/JP-KIT/GOV/LG-139998/resident/basic4",
        "r1/JP-KIT/GOV/LG-139998/resident/basic4",
        "/R1/JP-KIT/GOV/LG-139998/resident/basic4",
        "/v1/JP-KIT/GOV/LG-139998/resident/basic4",
        "/rest/JP-KIT/GOV/LG-139998/resident/basic4",
        "/r1x/JP-KIT/GOV/LG-139998/resident/basic4",
        "http://ss/r1/JP-KIT/GOV/LG-139998/resident/basic4",
    ],
)
def test_a_path_that_is_not_the_r1_shape_is_a_bad_request(target: str) -> None:
    _bad_request(target)


@pytest.mark.parametrize(
    "target",
    [
        "/r1",
        "/r1/",
        "/r1/JP-KIT",
        "/r1/JP-KIT/GOV",
        "/r1/JP-KIT/GOV/LG-139998",
        "/r1/JP-KIT/GOV/LG-139998/resident",
        "/r1/JP-KIT/GOV/LG-139998/resident?x=/a/b",
    ],
)
def test_too_few_path_parts_is_a_bad_request(target: str) -> None:
    assert "of the 5 service-id parts" in _bad_request(target).message


@pytest.mark.parametrize(
    "target",
    [
        "/r1/JP-KIT%2FGOV%2FLG-139998%2Fresident%2Fbasic4",
        "/r1/JP-KIT%2fGOV%2fLG-139998%2fresident%2fbasic4",
        "/r1/JP-KIT%2FGOV%2FLG-139998%2Fresident%2Fbasic4/v1/people",
        "/r1/JP-KIT/GOV%2FLG-139998%2Fresident%2Fbasic4",
    ],
)
def test_a_whole_id_encoded_as_one_segment_is_a_bad_request(target: str) -> None:
    assert "not the whole id as one segment" in _bad_request(target).message


@pytest.mark.parametrize(
    "target",
    [
        "/r1/JP-KIT%2FGOV/LG-139998/resident/basic4/x/y",
        "/r1/JP-KIT/GOV/LG-139998/resident/BAR%2FSERVICE",
        "/r1/JP-KIT/GOV/LG-139998/resident%2Fbasic4/v1",
        "/r1/JP-KIT/GOV/LG-139998/resident/basic4%2Fv1",
    ],
)
def test_an_encoded_slash_inside_an_id_part_is_a_forbidden_character(target: str) -> None:
    assert "U+002F" in _bad_request(target).message


@pytest.mark.parametrize(
    "target",
    [
        "/r1/JP-KIT//LG-139998/resident/basic4",
        "/r1/JP-KIT/GOV/LG-139998/resident/",
        "/r1/JP-KIT/GOV/LG-139998/resident//x",
        "/r1/JP-KIT/GOV/LG_139998/resident/basic4",
        "/r1/JP-KIT/GOV/LG-139998/resident/get;v=1",
        "/r1/JP-KIT/GOV/LG-139998/resident/a%3Ab",
        "/r1/JP-KIT/GOV/LG-139998/resident/a%00",
        "/r1/JP-KIT/GOV/LG-139998/resident/a%5Cb",
        "/r1/JP-KIT/GOV/LG-139998/resident/a%25",
        "/r1/JP-KIT/GOV/LG-139998/resident/a%zz",
        "/r1/JP-KIT/GOV/LG-139998/resident/%E2%80%8B",
        "/r1/JP-KIT/GOV/../resident/basic4",
        "/r1/JP-KIT/GOV/%2e%2e/resident/basic4",
    ],
)
def test_a_bad_id_part_is_a_bad_request(target: str) -> None:
    _bad_request(target)


@pytest.mark.parametrize(
    "target",
    [
        BASE + "/a b",
        BASE + "/a\r\nX-Injected: 1",
        BASE + "/a\x00",
        BASE + "/a\tb",
        BASE + "/caf\u00e9",
        BASE + "/x#frag",
        BASE + "?a=1 HTTP/1.1\r\nHost: evil",
        BASE + "?a=\x7f",
        BASE + "?a=\u6771",
        "/r1/JP KIT/GOV/LG-139998/resident/basic4",
    ],
)
def test_characters_never_allowed_raw_in_a_target_are_a_bad_request(target: str) -> None:
    assert "not allowed raw" in _bad_request(target).message


@pytest.mark.parametrize(
    ("code", "meta"),
    [("listMethods", True), ("allowedMethods", True), ("getOpenAPI", True), ("basic4", False)],
)
def test_metaservice_calls_are_recognised(code: str, meta: bool) -> None:
    parsed = parse_target(f"/r1/JP-KIT/GOV/LG-139998/resident/{code}")
    assert parsed.is_metaservice is meta
    assert parsed.provider == BASIC4.provider


def test_metaservice_codes_are_reserved() -> None:
    assert {"listClients", "listMethods", "allowedMethods", "getOpenAPI"} <= RESERVED_SERVICE_CODES


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_http_method_of_the_spec_is_accepted(method: str) -> None:
    assert check_method(method) == method


@pytest.mark.parametrize("method", ["get", "Post", "CONNECT", "PROPFIND", "", "GET "])
def test_other_methods_are_a_bad_request(method: str) -> None:
    with pytest.raises(ExchangeError) as info:
        check_method(method)
    assert (info.value.code, info.value.status) == ("Client.BadRequest", 400)


@pytest.mark.parametrize(
    "target",
    [
        "/r1/JP-KIT/GOV/LG-139998/resident/basic4/people/%zz",
        "/r1/JP-KIT/GOV/LG-139998/resident/basic4/people/50%",
        "/r1/JP-KIT/GOV/LG-139998/resident/basic4/people?q=%g1",
        "/r1/JP-KIT/GOV/LG-139998/resident/basic4?discount=10%",
    ],
)
def test_a_percent_that_starts_no_escape_is_a_bad_request(target: str) -> None:
    """HTTP libraries would turn it into %25 on the way on: refused rather than altered."""
    _bad_request(target)
