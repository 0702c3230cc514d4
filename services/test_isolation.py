"""Agencies reach each other only through their own security server (issue #5, DESIGN.md §5).

Three static checks over every service's source (tests excluded):

* no service imports another service's package;
* an agency service never names another agency service's address (``settings.residence_url``,
  ``KIT_RESIDENCE_URL``, ``localhost:8011``…): the only address it calls for agency data is
  its own security server's (``settings.security_server_url``);
* an agency service that calls the exchange builds its client with
  ``ExchangeClient.from_settings`` (its own security server), never with a hand-written URL.

Identity (idp) and trust are infrastructure every service may call (sign-in, certificates);
security servers and central are the exchange itself.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
#: The agencies' information systems and their default ports: the kit.toml services that reach
#: the exchange through a security server of their own (a service added there is checked too).
_KIT = tomllib.loads((REPOSITORY / "kit.toml").read_text(encoding="utf-8"))["services"]
AGENCIES = {name: int(spec["port"]) for name, spec in _KIT.items() if "security_server" in spec}
SERVICES = sorted(p.name for p in (REPOSITORY / "services").iterdir() if (p / "src").is_dir())


def _sources(service: str) -> list[Path]:
    return sorted((REPOSITORY / "services" / service / "src").rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_every_agency_of_kit_toml_is_checked() -> None:
    assert {"portal", "residence", "childcare", "company", "pension"} <= set(AGENCIES)
    assert set(AGENCIES) <= set(SERVICES)  # each one's source is under services/<name>/src


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service: str) -> None:
    others = set(SERVICES) - {service}
    offending = {
        f"{path.relative_to(REPOSITORY)} imports {name}"
        for path in _sources(service)
        for name in _imports(path) & others
    }
    assert not offending, sorted(offending)


def _addresses_of(others: set[str]) -> re.Pattern[str]:
    names = "|".join(sorted(others))
    ports = "|".join(str(AGENCIES[o]) for o in sorted(others))
    return re.compile(
        rf"\b(?:{names})_url\b|\bKIT_(?:{names.upper()})_URL\b|(?:localhost|127\.0\.0\.1):(?:{ports})\b",
        re.IGNORECASE,
    )


@pytest.mark.parametrize("service", sorted(AGENCIES))
def test_an_agency_never_names_another_agencys_address(service: str) -> None:
    pattern = _addresses_of(set(AGENCIES) - {service})
    offending = [
        f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}"
        for path in _sources(service)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offending, offending


@pytest.mark.parametrize("service", sorted(AGENCIES))
def test_exchange_clients_go_through_the_own_security_server(service: str) -> None:
    offending = []
    for path in _sources(service):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "ExchangeClient"
            ):
                offending.append(f"{path.relative_to(REPOSITORY)}:{node.lineno}")
    assert not offending, (
        f"build the client with ExchangeClient.from_settings(settings), not by hand: {offending}"
    )


def test_the_checks_catch_a_direct_call() -> None:
    """The address check is not vacuous: it sees the forms a direct call would take."""
    pattern = _addresses_of({"residence"})
    for line in (
        "requests.get(f'{settings.residence_url}/exchange/basic-four/residents/x')",
        "url = os.environ['KIT_RESIDENCE_URL']",
        "http.get('http://localhost:8011/exchange/basic-four')",
    ):
        assert pattern.search(line), line
    assert not pattern.search("client = ExchangeClient.from_settings(settings)")


def test_every_agency_is_given_its_own_security_server() -> None:
    import tomllib

    kit = tomllib.loads((REPOSITORY / "kit.toml").read_text(encoding="utf-8"))["services"]
    for agency in AGENCIES:
        server = kit[agency].get("security_server")
        assert server in kit, f"{agency} has no security_server in kit.toml"
        assert kit[server].get("package") == "securityserver"
        member = kit[server]["env"]["SECURITYSERVER_MEMBER"]
        assert kit[agency]["exchange_client"].startswith(f"JP-KIT/{member}/"), agency
