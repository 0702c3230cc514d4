"""A bug inside a security server is still answered as an X-Road fault, never a bare 500; an
information system without the token is refused before anything else."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from securityserver import proxy
from securityserver.protocol.errors import ExchangeError
from securityserver.protocol.identifiers import ClientId


class _BrokenConfs:
    def current(self) -> Any:
        raise RuntimeError("a bug, not the caller's fault")


class _Runtime:
    """What the proxy needs of a runtime, with a global configuration that crashes."""

    max_body = 1024
    information_system_token = None  # X-Road's connection type HTTP: any caller
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


@pytest.mark.parametrize("sent", [None, "", "guess", "t" * 39, "t" * 41])
def test_without_the_information_system_token_the_caller_is_refused(sent: str | None) -> None:
    headers = [("X-Road-Client", "JP-KIT/GOV/DA/portal")]
    if sent is not None:
        headers.append(("X-Madoguchi-Security-Server-Token", sent))
    client = ClientId("JP-KIT", "GOV", "DA", "portal")
    with pytest.raises(ExchangeError) as caught:
        proxy.authenticate_information_system("t" * 40, headers, client)
    assert caught.value.code == "Server.ClientProxy.SslAuthenticationFailed"
    assert "t" * 40 not in caught.value.message
    proxy.authenticate_information_system(
        "t" * 40, [*headers, ("x-madoguchi-security-server-token", "t" * 40)], client
    )
    proxy.authenticate_information_system(None, headers, client)  # HTTP: anything accepted
