"""A sign-in in progress: PKCE S256, random state and nonce, kept per browser, expiring."""

from __future__ import annotations

import re

from govkit.auth.flow import FLOW_LIFETIME, MAX_FLOWS, PendingFlow, remember, s256, take


def start(now: float = 1000.0, next_url: str = "/start") -> PendingFlow:
    return PendingFlow.start(next_url=next_url, acr="aal3", max_age=None, prompt=None, now=now)


def test_s256_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_each_flow_has_its_own_random_state_nonce_and_verifier() -> None:
    first, second = start(), start()
    assert len({first.state, second.state, first.nonce, second.nonce}) == 4
    assert first.verifier != second.verifier
    # RFC 7636 §4.1: 43 to 128 unreserved characters.
    assert re.fullmatch(r"[A-Za-z0-9_~.-]{43,128}", first.verifier)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", first.challenge)
    assert first.challenge == s256(first.verifier)


def test_a_flow_is_taken_once_by_its_state() -> None:
    flow = start()
    flows = remember({}, flow)
    taken, left = take(flows, flow.state)
    assert taken == flow
    assert left == {}
    again, _left = take(left, flow.state)
    assert again is None


def test_an_unknown_or_missing_state_takes_nothing() -> None:
    flows = remember({}, start())
    for state in (None, "", "forged", "x" * 500):
        taken, left = take(flows, state)
        assert taken is None
        assert left == flows


def test_two_tabs_can_sign_in_at_once_and_only_the_newest_flows_are_kept() -> None:
    flows: dict = {}
    made = [start(now=1000.0 + i) for i in range(MAX_FLOWS + 2)]
    for flow in made:
        flows = remember(flows, flow)
    assert set(flows) == {f.state for f in made[-MAX_FLOWS:]}
    taken, _left = take(flows, made[-2].state)
    assert taken == made[-2]


def test_flows_expire() -> None:
    flow = start(now=1000.0)
    assert not flow.expired(1000.0 + FLOW_LIFETIME)
    assert flow.expired(1000.0 + FLOW_LIFETIME + 1)
    assert flow.expired(999.0)  # started "in the future": a tampered or confused clock


def test_whatever_the_session_holds_is_read_safely() -> None:
    for junk in (None, [], "text", {"state": "not a flow"}, {"s": {"state": 1}}):
        taken, _left = take(junk, "s")
        assert taken is None
    assert remember("junk", start()) != {}
