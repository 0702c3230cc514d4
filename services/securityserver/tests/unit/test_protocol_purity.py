"""The protocol core stays pure: no web framework, database, network, clock or randomness.

aesthetics.md §4.4: domain rules import nothing from Flask, SQLModel, HTTP clients or govkit,
and take time and identifiers as arguments, so these tests need no fixtures.
"""

import ast
from pathlib import Path

import pytest

import securityserver.protocol

PACKAGE = Path(securityserver.protocol.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
BANNED = {
    "flask",
    "werkzeug",
    "sqlmodel",
    "sqlalchemy",
    "requests",
    "httpx",
    "urllib3",
    "govkit",
    "socket",
    "ssl",
    "os",
    "time",
    "datetime",
    "uuid",
    "random",
    "secrets",
    "subprocess",
}


def _imported(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_package_has_its_modules() -> None:
    assert {m.stem for m in MODULES} >= {"errors", "identifiers", "request", "headers", "access"}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.stem)
def test_a_protocol_module_imports_no_io(module: Path) -> None:
    assert _imported(module) & BANNED == set()
