"""Every package declares what it imports (a workspace hides a missing declaration locally:
each service's image installs only what its own pyproject lists)."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGES = {
    "govkit": REPOSITORY / "shared",
    **{
        p.name: p
        for p in sorted((REPOSITORY / "services").iterdir())
        if (p / "pyproject.toml").exists()
    },
}
#: Modules of govkit that only tests load (through the `testing` extra).
TEST_ONLY = ("govkit/testing/",)


def _imports(folder: Path, skip: tuple[str, ...] = ()) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        if any(part in path.as_posix() for part in skip):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def _declared(pyproject: Path, extra: str | None = None) -> set[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    if extra:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def _missing(imported: set[str], declared: set[str], own: str) -> list[str]:
    distributions = packages_distributions()
    missing = []
    for module in sorted(imported):
        if module in sys.stdlib_module_names or module == own or module == "__future__":
            continue
        names = {canonicalize_name(d) for d in distributions.get(module, [module])}
        if not names & declared:
            missing.append(f"{module} (from {', '.join(sorted(names))})")
    return missing


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_runtime_imports_are_declared(package: str) -> None:
    folder = PACKAGES[package]
    imported = _imports(folder / "src" / package, skip=TEST_ONLY)
    assert not _missing(imported, _declared(folder / "pyproject.toml"), package)


def test_govkits_test_helpers_declare_their_extra() -> None:
    folder = PACKAGES["govkit"]
    imported = _imports(folder / "src" / "govkit" / "testing")
    declared = _declared(folder / "pyproject.toml", extra="testing")
    assert not _missing(imported, declared, "govkit")
