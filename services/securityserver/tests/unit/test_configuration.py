"""The security server's copy of the global configuration: the anchor pinned once, copies
renewed from a central played by a local HTTP server, the last good copy kept through
failures and forgeries, and traffic stopped once it has expired."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.exchange import globalconf
from securityserver.configuration import (
    AnchorError,
    GlobalConfCache,
    pin_anchor,
    read_anchor,
)
from securityserver.protocol.errors import ExchangeError

START = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _payload(generated: datetime, members: tuple[str, ...] = ("GOV/DA",)) -> dict[str, Any]:
    return {
        "version": 1,
        "instance": "JP-KIT",
        "generated_at": generated.isoformat().replace("+00:00", "Z"),
        "expires_at": (generated + timedelta(minutes=10)).isoformat().replace("+00:00", "Z"),
        "members": [
            {"id": m, "class": m.split("/")[0], "code": m.split("/")[1], "name": m} for m in members
        ],
        "subsystems": [],
        "security_servers": [],
        "groups": [],
    }


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class Central:
    """What central serves: its anchor and the current signed document."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    document: bytes = b""
    etag: str = '"v1"'
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def publish(self, generated: datetime, *, members: tuple[str, ...] = ("GOV/DA",)) -> None:
        self.document = globalconf.sign(_payload(generated, members), self.key).encode()
        self.etag = f'"{generated.timestamp():.0f}"'

    @property
    def anchor(self) -> dict[str, str]:
        return globalconf.public_jwk(self.key)


@pytest.fixture
def central() -> Iterator[Central]:
    state = Central()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append({"path": self.path, **dict(self.headers.items())})
            if self.path == "/anchor":
                jwk = state.anchor
                body = json.dumps({"jwk": jwk, "thumbprint": globalconf.thumbprint(jwk)}).encode()
                status = 200
            elif self.headers.get("If-None-Match") == state.etag and state.status == 200:
                self.send_response(304)
                self.end_headers()
                return
            else:
                body, status = state.document, state.status
            self.send_response(status)
            self.send_header("ETag", state.etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _cache(central: Central, clock: Clock, http: requests.Session) -> GlobalConfCache:
    return GlobalConfCache(central.url, central.anchor, instance="JP-KIT", http=http, clock=clock)


def test_the_anchor_is_pinned_once_and_kept(central: Central, tmp_path: Path, http) -> None:
    thumbprint, pinned = pin_anchor(tmp_path, central.url, http)
    assert pinned
    assert thumbprint == globalconf.thumbprint(central.anchor)
    assert read_anchor(tmp_path) == central.anchor

    central.key = ec.generate_private_key(ec.SECP256R1())  # central now shows another key
    again, pinned = pin_anchor(tmp_path, central.url, http)
    assert (again, pinned) == (thumbprint, False)
    assert read_anchor(tmp_path) != central.anchor


def test_without_a_pinned_anchor_the_error_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(AnchorError, match="run `kit prepare`"):
        read_anchor(tmp_path)


def test_pinning_from_a_central_that_is_down_is_a_clear_error(tmp_path: Path, http) -> None:
    with pytest.raises(AnchorError, match="did not give its anchor"):
        pin_anchor(tmp_path, "http://127.0.0.1:9", http)
    assert not (tmp_path / "anchor.json").exists()


def test_a_fresh_copy_is_downloaded_verified_and_renewed_each_minute(
    central: Central, clock: Clock, http
) -> None:
    central.publish(START)
    cache = _cache(central, clock, http)
    assert cache.current().generated_at == START
    assert len(central.requests) == 1

    clock.now = START + timedelta(seconds=30)
    cache.current()
    assert len(central.requests) == 1, "not due yet"

    central.publish(START + timedelta(seconds=60), members=("GOV/DA", "GOV/NTA"))
    clock.now = START + timedelta(seconds=61)
    config = cache.current()
    assert config.member("GOV/NTA") is not None
    assert central.requests[-1].get("If-None-Match") == f'"{START.timestamp():.0f}"'


def test_an_unchanged_copy_is_not_downloaded_again(central: Central, clock: Clock, http) -> None:
    central.publish(START)
    cache = _cache(central, clock, http)
    cache.current()
    clock.now = START + timedelta(seconds=90)
    assert cache.current().generated_at == START  # 304: the copy it has
    assert cache.last_problem is None


def test_a_forged_copy_is_refused_and_the_last_good_one_kept(
    central: Central, clock: Clock, http
) -> None:
    central.publish(START)
    cache = _cache(central, clock, http)
    cache.current()
    genuine_key = central.key
    central.key = ec.generate_private_key(ec.SECP256R1())  # someone else signs
    central.publish(START + timedelta(minutes=1), members=("GOV/EVIL",))
    clock.now = START + timedelta(minutes=2)
    config = cache.current()
    assert config.member("GOV/EVIL") is None
    assert cache.last_problem is not None
    assert "refused" in cache.last_problem
    central.key = genuine_key


def test_traffic_stops_once_the_last_good_copy_has_expired(
    central: Central, clock: Clock, http
) -> None:
    central.publish(START)
    cache = _cache(central, clock, http)
    cache.current()
    central.status = 503  # central is down from now on
    clock.now = START + timedelta(minutes=9, seconds=59)
    assert cache.current().generated_at == START, "the last good copy still serves"
    clock.now = START + timedelta(minutes=10)
    with pytest.raises(ExchangeError) as caught:
        cache.current()
    assert caught.value.code == "Server.ClientProxy.OutdatedGlobalConf"
    assert caught.value.status == 500
    assert "central answered 503" in caught.value.message


def test_with_central_unreachable_from_the_start_traffic_is_refused(clock: Clock, http) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cache = GlobalConfCache(
        "http://127.0.0.1:9", globalconf.public_jwk(key), instance="JP-KIT", http=http, clock=clock
    )
    with pytest.raises(ExchangeError) as caught:
        cache.current()
    assert caught.value.code == "Server.ClientProxy.OutdatedGlobalConf"
    assert "did not answer" in caught.value.message


def test_a_copy_of_another_instance_is_refused(central: Central, clock: Clock, http) -> None:
    central.publish(START)
    cache = GlobalConfCache(central.url, central.anchor, instance="JP-TEST", http=http, clock=clock)
    with pytest.raises(ExchangeError):
        cache.current()
    assert cache.last_problem is not None
    assert "JP-KIT" in cache.last_problem


def test_threads_arriving_during_the_first_download_wait_for_it(
    central: Central, clock: Clock
) -> None:
    """A fresh server takes many calls at once: none may see "no copy yet" while the first
    download runs."""
    central.publish(START)
    gate = threading.Event()

    class SlowSession(requests.Session):
        def get(self, *args: Any, **kwargs: Any) -> requests.Response:
            gate.wait(5)
            return super().get(*args, **kwargs)

    with SlowSession() as slow:
        cache = _cache(central, clock, slow)
        results: list[object] = []

        def call() -> None:
            try:
                results.append(cache.current().instance)
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion
                results.append(exc)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        gate.set()
        for thread in threads:
            thread.join(10)
    assert results == ["JP-KIT"] * 4
