"""A bug inside a security server is still answered as an X-Road fault, never a bare 500."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from securityserver import proxy


class _BrokenConfs:
    def current(self) -> Any:
        raise RuntimeError("a bug, not the caller's fault")


class _Runtime:
    """What the proxy needs of a runtime, with a global configuration that crashes."""

    max_body = 1024
    confs = _BrokenConfs()
    log = logging.getLogger("test-securityserver")

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    @staticmethod
    def millis() -> int:
        return 0

    def record_monitoring(self, side: str, _at: int, fields: dict[str, Any]) -> None:
        self.records.append((side, dict(fields)))


def test_the_consumer_side_answers_internal_error(caplog: pytest.LogCaptureFixture) -> None:
    runtime = _Runtime()
    incoming = proxy.Incoming(
        "GET", "/r1/JP-KIT/GOV/DA/portal/consents/C-1", [("X-Road-Client", "JP-KIT/GOV/DA/x")], b""
    )
    answer = proxy.consume(runtime, incoming)  # type: ignore[arg-type]
    assert answer.status == 500
    assert dict(answer.headers)["X-Road-Error"] == "Server.ClientProxy.InternalError"
    body = json.loads(answer.body)
    assert "a bug" not in body["message"]  # no internals in the answer…
    assert "a bug" in caplog.text  # …but in the log, with the same detail id
    assert [r.detail for r in caplog.records] == [body["detail"]]  # the same id in the log
    side, fields = runtime.records[0]
    assert (side, fields["fault_code"]) == ("Client", "Server.ClientProxy.InternalError")
