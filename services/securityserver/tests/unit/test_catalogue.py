"""Reading a security server's catalogue: services, their settings and default-deny rights."""

from __future__ import annotations

import pytest

from securityserver.catalogue import CatalogueError, parse
from securityserver.protocol.access import GroupId, allowed
from securityserver.protocol.identifiers import ClientId, ServiceId

LG = ClientId("JP-KIT", "GOV", "LG-139998")
RESIDENCE = ClientId("JP-KIT", "GOV", "LG-139998", "residence")
PENSION = ClientId("JP-KIT", "GOV", "JPS", "pension")
COMPANY = ClientId("JP-KIT", "GOV", "MOJ", "company")
URLS = {"residence_url": "http://localhost:8011"}

CATALOGUE = """
[[services]]
subsystem = "residence"
code = "basic-four"
base_url = "{residence_url}/exchange/basic-four/"
timeout = 5
openapi = "{residence_url}/exchange/openapi.json"

[[services.rights]]
client = "JP-KIT/GOV/JPS/pension"
method = "get"
path = "/people/*"

[[services.rights]]
group = "statutory-users"
path = "/people/*/household"

[[services]]
subsystem = "residence"
code = "still-here"
base_url = "http://localhost:8011/exchange/still-here"
enabled = false
notice = "Closed for maintenance until 10:00"
"""


def test_a_catalogue_lists_services_with_their_settings() -> None:
    catalogue = parse(CATALOGUE, member=LG, urls=URLS)
    basic = catalogue.service(ServiceId(RESIDENCE, "basic-four"))
    assert basic is not None
    assert basic.base_url == "http://localhost:8011/exchange/basic-four"
    assert basic.timeout == 5.0
    assert basic.openapi_url == "http://localhost:8011/exchange/openapi.json"
    assert basic.enabled
    closed = catalogue.service(ServiceId(RESIDENCE, "still-here"))
    assert closed is not None
    assert not closed.enabled
    assert closed.notice == "Closed for maintenance until 10:00"
    assert closed.timeout == 30.0
    assert catalogue.subsystems == (RESIDENCE,)


def test_rights_are_default_deny_and_limited_to_their_endpoints() -> None:
    catalogue = parse(CATALOGUE, member=LG, urls=URLS)
    basic = ServiceId(RESIDENCE, "basic-four")
    rights = catalogue.rights
    assert allowed(rights, PENSION, [], basic, "GET", "/people/123")
    assert not allowed(rights, PENSION, [], basic, "POST", "/people/123")
    assert not allowed(rights, PENSION, [], basic, "GET", "/people/123/household")
    assert not allowed(rights, COMPANY, [], basic, "GET", "/people/123")
    statutory = [GroupId("statutory-users", "JP-KIT")]
    assert allowed(rights, COMPANY, statutory, basic, "DELETE", "/people/123/household")
    assert not allowed(rights, PENSION, [], ServiceId(RESIDENCE, "still-here"), "GET", "/")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("[[services]\n", "not TOML"),
        ("version = 2\n", "unknown top-level keys: version"),
        ('[[services]]\nsubsystem = "residence"\n', "services[0].code: a non-empty string"),
        (
            '[[services]]\nsubsystem = "resi_dence"\ncode = "x"\nbase_url = "http://a"\n',
            "services[0]: The subsystem code contains the forbidden character '_'",
        ),
        (
            '[[services]]\nsubsystem = "r"\ncode = "listMethods"\nbase_url = "http://a"\n',
            "is a metaservice name",
        ),
        (
            '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "{nowhere_url}/x"\n',
            "unknown placeholder 'nowhere_url'",
        ),
        (
            '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "ftp://a/x"\n',
            "is not an http(s) URL",
        ),
        (
            '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "http://a"\ntimeout = 0\n',
            "services[0].timeout: more than 0",
        ),
        (
            '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "http://a"\nenabled = "no"\n',
            "services[0].enabled: true or false",
        ),
        (
            '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "http://a"\ncolour = 1\n',
            "services[0]: unknown keys colour",
        ),
        (
            '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "http://a"\n'
            '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "http://b"\n',
            "services[1]: JP-KIT/GOV/LG-139998/r/x is offered twice",
        ),
    ],
)
def test_a_wrong_service_is_named(text: str, complaint: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse(text, member=LG, urls=URLS)
    assert complaint in str(caught.value)


SERVICE = '[[services]]\nsubsystem = "r"\ncode = "x"\nbase_url = "http://a"\n'


@pytest.mark.parametrize(
    ("right", "complaint"),
    [
        ('method = "GET"\n', "name either a client subsystem or a group"),
        ('client = "JP-KIT/GOV/JPS/pension"\ngroup = "g"\n', "name either"),
        ('client = "JP-KIT/GOV/JPS"\n', "rights[0].client: INSTANCE/CLASS/MEMBER/SUBSYSTEM"),
        ('client = "JP-KIT/GOV/JPS/pen sion"\n', "forbidden character"),
        ('client = "JP-KIT/GOV/JPS/pension"\nmethod = "FETCH"\n', "not an HTTP method"),
        ('client = "JP-KIT/GOV/JPS/pension"\npath = "/a/../b"\n', "may not contain '..'"),
        ('client = "JP-KIT/GOV/JPS/pension"\npath = "people"\n', "starts with '/'"),
    ],
)
def test_a_wrong_right_is_named(right: str, complaint: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse(SERVICE + "[[services.rights]]\n" + right, member=LG, urls=URLS)
    assert "services[0].rights[0]" in str(caught.value)
    assert complaint in str(caught.value)


def test_an_empty_catalogue_offers_nothing() -> None:
    catalogue = parse("", member=LG, urls=URLS)
    assert catalogue.services == {}
    assert catalogue.rights == ()


def test_a_catalogue_reaches_a_service_the_kit_gained_later(tmp_path) -> None:
    from securityserver.runtime import load_catalogue
    from securityserver.settings import SecurityServerSettings

    path = tmp_path / "catalogue.toml"
    path.write_text(
        '[[services]]\nsubsystem = "library"\ncode = "cards"\n'
        'base_url = "{library_url}/exchange/cards"\n',
        encoding="utf-8",
    )
    settings = SecurityServerSettings.from_env(
        {
            "SECURITYSERVER_SECRET_KEY": "x" * 48,
            "SECURITYSERVER_MEMBER": "GOV/LG-139998",
            "SECURITYSERVER_CATALOGUE": str(path),
            "KIT_LIBRARY_URL": "http://localhost:8016",
        }
    )
    library = ClientId("JP-KIT", "GOV", "LG-139998", "library")
    cards = load_catalogue(settings).service(ServiceId(library, "cards"))
    assert cards is not None
    assert cards.base_url == "http://localhost:8016/exchange/cards"
