"""Access rights: default deny, method + path glob, subsystems and groups (xroad.md §3.6)."""

import pytest

from securityserver.protocol.access import (
    AccessRight,
    Endpoint,
    GroupId,
    allowed,
    allowed_endpoints,
    allowed_services,
    check_access,
    glob_matches,
    normalise_path,
)
from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.identifiers import ClientId, ServiceId

RESIDENT = ClientId("JP-KIT", "GOV", "LG-139998", "resident")
BASIC4 = ServiceId(RESIDENT, "basic4")
MOVES = ServiceId(RESIDENT, "moves")
OTHER_PROVIDER = ServiceId(ClientId("JP-KIT", "GOV", "LG-131016", "resident"), "basic4")
CHILDCARE = ClientId("JP-KIT", "GOV", "LG-131016", "childcare")
PENSION = ClientId("JP-KIT", "GOV", "JPS", "pension")
COMPANY = ClientId("JP-KIT", "COM", "1234567890123", "registry")
MUNICIPALITIES = GroupId("municipalities", "JP-KIT")
LOCAL_MUNICIPALITIES = GroupId("municipalities")


def _bad_request(raw: str) -> ExchangeError:
    with pytest.raises(ExchangeError) as info:
        normalise_path(raw)
    assert (info.value.code, info.value.status) == ("Client.BadRequest", 400)
    return info.value


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        ("/people", "/people"),
        ("/people/", "/people/"),
        ("/people//123", "/people/123"),
        ("///people", "/people"),
        ("/people/./123", "/people/123"),
        ("/./people", "/people"),
        ("/people/.", "/people/"),
        ("/people/%2E/123", "/people/123"),
        ("/a%20b", "/a b"),
        ("/%41%42", "/AB"),
        ("/a+b", "/a+b"),
        ("/%E6%9D%B1%E4%BA%AC", "/東京"),
        ("/a/.../b", "/a/.../b"),
        ("/a..b/c", "/a..b/c"),
        ("/..a", "/..a"),
        ("/a%2Fb", "/a/b"),
        ("/a%2F%2Fb", "/a/b"),
    ],
)
def test_a_path_is_decoded_and_normalised_before_matching(raw: str, normalised: str) -> None:
    assert normalise_path(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "/..",
        "/../admin",
        "/people/../admin",
        "/people/..",
        "/people/../../etc/passwd",
        "/people/.%2e/admin",
        "/people/%2e./admin",
        "/people/%2e%2e/admin",
        "/people/%2E%2E/admin",
        "/people/%2e%2e",
        "/people%2F..%2Fadmin",
        "/people%2f%2e%2e%2fadmin",
        "/people/..\\admin",
        "/people\\..\\admin",
        "/people/..%5Cadmin",
        "/people%5C..%5Cadmin",
        "/people/%252e%252e/admin",
        "/people/%252E%252E",
        "/people%252F..%252Fadmin",
        "//..//admin",
    ],
)
def test_path_traversal_in_raw_and_encoded_forms_is_refused(raw: str) -> None:
    assert "'..'" in _bad_request(raw).message


@pytest.mark.parametrize("raw", ["/a\x00b", "/a%00b", "/%00", "/a/%2500", "/%25%30%30"])
def test_a_nul_byte_is_refused(raw: str) -> None:
    assert "NUL" in _bad_request(raw).message


@pytest.mark.parametrize("raw", ["/%", "/a%2", "/%zz", "/%C0%AE%C0%AE", "/%FF", "/%E6%9D"])
def test_a_bad_escape_or_invalid_utf8_is_refused(raw: str) -> None:
    assert "percent-encoded" in _bad_request(raw).message


