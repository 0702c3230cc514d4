"""docker/ stays in step with the kit: every instance of kit.toml is in compose.yaml, with
settings its service understands, its own database and a secret compose refuses to invent."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from govkit.service import load_definition

REPOSITORY = Path(__file__).resolve().parents[1]
MANIFEST = tomllib.loads((REPOSITORY / "kit.toml").read_text(encoding="utf-8"))["services"]
COMPOSE = yaml.safe_load((REPOSITORY / "docker" / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (REPOSITORY / "docker" / "Dockerfile").read_text(encoding="utf-8")
INIT_SQL = (REPOSITORY / "docker" / "postgres-init.sql").read_text(encoding="utf-8")


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
    }
    unknown = sorted(set(environment) - known)
    assert not unknown, f"{instance}: settings its service does not have: {unknown}"

    prefix = settings_class.env_prefix
    assert re.fullmatch(r"\$\{[A-Z0-9_]+_SECRET_KEY:\?[^}]+\}", environment[f"{prefix}SECRET_KEY"])
    database = environment[f"{prefix}DATABASE_URL"].rsplit("/", 1)[1]
    assert f"CREATE DATABASE {database} OWNER" in INIT_SQL
    for name, value in MANIFEST[instance].get("env", {}).items():
        assert environment[name] == value
    assert "/data" in " ".join(service["volumes"])


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
