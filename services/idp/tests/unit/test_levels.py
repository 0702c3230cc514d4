"""Authentication levels (idp.domain.levels): reading acr_values and judging a session's acr."""

from __future__ import annotations

import pytest

from idp.domain.levels import (
    CARD_AMR,
    LEVELS,
    PASSKEY_AMR,
    Requirement,
    parse_acr_values,
    rank,
    satisfies,
)


@pytest.mark.parametrize(
    ("acr_values", "minimum", "crl"),
    [
        (None, None, False),
        ("", None, False),
        ("aal3", "aal3", False),
        ("aal3 crl", "aal3", True),  # the Digital Agency's own example
        ("crl aal3", "aal3", True),
        ("crl", None, True),
        ("aal2 aal3", "aal2", False),  # the weakest level listed is still acceptable
        ("aal3 aal1", "aal1", False),
        ("urn:example:loa:4 aal2", "aal2", False),  # unknown values are ignored
        ("urn:example:loa:4", None, False),
        ("AAL3", None, False),  # values are case-sensitive
        ("  aal2   crl  ", "aal2", True),
    ],
)
def test_parse_acr_values(acr_values: str | None, minimum: str | None, crl: bool) -> None:
    assert parse_acr_values(acr_values) == Requirement(minimum, crl)


@pytest.mark.parametrize(
    ("acr", "minimum", "ok"),
    [
        ("aal3", "aal3", True),
        ("aal3", "aal2", True),
        ("aal2", "aal3", False),
        ("aal1", "aal2", False),
        ("aal2", None, True),
        ("unknown", None, True),
        ("unknown", "aal1", False),
    ],
)
def test_a_session_satisfies_a_requirement_at_or_above_its_level(
    acr: str, minimum: str | None, ok: bool
) -> None:
    assert satisfies(acr, Requirement(minimum, check_revocation=False)) is ok


def test_levels_are_ordered_and_unknown_ranks_lowest() -> None:
    assert [rank(level) for level in LEVELS] == [1, 2, 3]
    assert rank("aal4") == rank("") == 0


def test_methods_follow_rfc_8176() -> None:
    """Card + PIN is smart card, PIN and multi-factor; a passkey is hardware key, user presence,
    multi-factor."""
    assert CARD_AMR == ("sc", "pin", "mfa")
    assert PASSKEY_AMR == ("hwk", "user", "mfa")