@pytest.mark.parametrize("raw", ["people", "..", "%2F..", "?x"])
def test_a_path_not_starting_with_a_slash_is_refused(raw: str) -> None:
    _bad_request(raw)


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("/foo/*/bar", "/foo/x/bar", True),
        ("/foo/*/bar", "/foo/x/y/bar", False),
        ("/foo/*/bar", "/foo/bar", False),
        ("/foo/*", "/foo/x", True),
        ("/foo/*", "/foo/", True),
        ("/foo/*", "/foo", False),
        ("/foo/*", "/foo/x/", False),
        ("/foo/x*y", "/foo/xaby", True),
        ("/foo/x*y", "/foo/xa/by", False),
        ("/foo/**", "/foo", True),
        ("/foo/**", "/foo/", True),
        ("/foo/**", "/foo/a/b/c", True),
        ("/foo/**", "/foobar", False),
        ("/foo/**", "/fo", False),
        ("/foo/**/bar", "/foo/bar", True),
        ("/foo/**/bar", "/foo/a/b/bar", True),
        ("/foo/**/bar", "/foo/a/b/baz", False),
        ("/foo/**/bar", "/foobar", False),
        ("/foo**", "/foo/a/b", True),
        ("/foo**", "/foobar", True),
        ("**", "/", True),
        ("**", "/any/thing/at/all", True),
        ("/", "/", True),
        ("/", "/a", False),
        ("/a.b", "/a.b", True),
        ("/a.b", "/axb", False),
        ("/a+b", "/a+b", True),
        ("/a+b", "/aab", False),
        ("/a?b", "/axb", False),
        ("/a[bc]", "/ab", False),
        ("/a[bc]", "/a[bc]", True),
        ("/v1/people/*", "/v1/people/123", True),
        ("/v1/people/*", "/v1/people/123/address", False),
        ("/v1/people/*/address", "/v1/people/123/address", True),
        ("/People", "/people", False),
    ],
)
def test_glob_star_matches_one_segment_and_double_star_anything(
    glob: str, path: str, matches: bool
) -> None:
    assert glob_matches(glob, path) is matches


def _rights() -> list[AccessRight]:
    return [
        AccessRight(BASIC4, CHILDCARE, Endpoint("GET", "/v1/people/*")),
        AccessRight(BASIC4, CHILDCARE, Endpoint("POST", "/v1/people")),
        AccessRight(BASIC4, PENSION),
        AccessRight(MOVES, MUNICIPALITIES, Endpoint("*", "/v1/moves/**")),
        AccessRight(OTHER_PROVIDER, COMPANY),
    ]


@pytest.mark.parametrize(
    ("client", "groups", "service", "method", "path", "expected"),
    [
        # endpoint rights for a subsystem
        (CHILDCARE, set(), BASIC4, "GET", "/v1/people/123", True),
        (CHILDCARE, set(), BASIC4, "GET", "/v1/people/%31%32%33", True),
        (CHILDCARE, set(), BASIC4, "GET", "/v1//people/123", True),
        (CHILDCARE, set(), BASIC4, "POST", "/v1/people", True),
        # wrong method
        (CHILDCARE, set(), BASIC4, "DELETE", "/v1/people/123", False),
        (CHILDCARE, set(), BASIC4, "POST", "/v1/people/123", False),
        (CHILDCARE, set(), BASIC4, "HEAD", "/v1/people/123", False),
        (CHILDCARE, set(), BASIC4, "get", "/v1/people/123", False),
        # path outside the granted glob
        (CHILDCARE, set(), BASIC4, "GET", "/v1/people/123/address", False),
        (CHILDCARE, set(), BASIC4, "GET", "/v1/people", False),
        (CHILDCARE, set(), BASIC4, "GET", "/v2/people/123", False),
        (CHILDCARE, set(), BASIC4, "GET", "/v1/people/a%2Fb", False),
        (CHILDCARE, set(), BASIC4, "GET", "", False),
        # a service-level right: any method, any path
        (PENSION, set(), BASIC4, "DELETE", "/anything/at/all", True),
        (PENSION, set(), BASIC4, "GET", "", True),
        (PENSION, set(), BASIC4, "TRACE", "/", True),
        (PENSION, set(), BASIC4, "get", "/", False),
        (PENSION, set(), BASIC4, "CONNECT", "/", False),
        (PENSION, set(), BASIC4, "*", "/", False),
        # but only on that service, of that provider
        (PENSION, set(), MOVES, "GET", "/v1/moves/1", False),
        (PENSION, set(), OTHER_PROVIDER, "GET", "/", False),
        (CHILDCARE, set(), OTHER_PROVIDER, "GET", "/v1/people/123", False),
        # group rights
        (COMPANY, {MUNICIPALITIES}, MOVES, "PATCH", "/v1/moves/7/address", True),
        (COMPANY, {MUNICIPALITIES}, MOVES, "GET", "/v1/moves", True),
        (COMPANY, {MUNICIPALITIES}, MOVES, "GET", "/v1/movers", False),
        (COMPANY, set(), MOVES, "GET", "/v1/moves/1", False),
        (COMPANY, {LOCAL_MUNICIPALITIES}, MOVES, "GET", "/v1/moves/1", False),
        (COMPANY, {GroupId("municipalities", "OTHER")}, MOVES, "GET", "/v1/moves/1", False),
        # default deny
        (COMPANY, set(), BASIC4, "GET", "/v1/people/123", False),
        (CHILDCARE.member, set(), BASIC4, "GET", "/v1/people/123", False),
        (ClientId("JP-KIT", "GOV", "LG-131016", "Childcare"), set(), BASIC4, "GET", "/", False),
    ],
)
def test_access_is_granted_only_by_a_matching_right(
    client: ClientId,
    groups: set[GroupId],
    service: ServiceId,
    method: str,
    path: str,
    expected: bool,
) -> None:
    assert allowed(_rights(), client, groups, service, method, path) is expected


