"""How long `make up` takes to serve every service the second time (databases already there).

The kit forks each gunicorn master from the launcher, which has already imported Flask,
SQLAlchemy and every service to prepare the databases. The peer is the usual way: one fresh
interpreter per service (`python -m gunicorn …`), which imports everything again. Both start the
same services, from the same kit.toml, with the same settings, and wait until every `/healthz`
answers 200. Run with `make bench-startup`.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from govkit.service import load_definition
from govkit.stack import Manifest, Stack

REPOSITORY = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def kit_start(stack: Stack) -> float:
    started = time.perf_counter()
    stack.start()
    elapsed = time.perf_counter() - started
    stack.stop()
    return elapsed


def peer_start(stack: Stack) -> float:
    """One `python -m gunicorn` per service, all launched at once, then wait for health."""
    started = time.perf_counter()
    processes = []
    for spec in stack.manifest.services:
        argv = [
            sys.executable, "-m", "gunicorn", "--config", "python:govkit.gunicorn_config",
            "--bind", f"127.0.0.1:{stack.ports[spec.instance]}",
            load_definition(spec.package).app,
        ]  # fmt: skip
        processes.append(
            subprocess.Popen(
                argv,
                env=stack.environment_for(spec),
                cwd=stack.var_dir,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    try:
        for spec in stack.manifest.services:
            url = f"http://127.0.0.1:{stack.ports[spec.instance]}/healthz"
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def main() -> None:
    manifest = Manifest.load(REPOSITORY / "kit.toml")
    with tempfile.TemporaryDirectory() as folder:
        stack = Stack(manifest, Path(folder) / "var", free_ports=True)
        stack.prepare()  # first run done: what is timed is the second `make up`
        kit = [kit_start(stack) for _ in range(ROUNDS)]
        peer = [peer_start(stack) for _ in range(ROUNDS)]
    print(
        f"Start {len(manifest.services)} services until every /healthz answers ({ROUNDS} rounds,"
        f" {os.cpu_count()} CPUs)"
    )
    print(f"  {'':38}{'median':>8}{'min':>8}{'max':>8}")
    for label, runs in (
        ("kit: forked from the warm launcher", kit),
        ("peer: one fresh interpreter each", peer),
    ):
        print(f"  {label:38}{statistics.median(runs):7.2f}s{min(runs):7.2f}s{max(runs):7.2f}s")
    print(f"  speed-up (median): {statistics.median(peer) / statistics.median(kit):.1f}x")


if __name__ == "__main__":
    main()
