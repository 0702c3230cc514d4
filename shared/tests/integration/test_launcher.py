"""`kit up` (what `make up` runs), as a person uses it: start, use, Ctrl-C, start again.

Each test runs the real command line against a copy of kit.toml with free ports and a temporary
runtime folder, so it never disturbs a `make up` running on the same machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.stack import Manifest, free_port, port_in_use
from govkit.testing.postgres import PostgresServer

REPOSITORY = Path(__file__).resolve().parents[3]
KIT = Path(sys.executable).parent / "kit"


def _manifest(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """kit.toml with every port replaced by a free one."""
    text = (REPOSITORY / "kit.toml").read_text(encoding="utf-8")
    ports: dict[str, int] = {}
    for instance in tomllib.loads(text)["services"]:
        ports[instance] = free_port()
    lines, current = [], None
    for line in text.splitlines():
        header = re.match(r"\[services\.([\w-]+)\]", line)
        if header:
            current = header.group(1)
        if line.startswith("tls_port = "):  # security servers' second listener
            lines.append(f"tls_port = {free_port()}")
        elif current is not None and line.startswith("port = "):
            lines.append(f"port = {ports[current]}")
        else:
            lines.append(line)
    path = tmp_path / "kit.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, ports


class KitRun:
    """One `kit up` process and everything it started."""

    def __init__(self, manifest: Path, var: Path, env: dict[str, str] | None = None) -> None:
        self.log = manifest.parent / f"kit-{time.monotonic_ns()}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(KIT), "up", "--manifest", str(manifest), "--var", str(var)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                cwd=manifest.parent,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until_running(self, timeout: float = 90) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"ready in ([\d.]+) s", self.output())
            if found:
                return float(found.group(1))
            if self.process.poll() is not None:
                pytest.fail(f"kit up exited early:\n{self.output()}")
            time.sleep(0.2)
        pytest.fail(f"kit up not ready within {timeout} s:\n{self.output()}")

    def descendants(self) -> set[int]:
        """Every process whose ancestry leads to this `kit up` (its gunicorn masters, workers)."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found: set[int] = set()
        frontier = {self.process.pid}
        while frontier:
            children = {pid for pid, ppid in parents.items() if ppid in frontier} - found
            found |= children
            frontier = children
        return found

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 30, times: int = 1) -> int:
        for n in range(times):
            if n:
                time.sleep(0.02)  # the second one lands while the first is being handled
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def kit_files(tmp_path: Path) -> Iterator[tuple[Path, dict[str, int], Path]]:
    manifest, ports = _manifest(tmp_path)
    return manifest, ports, tmp_path / "var"


def _assert_everything_stopped(run: KitRun, pids: set[int], ports: dict[str, int]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)], "processes left behind"
    busy = [name for name, port in ports.items() if port_in_use(port)]
    assert not busy, f"ports still bound: {busy}"
    assert "Every process stopped; ports are free" in run.output()


def test_up_serves_every_service_and_ctrl_c_stops_everything(
    kit_files: tuple[Path, dict[str, int], Path],
) -> None:
    manifest, ports, var = kit_files
    run = KitRun(manifest, var)
    try:
        run.wait_until_running()
        for instance, port in ports.items():
            assert _health(port)["status"] == "ok", instance
        pids = run.descendants()
        # every service: a gunicorn master with two workers (security servers: one)
        workers = {s.instance: s.workers or 2 for s in Manifest.load(manifest).services}
        assert len(pids) == sum(1 + workers[instance] for instance in ports)
        output = run.output()
        assert "Creating runtime folder" in output
        for label in ("Portal (start here)", "Residence certificate", "Demo logins"):
            assert label in output
        assert f"http://localhost:{ports['portal']}" in output
    finally:
        code = run.stop(signal.SIGINT)
    assert code == 0
    _assert_everything_stopped(run, pids, ports)
    for instance in ports:
        assert (var / instance / "secret_key").exists()
        assert (var / "log" / f"{instance}.log").stat().st_size > 0
    # Logs are JSON lines from the services themselves.
    first = (var / "log" / "portal.log").read_text().splitlines()[0]
    assert json.loads(first)["service"] == "portal"


def test_up_twice_in_a_row_reuses_the_runtime_folder_and_a_double_sigterm_stops_it(
    kit_files: tuple[Path, dict[str, int], Path],
) -> None:
    manifest, ports, var = kit_files
    first = KitRun(manifest, var)
    first.wait_until_running()
    secret = (var / "portal" / "secret_key").read_text()
    first.stop(signal.SIGTERM)

    second = KitRun(manifest, var)
    try:
        second.wait_until_running()
        pids = second.descendants()
        assert "Reusing runtime folder" in second.output()
        assert (var / "portal" / "secret_key").read_text() == secret
    finally:
        # Twice at once, as `make up` gets it when its whole process group is signalled.
        assert second.stop(signal.SIGTERM, times=2) == 0
    _assert_everything_stopped(second, pids, ports)

    shutil.rmtree(var)
    third = KitRun(manifest, var)
    try:
        third.wait_until_running()
        assert "Creating runtime folder" in third.output()
    finally:
        third.stop()


def test_a_second_kit_on_the_same_ports_fails_clearly_and_leaves_the_first_alone(
    kit_files: tuple[Path, dict[str, int], Path], tmp_path: Path
) -> None:
    manifest, ports, var = kit_files
    first = KitRun(manifest, var)
    try:
        first.wait_until_running()
        second = KitRun(manifest, tmp_path / "other-var")
        assert second.process.wait(timeout=60) == 1
        assert "port already in use" in second.output()
        assert _health(ports["portal"])["status"] == "ok"
    finally:
        first.stop()


def test_killing_the_launcher_outright_leaves_no_orphans(
    kit_files: tuple[Path, dict[str, int], Path],
) -> None:
    manifest, ports, var = kit_files
    run = KitRun(manifest, var)
    run.wait_until_running()
    pids = run.descendants()
    run.stop(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    assert not [p for p in pids if _alive(p)]
    assert not [name for name, port in ports.items() if port_in_use(port)]


@pytest.mark.postgres
def test_a_database_url_moves_a_service_to_postgresql(
    kit_files: tuple[Path, dict[str, int], Path], postgres: PostgresServer
) -> None:
    manifest, ports, var = kit_files
    url = postgres.create_database("residence")
    run = KitRun(manifest, var, env={"RESIDENCE_DATABASE_URL": url})
    try:
        run.wait_until_running()
        assert _health(ports["residence"])["checks"]["database"]["dialect"] == "postgresql"
        assert _health(ports["childcare"])["checks"]["database"]["dialect"] == "sqlite"
        assert "residence        postgresql database" in run.output()
    finally:
        run.stop()
        postgres.drop_database(url)