def test_nothing_is_allowed_without_rights() -> None:
    assert not allowed([], PENSION, {MUNICIPALITIES}, BASIC4, "GET", "/")


@pytest.mark.parametrize(
    "path",
    ["/v1/people/../admin", "/v1/people/%2e%2e/admin", "/v1/people/x/..", "/%2e%2e/%2e%2e"],
)
def test_traversal_is_refused_even_under_a_service_level_right(path: str) -> None:
    with pytest.raises(ExchangeError) as info:
        allowed(_rights(), PENSION, set(), BASIC4, "GET", path)
    assert (info.value.code, info.value.status) == ("Client.BadRequest", 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/v1/people/123"), ("GET", "/v1/people/123/address"), ("GET", "")],
)
def test_a_call_without_a_right_is_access_denied(method: str, path: str) -> None:
    with pytest.raises(ExchangeError) as info:
        check_access(_rights(), CHILDCARE, set(), BASIC4, method, path)
    assert info.value.code == "Server.ServerProxy.AccessDenied"
    assert info.value.status == 500
    assert info.value.message.startswith(
        "Request is not allowed: SERVICE:JP-KIT/GOV/LG-139998/resident/basic4"
    )


def test_a_call_with_a_right_passes_the_check() -> None:
    check_access(_rights(), CHILDCARE, set(), BASIC4, "GET", "/v1/people/123")


def test_allowed_endpoints_lists_what_the_client_may_call_once_each_sorted() -> None:
    rights = [*_rights(), AccessRight(BASIC4, CHILDCARE, Endpoint("GET", "/v1/people/*"))]
    assert allowed_endpoints(rights, CHILDCARE, set(), BASIC4) == [
        Endpoint("POST", "/v1/people"),
        Endpoint("GET", "/v1/people/*"),
    ]
    assert allowed_endpoints(rights, PENSION, set(), BASIC4) == [Endpoint("*", "**")]
    assert allowed_endpoints(rights, COMPANY, set(), BASIC4) == []
    assert allowed_endpoints(rights, COMPANY, {MUNICIPALITIES}, MOVES) == [
        Endpoint("*", "/v1/moves/**")
    ]


def test_allowed_services_lists_the_providers_services_open_to_the_client() -> None:
    rights = [*_rights(), AccessRight(MOVES, CHILDCARE, Endpoint("GET", "/v1/moves/*"))]
    assert allowed_services(rights, CHILDCARE, {MUNICIPALITIES}, RESIDENT) == {
        BASIC4: [Endpoint("POST", "/v1/people"), Endpoint("GET", "/v1/people/*")],
        MOVES: [Endpoint("GET", "/v1/moves/*"), Endpoint("*", "/v1/moves/**")],
    }
    assert list(allowed_services(rights, CHILDCARE, {MUNICIPALITIES}, RESIDENT)) == [BASIC4, MOVES]
    assert allowed_services(rights, CHILDCARE, set(), OTHER_PROVIDER.provider) == {}
    assert allowed_services(rights, COMPANY, set(), OTHER_PROVIDER.provider) == {
        OTHER_PROVIDER: [Endpoint("*", "**")]
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/x"),
        ("FETCH", "/x"),
        ("", "/x"),
        ("GET", "x"),
        ("GET", ""),
        ("GET", "/a/../b"),
        ("GET", "/a\\..\\b"),
        ("GET", "/a\x00"),
    ],
)
def test_an_endpoint_must_have_a_method_and_a_safe_glob(method: str, path: str) -> None:
    with pytest.raises(ValueError, match=r"HTTP method|path glob"):
        Endpoint(method, path)


def test_rights_are_granted_to_subsystems_or_groups_not_members() -> None:
    with pytest.raises(ValueError, match="subsystems or groups"):
        AccessRight(BASIC4, CHILDCARE.member)


@pytest.mark.parametrize(("code", "instance"), [("", None), ("a/b", None), ("ok", "JP KIT")])
def test_a_group_id_follows_the_identifier_rules(code: str, instance: str | None) -> None:
    with pytest.raises(ValueError, match=r"group code|instance"):
        GroupId(code, instance)


def test_a_group_reads_as_its_id() -> None:
    assert str(MUNICIPALITIES) == "JP-KIT/municipalities"
    assert str(LOCAL_MUNICIPALITIES) == "municipalities"
    assert MUNICIPALITIES != LOCAL_MUNICIPALITIES
