"""Where a request stands for its requester ("your requests and copies"), from the request's
status and the statuses of the requester's own copies."""

import pytest

from residence.journey import RequestState, request_state


@pytest.mark.parametrize(
    ("status", "copies", "state"),
    [
        ("issued", ["issued", "issued"], RequestState.ISSUED),
        ("issued", ["revoked", "issued"], RequestState.ISSUED),  # one copy still valid
        ("issued", ["revoked", "revoked"], RequestState.REVOKED),
        ("issued", ["superseded"], RequestState.REVOKED),
        ("issued", [], RequestState.ISSUED),
        ("pending_review", [], RequestState.REVIEW),
        ("mailed", [], RequestState.POSTED),  # the copy is the principal's, never listed
        ("refused", [], RequestState.REFUSED),
        ("withdrawn", [], RequestState.WITHDRAWN),
        ("something new", [], RequestState.REFUSED),  # as the outcome page reads it
    ],
)
def test_a_requests_state(status: str, copies: list[str], state: RequestState) -> None:
    assert request_state(status, copies) is state
