"""govkit.stack.free_port: ports for test kits that an outgoing connection cannot take first."""

from __future__ import annotations

import socket

import pytest

from govkit import stack
from govkit.stack import free_port, port_in_use


def test_ports_are_below_the_ephemeral_range_free_and_never_repeated() -> None:
    start = stack._ephemeral_start()
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(10_000 <= port < start for port in ports)
    assert not any(port_in_use(port) for port in ports)


def test_a_port_something_listens_on_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        # Offer the busy port first (as an offset from the start of the range), then another.
        offsets = iter([taken - 10_000, 12_345 - 10_000])
        monkeypatch.setattr(stack, "_ephemeral_start", lambda: max(taken + 1, 32_768))
        monkeypatch.setattr(stack.secrets, "randbelow", lambda _n: next(offsets))
        monkeypatch.setattr(stack, "_HANDED_OUT", set())
        assert free_port() == 12_345
