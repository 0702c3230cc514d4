"""Prove that every blueprint of an app declared an access rule (GOV.UK Notify's test)."""

from __future__ import annotations

from flask import Flask

from govkit.access import declared_rules


def assert_access_declared(app: Flask) -> dict[str, str]:
    """Fail if a blueprint was registered without an access rule; return blueprint → rule."""
    rules = declared_rules(app)
    missing = sorted(set(app.blueprints) - set(rules))
    assert not missing, f"blueprints without an access rule: {missing}"
    stray = sorted(rule.endpoint for rule in app.url_map.iter_rules() if "." not in rule.endpoint)
    assert stray in ([], ["static"]), f"routes outside any blueprint: {stray}"
    return {name: rule.name for name, rule in rules.items()}
