"""The drivers' own checks must be able to fail: prove it on deliberately broken pages."""

from __future__ import annotations

from features.drivers.citizen import Citizen


def test_the_accessibility_scan_runs_and_reports_real_problems(citizen: Citizen) -> None:
    citizen.open_portal()
    assert citizen.accessibility_problems({"serious", "critical"}) == []
    citizen.page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = '/assets/images/favicon.svg';
            document.querySelector('main').appendChild(img);
            const link = document.createElement('a');
            link.href = '/';
            document.querySelector('main').appendChild(link);
        }"""
    )
    rules = {v.rule for v in citizen.accessibility_problems({"serious", "critical"})}
    assert {"image-alt", "link-name"} <= rules


def test_content_security_policy_violations_are_noticed(citizen: Citizen) -> None:
    citizen.open_portal()
    assert citizen.csp_violations() == []
    citizen.page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.appendChild(script);
        }"""
    )
    citizen.page.wait_for_timeout(200)
    assert citizen.page.evaluate("() => window.injected === true") is False
    assert citizen.csp_violations(), citizen.console
