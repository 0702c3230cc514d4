"""Every kit service publishes a privacy notice (govkit.notices): its package has a
``privacy.py`` and its app factory hands the notice to ``new_app(…, privacy=…)`` (or to
``govkit.notices.init_app``). The services that only sign citizens in so far are checked here;
the others' own tests check what their ``/privacy`` page says."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from govkit.auth.models import ENDED_SESSION_MEMORY
from govkit.auth.web import IDLE_TIMEOUT, SESSION_LIFETIME
from govkit.testing.notices import read_privacy_notice
from govkit.testing.plugin import ServiceAppFactory

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGES = sorted(
    package
    for service in (REPOSITORY / "services").iterdir()
    if (service / "src").is_dir()
    for package in (service / "src").iterdir()
    if (package / "__init__.py").is_file()
)


def _gives_a_notice(call: ast.Call) -> bool:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name == "new_app":
        return any(keyword.arg == "privacy" for keyword in call.keywords)
    return (
        name == "init_app"
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "notices"
    )


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_the_service_publishes_a_privacy_notice(package: Path) -> None:
    assert (package / "privacy.py").is_file(), f"{package.name} has no privacy.py"
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    factory = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "create_app"
    )
    calls = [node for node in ast.walk(factory) if isinstance(node, ast.Call)]
    assert any(map(_gives_a_notice, calls)), f"{package.name}.create_app gives no privacy notice"


@dataclass(frozen=True)
class Skeleton:
    """A service that only signs citizens in so far: its notice in both languages."""

    controller: tuple[str, str]  # (English, Japanese)
    law: tuple[str, str]  # the law its applications will be kept under


SKELETONS = {
    "childcare": Skeleton(("Sakuragi City", "桜木市"), ("Child Allowance Act", "児童手当法")),
    "company": Skeleton(
        ("Ministry of Justice (Legal Affairs Bureau)", "法務省（法務局）"),
        ("Commercial Registration Act", "商業登記法"),
    ),
    "pension": Skeleton(
        ("Japan Pension Service", "日本年金機構"), ("National Pension Act", "国民年金法")
    ),
}


@pytest.mark.parametrize("service", sorted(SKELETONS))
def test_a_service_that_only_signs_in_says_what_signing_in_keeps(
    service: str, service_app: ServiceAppFactory
) -> None:
    app = service_app(service)
    expected = SKELETONS[service]
    notice = read_privacy_notice(app, "en")
    rows = notice.holdings
    assert len(rows) == 2  # govkit.auth.privacy.sign_in_holdings: nothing else is kept yet
    assert notice.controller == expected.controller[0]
    assert "session cookie, not in our database" in rows[0][0]
    assert f"after {IDLE_TIMEOUT // 60} minutes without activity" in rows[0][3]
    assert f"after {SESSION_LIFETIME // 3600} hours at most" in rows[0][3]
    assert f"{ENDED_SESSION_MEMORY.days} days after the session ended" in rows[1][3]
    assert "Online applications are not open yet." in notice.page.text()
    assert expected.law[0] in notice.page.text()
    notice = read_privacy_notice(app, "ja")
    rows = notice.holdings
    assert len(rows) == 2
    assert notice.controller == expected.controller[1]
    assert "個人情報の保護に関する法律第61条" in rows[0][2]
    assert f"最長{SESSION_LIFETIME // 3600}時間" in rows[0][3]
    assert expected.law[1] in notice.page.text()
    assert "session cookie" not in notice.page.text()
