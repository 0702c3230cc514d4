"""docker/ stays in step with the kit: every instance of kit.toml is in compose.yaml, with
settings its service understands, its own database and a secret compose refuses to invent."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from govkit.config import KIT_SECRETS, parse_routes
from govkit.service import load_definition

REPOSITORY = Path(__file__).resolve().parents[1]
MANIFEST = tomllib.loads((REPOSITORY / "kit.toml").read_text(encoding="utf-8"))["services"]
COMPOSE = yaml.safe_load((REPOSITORY / "docker" / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (REPOSITORY / "docker" / "Dockerfile").read_text(encoding="utf-8")
INIT_SQL = (REPOSITORY / "docker" / "postgres-init.sql").read_text(encoding="utf-8")
DOCKER_ENV = (REPOSITORY / "scripts" / "docker-env").read_text(encoding="utf-8")


def _names_made_by_docker_env(suffix: str) -> list[str]:
    """The names of the ``for name in …; do echo "${name}_<suffix>=…"`` loop."""
    loop = re.search(rf'for name in ([A-Z0-9_ ]+); do\n\s+echo "\$\{{name\}}_{suffix}=', DOCKER_ENV)
    assert loop, f"scripts/docker-env makes no *_{suffix}"
    return loop.group(1).split()


def test_compose_runs_every_instance_of_the_kit() -> None:
    assert set(COMPOSE["services"]) - {"postgres"} == set(MANIFEST)


@pytest.mark.parametrize("instance", sorted(MANIFEST))
def test_each_container_is_configured_like_make_up_configures_it(instance: str) -> None:
    package = MANIFEST[instance].get("package", instance)
    settings_class = load_definition(package).settings_class
    service = COMPOSE["services"][instance]
    environment: dict[str, str] = service["environment"]
    known = {
        name for field in settings_class.model_fields for name in settings_class.env_names(field)
    } | {  # any kit service's address (settings.service_url / service_urls), as `make up` gives
        f"KIT_{other.upper().replace('-', '_')}_URL" for other in MANIFEST
    }
    unknown = sorted(set(environment) - known)
    assert not unknown, f"{instance}: settings its service does not have: {unknown}"

    prefix = settings_class.env_prefix
    assert re.fullmatch(r"\$\{[A-Z0-9_]+_SECRET_KEY:\?[^}]+\}", environment[f"{prefix}SECRET_KEY"])
    database = environment[f"{prefix}DATABASE_URL"].rsplit("/", 1)[1]
    assert f"CREATE DATABASE {database} OWNER" in INIT_SQL
    for name, value in MANIFEST[instance].get("env", {}).items():
        assert environment[name] == value
    spec = MANIFEST[instance]
    if "tls_port" in spec:  # the SS-to-SS listener, advertised under the compose name
        assert environment[f"{prefix}TLS_PORT"] == "8200"
        assert environment[f"{prefix}ADVERTISED_ADDRESS"] == f"{instance}:8200"
    if "security_server" in spec:  # the own security server, by its compose name
        assert (
            environment[f"{prefix}SECURITY_SERVER_URL"] == f"http://{spec['security_server']}:8000"
        )
        assert environment[f"{prefix}EXCHANGE_CLIENT"] == spec["exchange_client"]
    if "security_server" in spec:  # the token its security server shows it, the same value
        gateway = COMPOSE["services"][spec["security_server"]]["environment"]
        assert (
            environment[f"{prefix}SECURITY_SERVER_TOKEN"]
            == gateway["SECURITYSERVER_INFORMATION_SYSTEM_TOKEN"]
        )
    if package == "securityserver":  # its own token, which scripts/docker-env makes
        key = instance.upper().replace("-", "_")
        token = environment[f"{prefix}INFORMATION_SYSTEM_TOKEN"]
        assert token.startswith(f"${{{key}_INFORMATION_SYSTEM_TOKEN:?")
        assert key in _names_made_by_docker_env("INFORMATION_SYSTEM_TOKEN")
    behind = [other for other in MANIFEST.values() if other.get("security_server") == instance]
    hosted = [other["exchange_client"] for other in behind]
    if hosted:  # the subsystems it reports to central as its clients
        assert environment[f"{prefix}HOSTED_CLIENTS"] == ",".join(hosted)
    assert "/data" in " ".join(service["volumes"])
    secrets = {name for name in KIT_SECRETS if f"KIT_{name.upper()}" in environment}
    assert secrets == settings_class.USES_KIT_SECRETS, "the kit secrets its settings use, only"


def test_no_two_containers_share_a_database_or_a_port() -> None:
    services = [s for name, s in COMPOSE["services"].items() if name != "postgres"]
    urls = [
        value
        for s in services
        for key, value in s["environment"].items()
        if key.endswith("DATABASE_URL")
    ]
    assert len(urls) == len(set(urls))
    ports = [p for s in services for p in s["ports"]]
    assert len(ports) == len(set(ports))


def test_the_dockerfile_knows_every_service_package() -> None:
    packages = sorted(
        p.name for p in (REPOSITORY / "services").iterdir() if (p / "pyproject.toml").exists()
    )
    for package in packages:
        assert f"COPY services/{package}/pyproject.toml" in DOCKERFILE, package


def test_every_browser_facing_origin_a_service_calls_is_routed_inside_compose() -> None:
    """Containers cannot reach each other at localhost: KIT_INTERNAL_ROUTES sends the calls
    services make to browser-facing origins (the idp's token endpoint, the relying parties'
    back-channel logout, central's global configuration) to the compose name and container
    port of the service published there."""
    environment = COMPOSE["x-kit-environment"]
    routes = parse_routes(environment["KIT_INTERNAL_ROUTES"])
    kit_urls = {k: v for k, v in environment.items() if re.fullmatch(r"KIT_[A-Z]+_URL", k)}
    assert kit_urls, "the kit-wide environment names the services' URLs"
    for variable, url in kit_urls.items():
        instance = variable.removeprefix("KIT_").removesuffix("_URL").lower()
        if not url.startswith("http://localhost:"):
            continue  # already a compose name (trust)
        published = COMPOSE["services"][instance]["ports"][0].split(":")[0]
        assert url == f"http://localhost:{published}", variable
        assert routes.get(url) == f"http://{instance}:8000", variable


def _waits_for(instance: str) -> set[str]:
    """Every container ``instance`` waits for to be healthy, directly or through another."""
    found: set[str] = set()
    todo = [instance]
    while todo:
        depends = COMPOSE["services"][todo.pop()].get("depends_on", {})
        for name, condition in depends.items():
            if condition.get("condition") == "service_healthy" and name not in found:
                found.add(name)
                todo.append(name)
    return found


def test_services_start_after_what_they_call_while_preparing() -> None:
    """As kit.toml's ``after``: the idp provisions cards from trust; the citizen-facing
    services register their sign-in clients with the idp."""
    for instance, spec in MANIFEST.items():
        missing = set(spec.get("after", [])) - _waits_for(instance)
        assert not missing, f"{instance} must wait for {sorted(missing)} to be healthy"
