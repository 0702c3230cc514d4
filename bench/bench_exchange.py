"""The data exchange: one JSON request straight to the provider beside the same request through
both security servers (issue 5, "Performance").

One run, one machine, one load generator (Debian's ``wrk``; c=1 with 1 thread, c=16 with 2
threads; a warm-up of ``BENCH_WARMUP`` = 5 s, then ``BENCH_SECONDS`` = 10 s measured, direct
and exchange in turn at each concurrency). The kit runs as ``make up`` runs it: ``trust``,
``central``, ``ss-da`` (GOV/DA) and ``ss-lg139998`` (GOV/LG-139998) from kit.toml, started by
:class:`govkit.stack.Stack` on free ports in a temporary folder, each under gunicorn as
``make up`` runs it (the security servers: one worker of ``securityserver.service.THREADS``
threads), SQLite databases, signing and the message log on. ss-lg139998 is given
a catalogue (``SECURITYSERVER_CATALOGUE``) with one service, JP-KIT/GOV/LG-139998/residence/
bench-echo, that grants JP-KIT/GOV/DA/portal ``POST /echo`` on the provider of
bench/exchange/provider.py (plain WSGI under gunicorn with the kit's settings: 2 workers of 4
threads). The request is the same 2,048-byte JSON document on both paths:

(a) direct: ``POST http://provider/echo``;
(b) exchange: ``POST http://ss-da/r1/JP-KIT/GOV/LG-139998/residence/bench-echo/echo`` with
    ``X-Road-Client: JP-KIT/GOV/DA/portal``: ss-da signs and logs it, sends it over mutual TLS
    to ss-lg139998, which checks, logs and forwards it to the provider, then signs and logs the
    answer, which ss-da verifies and logs.

Before anything is measured one call of each path is checked with Python (200, the body echoed
byte for byte; through the exchange also ``X-Road-Request-Hash``); a failed check ends the run
with the answer and the security servers' last log lines. Under load every answer is checked
too (bench/exchange/post.lua); a run with any wrong answer is flagged (exit code 1).

Figures: requests a second and wrk's p50/p99 latency for both paths at c=1 and c=16; the
latency the exchange adds at c=1 (p50), its p99 at c=16 and its share of direct throughput at
c=16, each beside the issue's target. Besides, the CPU time each process group spent per
message (from /proc: gunicorn master and workers; wrk from its rusage), which says what the
throughput would be on 2 idle cores even when other work shares the machine.

After a pause: ``BENCH_IDLE_SAMPLES`` = 3 single messages on each path, each sent after the
kit's gunicorn keep-alive (5 s) plus 1.5 s of quiet, as a citizen's next request meets it: the
connections to the provider have closed and are opened again; those between the security
servers (keep-alive 75 s, securityserver/service.py) are still open.

Memory: then ``BENCH_RSS_MESSAGES`` = 100,000 messages in all go through the exchange (wrk at
c=16 in runs sized to land on the sample points); each security server's RSS (VmRSS of its
gunicorn master plus workers, from /proc) is read before, after 10,000, after 50,000 and
after 100,000 messages. Flat means growth from the 10,000-message sample (after warm-up) to
the last one of under ``FLAT_GROWTH`` = 10 %, with the same worker processes throughout.

Run with ``make bench-exchange`` (a few minutes for the latency and throughput part; the
100,000 messages take 100,000 / (req/s at c=16) seconds more). ``BENCH_VAR=DIR`` keeps the
runtime folder (databases, logs under DIR/log/) instead of a temporary one.
``python bench/bench_exchange.py --profile`` starts the same kit, then runs both security
servers' handlers in this process (the SS-to-SS hop by Flask's test client, without TLS) and
breaks one exchange down by step, with cProfile's busiest functions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import gunicorn_config
from govkit.exchange.messages import SECURITY_SERVER_TOKEN_HEADER
from govkit.stack import Manifest, Stack, StackError, free_port
from securityserver.service import THREADS as SS_THREADS

REPOSITORY = Path(__file__).resolve().parents[1]
HERE = REPOSITORY / "bench" / "exchange"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
RSS_MESSAGES = int(os.environ.get("BENCH_RSS_MESSAGES", "100000"))
RSS_WARM = 10_000
FLAT_GROWTH = 0.10
WORKERS, THREADS = 2, 4
#: The security servers' worker count as kit.toml sets it (`workers`), else the stack's.
SS_WORKERS = tomllib.loads(
    (Path(__file__).resolve().parents[1] / "kit.toml").read_text(encoding="utf-8")
)["services"]["ss-da"].get("workers", WORKERS)
CONCURRENCIES = (1, 16)
BODY_BYTES = 2048
RSS_CHUNK_SECONDS = 60  # longest single wrk run while counting messages
#: Single messages each sent after a pause longer than the kit's gunicorn keep-alive (what a
#: citizen's next request meets).
IDLE_SAMPLES = int(os.environ.get("BENCH_IDLE_SAMPLES", "3"))
IDLE_SECONDS = gunicorn_config.keepalive + 1.5

CLIENT = "JP-KIT/GOV/DA/portal"
SERVICE = "JP-KIT/GOV/LG-139998/residence/bench-echo"
CONSUMER, PROVIDER_SS = "ss-da", "ss-lg139998"
REQUEST_HASH = "X-Road-Request-Hash"

# Targets (issue 5, on 2 cores).
RATIO_TARGET = 0.30
ADDED_P50_TARGET_MS = 5.0
P99_TARGET_MS = 30.0


class Abort(Exception):
    """The run cannot go on; the message says why."""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the request --------------------------------------------------------------------------------


def request_body() -> bytes:
    """A resident-register-like JSON document of exactly BODY_BYTES bytes (UTF-8)."""
    document: dict[str, Any] = {
        "query": {"purpose": "child-allowance", "legal_basis": "児童手当法第7条", "case": "B-1"},
        "resident": {
            "name": {"kanji": "桜木 花子", "kana": "サクラギ ハナコ", "latin": "SAKURAGI Hanako"},
            "birth_date": "1990-04-01",
            "sex": "female",
            "address": {
                "postal_code": "139-9980",
                "prefecture": "東京都",
                "municipality": "桜木市",
                "line": "中央一丁目2番3号 桜木ハイツ405",
            },
            "household": [
                {"relation": "世帯主", "name": "桜木 太郎", "birth_date": "1988-09-12"},
                {"relation": "子", "name": "桜木 陽菜", "birth_date": "2019-02-20"},
            ],
        },
        "padding": "",
    }
    base = len(json.dumps(document, ensure_ascii=False).encode())
    document["padding"] = "x" * (BODY_BYTES - base)
    body = json.dumps(document, ensure_ascii=False).encode()
    assert len(body) == BODY_BYTES, len(body)
    return body


# -- processes ----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(x) for x in (task / "children").read_text().split()]
    return found


def process_group(master: int) -> list[int]:
    """A gunicorn master and its workers (its children)."""
    return [master, *_children(master)]


def rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system time of one process (not of its waited-for children)."""
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    return 0.0


@dataclass(frozen=True)
class Memory:
    kib: int
    pids: tuple[int, ...]


def memory(master: int) -> Memory:
    pids = tuple(process_group(master))
    return Memory(sum(rss_kib(pid) for pid in pids), pids)


class Provider:
    """bench/exchange/provider.py under gunicorn with the kit's settings, in its own session."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log_path = folder / "log" / "bench-provider.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        argv = [
            sys.executable, "-m", "gunicorn",
            "--config", "python:govkit.gunicorn_config",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(WORKERS),
            "--threads", str(THREADS),
            "--name", "bench-provider",
            "--pythonpath", str(HERE),
            "provider:app",
        ]  # fmt: skip
        env = {**os.environ, "KIT_INSTANCE": "bench-provider", "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Abort(f"the provider exited: {tail(self.log_path)}")
            with contextlib.suppress(OSError):
                if call("GET", f"{self.url}/healthz").status == 200:
                    return
            time.sleep(0.1)
        raise Abort(f"the provider did not answer /healthz in 30 s: {tail(self.log_path)}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def catalogue(provider_url: str) -> str:
    """ss-lg139998's offer for the run: bench-echo, POST /echo for the portal only."""
    provider, service_code = SERVICE.split("/")[3], SERVICE.split("/")[4]
    return (
        "# make bench-exchange: one service for the benchmark (bench/bench_exchange.py).\n\n"
        "[[services]]\n"
        f'subsystem = "{provider}"\n'
        f'code = "{service_code}"\n'
        f'base_url = "{provider_url}"\n'
        "timeout = 10\n\n"
        "[[services.rights]]\n"
        f'client = "{CLIENT}"\n'
        'method = "POST"\n'
        'path = "/echo"\n'
    )


def start_kit(folder: Path, provider_url: str) -> Stack:
    path = folder / "bench-catalogue.toml"
    path.write_text(catalogue(provider_url), encoding="utf-8")
    manifest = Manifest.load(REPOSITORY / "kit.toml").select(
        ["trust", "central", CONSUMER, PROVIDER_SS]
    )
    specs = tuple(
        dataclasses.replace(spec, env={**spec.env, "SECURITYSERVER_CATALOGUE": str(path)})
        if spec.instance == PROVIDER_SS
        else spec
        for spec in manifest.services
    )
    stack = Stack(
        dataclasses.replace(manifest, services=specs),
        folder / "var",
        free_ports=True,
        workers=WORKERS,
        threads=THREADS,
        say=say,
    )
    stack.up()
    return stack


def client_headers(stack: Stack) -> dict[str, str]:
    """What the portal's system sends ss-da: its subsystem and the server's token."""
    spec = next(s for s in stack.manifest.services if s.instance == CONSUMER)
    token = stack.environment_for(spec)["SECURITYSERVER_INFORMATION_SYSTEM_TOKEN"]
    return {"X-Road-Client": CLIENT, SECURITY_SERVER_TOKEN_HEADER: token}


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join("    " + line[:400] for line in text.splitlines()[-lines:])


# -- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def call(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One HTTP exchange; 4xx and 5xx answers are returned, not raised."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"not a URL of a process started here: {url}")
    request = urllib.request.Request(url, body, headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return Answer(response.status, _headers(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, _headers(exc.headers), exc.read())


def _headers(message: Any) -> dict[str, str]:
    """Response headers by lower-case name."""
    return {name.lower(): value for name, value in message.items()}


@dataclass(frozen=True)
class Route:
    """One way to the provider: its URL, the headers it needs, the header it must answer."""

    name: str
    url: str
    headers: dict[str, str]
    expect_header: str = ""


def check(route: Route, body: bytes, stack: Stack | None) -> str:
    headers = {"Content-Type": "application/json", **route.headers}
    answer = call("POST", route.url, body, headers)
    problems = []
    if answer.status != 200:
        problems.append(f"status {answer.status}")
    if answer.body != body:
        problems.append("the body is not the request's")
    if route.expect_header and not answer.headers.get(route.expect_header.lower()):
        problems.append(f"no {route.expect_header} header")
    if problems:
        text = answer.body[:600].decode("utf-8", "replace")
        report = [
            f"{route.name}: POST {route.url} failed the check ({'; '.join(problems)})",
            f"  status {answer.status}",
            "  headers " + json.dumps(answer.headers, ensure_ascii=False),
            f"  body {text!r}",
        ]
        if stack is not None:
            for instance in (CONSUMER, PROVIDER_SS):
                log = stack.var_dir / "log" / f"{instance}.log"
                report += [f"  last lines of {log}:", tail(log)]
        raise Abort("\n".join(report))
    checked = f"200, {len(answer.body):,} bytes echoed"
    if route.expect_header:
        checked += f", {route.expect_header} {answer.headers[route.expect_header.lower()][:12]}…"
    return checked


# -- wrk ----------------------------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    wrong: int
    socket_errors: int
    statuses: dict[str, int] = field(default_factory=dict)
    sample: str = ""
    #: CPU seconds per process group (ss-da, ss-lg139998, provider, wrk) during the run.
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def cpu_ms(self, name: str) -> float:
        return 1000 * self.cpu.get(name, 0.0) / self.requests if self.requests else 0.0

    def problems(self) -> list[str]:
        found = []
        if self.wrong:
            statuses = ", ".join(f"{n:,} × {status}" for status, n in sorted(self.statuses.items()))
            found.append(f"{self.wrong:,} wrong answers ({statuses}; first: {self.sample!r})")
        if self.socket_errors:
            found.append(f"{self.socket_errors} connection errors or time-outs")
        return found


class Meter:
    """CPU time of the process groups that serve the benchmark."""

    def __init__(self, masters: dict[str, int]) -> None:
        self.masters = masters

    def sample(self) -> dict[str, float]:
        used = {
            name: sum(cpu_seconds(pid) for pid in process_group(master))
            for name, master in self.masters.items()
        }
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        used["wrk"] = children.ru_utime + children.ru_stime
        return used


def wrk(route: Route, body_file: Path, seconds: int, connections: int, meter: Meter) -> Result:
    threads = min(2, connections)
    argv = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    argv += ["--timeout", "10s", "-s", str(HERE / "post.lua")]
    for name, value in {"Content-Type": "application/json", **route.headers}.items():
        argv += ["-H", f"{name}: {value}"]
    argv += [route.url, "--", str(body_file), route.expect_header]
    before = meter.sample()
    finished = subprocess.run(argv, capture_output=True, text=True, check=False)
    after = meter.sample()
    line = next(
        (x for x in finished.stdout.splitlines() if x.startswith("BENCH_EXCHANGE_RESULT ")), None
    )
    if finished.returncode != 0 or line is None:
        raise Abort(f"wrk failed ({finished.returncode}): {finished.stderr.strip()[-300:]}")
    data = json.loads(line.removeprefix("BENCH_EXCHANGE_RESULT "))
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        wrong=data["wrong"],
        socket_errors=data["socket_errors"],
        statuses=data["statuses"],
        sample=data["sample"],
        cpu={name: after[name] - before.get(name, 0.0) for name in after},
    )


# -- the run ------------------------------------------------------------------------------------


@dataclass
class Run:
    """Everything measured, for the report."""

    checks: dict[str, str] = field(default_factory=dict)
    results: dict[tuple[int, str], Result] = field(default_factory=dict)
    warmups: dict[tuple[int, str], Result] = field(default_factory=dict)
    memory: dict[str, list[tuple[int, Memory]]] = field(default_factory=dict)
    messages: int = 0  # through the exchange since the security servers started
    #: The memory runs, each with the message count when it started.
    rss_runs: list[tuple[int, Result]] = field(default_factory=list)
    #: Milliseconds of each message sent after an idle spell, by route.
    after_idle: dict[str, list[float]] = field(default_factory=dict)


def measure(routes: list[Route], body_file: Path, meter: Meter, run: Run) -> None:
    for connections in CONCURRENCIES:
        for route in routes:
            say(f"• c={connections} {route.name}: {WARMUP} s warm-up, {SECONDS} s measured")
            warm = wrk(route, body_file, WARMUP, connections, meter)
            result = wrk(route, body_file, SECONDS, connections, meter)
            run.warmups[(connections, route.name)] = warm
            run.results[(connections, route.name)] = result
            if route.name == "exchange":
                run.messages += warm.requests + result.requests


def after_idle(routes: list[Route], body: bytes, run: Run) -> None:
    """One message at a time, each after ``IDLE_SECONDS`` of quiet, on each route in turn."""
    say(
        f"• {IDLE_SAMPLES} single messages per route, each after {IDLE_SECONDS:g} s idle "
        f"(the kit's gunicorn keep-alive is {gunicorn_config.keepalive} s)"
    )
    headers = {"Content-Type": "application/json"}
    for _ in range(IDLE_SAMPLES):
        for route in routes:
            time.sleep(IDLE_SECONDS)
            started = time.perf_counter()
            answer = call("POST", route.url, body, {**headers, **route.headers})
            took = 1000 * (time.perf_counter() - started)
            if answer.status != 200 or answer.body != body:
                raise Abort(f"{route.name} after idle: status {answer.status}")
            run.after_idle.setdefault(route.name, []).append(took)
            if route.name == "exchange":
                run.messages += 1


def soak(exchange: Route, body_file: Path, meter: Meter, run: Run, masters: dict[str, int]) -> None:
    """Messages through the exchange until RSS_MESSAGES; RSS read now, after RSS_WARM, half
    way and at the end. Each wrk run is sized to stop just past the next sample point."""

    def sample() -> None:
        for name in (CONSUMER, PROVIDER_SS):
            run.memory.setdefault(name, []).append((run.messages, memory(masters[name])))

    sample()
    rate = max(run.results[(16, "exchange")].rate, 1.0)
    goals = sorted({min(RSS_WARM, RSS_MESSAGES), max(RSS_WARM, RSS_MESSAGES // 2), RSS_MESSAGES})
    for goal in (g for g in goals if g <= RSS_MESSAGES):
        while run.messages < goal:
            remaining = goal - run.messages
            seconds = max(1, min(RSS_CHUNK_SECONDS, math.floor(0.9 * remaining / rate)))
            result = wrk(exchange, body_file, seconds, 16, meter)
            run.rss_runs.append((run.messages, result))
            run.messages += result.requests
            rate = max(result.rate, 1.0)
            say(f"  {run.messages:,} messages through the exchange ({result.rate:,.0f} req/s)")
        sample()


# -- where the time goes (--profile) ------------------------------------------------------------


PROFILE_MESSAGES = 300


def profile(stack: Stack, body: bytes) -> None:
    """Both security servers in this process: time per step of one exchange, then cProfile.

    ss-da's and ss-lg139998's Flask apps are built here with the environments the stack gave
    their processes (same data folders, keys and databases); ss-da's peer connection is
    replaced by ss-lg139998's test client, with ss-da's TLS certificate as the peer's. The
    provider is the real one. Both servers' log lines go to /dev/null.
    """
    import collections
    import cProfile
    import functools
    import io
    import pstats

    from cryptography.hazmat.primitives.serialization import Encoding

    from govkit.service import load_definition
    from securityserver import create_app, proxy, web
    from securityserver import forward as forwarding
    from securityserver.peers import PeerAnswer
    from securityserver.runtime import Runtime
    from securityserver.worker import PEER_CERTIFICATE

    definition = load_definition("securityserver")
    specs = {s.instance: s for s in stack.manifest.services}
    totals: dict[str, float] = collections.defaultdict(float)
    calls: collections.Counter[str] = collections.Counter()

    def timed(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - started
                calls[label] += 1

        setattr(owner, name, wrapper)

    with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
        apps = {
            name: create_app(definition.settings(stack.environment_for(specs[name])))
            for name in (CONSUMER, PROVIDER_SS)
        }
        consumer = web.runtime(apps[CONSUMER])
        peer = apps[PROVIDER_SS].test_client()
        certificate = consumer.tls.certificate.public_bytes(Encoding.DER)

        class InProcessPeer:
            def send(self, address: str, fingerprint: str, envelope: Any, **_: Any) -> Any:
                answer = peer.post(
                    "/exchange/v1/message",
                    data=envelope.payload,
                    headers=envelope.http_headers(),
                    environ_base={PEER_CERTIFICATE: certificate},
                )
                return PeerAnswer(answer.status_code, dict(answer.headers), answer.get_data())

            def close(self) -> None:
                pass

        consumer.peers = InProcessPeer()  # type: ignore[assignment]
        client = apps[CONSUMER].test_client()
        headers = {"Content-Type": "application/json", **client_headers(stack)}

        def one() -> None:
            answer = client.post(f"/r1/{SERVICE}/echo", data=body, headers=headers)
            if answer.status_code != 200 or answer.get_data() != body:
                problem = f"{answer.status_code} {answer.get_data()[:300]!r}"
                raise Abort(f"the in-process exchange answered {problem}")

        for _ in range(30):
            one()
        timed(web, "consume", f"{CONSUMER}: consume, whole exchange")
        timed(web, "provide", f"{PROVIDER_SS}: provide (inside the above)")
        timed(proxy, "sign_message", "sign_message (ES256 JWS)")
        timed(proxy, "verify_message", "verify_message (JWS, x5c path)")
        timed(Runtime, "append_log", "Runtime.append_log (message log)")
        timed(Runtime, "record_monitoring", "Runtime.record_monitoring")
        timed(forwarding, "forward", "forward to the provider (requests)")
        timed(proxy, "parse_target", "parse_target")
        timed(proxy, "check_access", "check_access")
        timed(proxy, "_authenticate_peer", "_authenticate_peer")
        started = time.perf_counter()
        for _ in range(PROFILE_MESSAGES):
            one()
        wall = (time.perf_counter() - started) / PROFILE_MESSAGES
        steps, counts = dict(totals), dict(calls)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(PROFILE_MESSAGES):
            one()
        profiler.disable()
    print()
    print(
        f"One exchange in process, both security servers (Flask test clients, no TLS between "
        f"them), {PROFILE_MESSAGES} messages: {1000 * wall:.2f} ms each"
    )
    for label, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        each = counts[label] // PROFILE_MESSAGES or 1
        print(f"  {label:44}{1000 * seconds / PROFILE_MESSAGES:8.2f} ms   ({each} per exchange)")
    for order, restriction, title in (
        ("cumulative", ["securityserver|govkit", 30], "the kit's functions, by cumulative time"),
        ("tottime", [25], "all functions, by own time"),
    ):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(*restriction)
        print(f"cProfile (slows Python more than C), {PROFILE_MESSAGES} exchanges, {title}:")
        print(text.getvalue().split("\n\n", 1)[-1].rstrip())


# -- report -------------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def report_memory(run: Run) -> None:
    names = (CONSUMER, PROVIDER_SS)
    if any(len(run.memory.get(name, [])) < 3 for name in names):
        print("Memory: not measured (BENCH_RSS_MESSAGES=0)")
        return
    print(
        f"Memory: RSS of each security server (VmRSS of the gunicorn master and its workers, "
        f"summed) after {run.messages:,} messages through the exchange in all"
    )
    print(f"  {'messages':>10}" + "".join(f"{name:>16}" for name in names))
    for index, (count, _) in enumerate(run.memory[CONSUMER]):
        sizes = "".join(f"{run.memory[n][index][1].kib / 1024:12,.1f} MiB" for n in names)
        print(f"  {count:10,}{sizes}")
    verdicts = []
    for name in names:
        samples = run.memory[name]
        (_, warm), (_, half), (_, last) = samples[1], samples[-2], samples[-1]
        growth = (last.kib - warm.kib) / warm.kib if warm.kib else 0.0
        late = (last.kib - half.kib) / half.kib if half.kib else 0.0
        same = warm.pids == last.pids
        restarted = "" if same else ", a worker was restarted"
        verdicts.append(
            f"{name} {growth:+.1%} (last half {late:+.1%}{restarted}): "
            f"{verdict(growth < FLAT_GROWTH and same)}"
        )
    print(
        f"  growth from the {run.memory[CONSUMER][1][0]:,}-message sample to the end, target "
        f"flat (< {FLAT_GROWTH:.0%}, same workers): " + "; ".join(verdicts)
    )
    warm_at, half_at = run.memory[CONSUMER][1][0], run.memory[CONSUMER][-2][0]
    early = [r for start, r in run.rss_runs if start < warm_at]
    late_runs = [r for start, r in run.rss_runs if start >= half_at]
    if early and late_runs:
        per = [
            1000
            * sum(r.cpu.get(n, 0.0) for r in group for n in names)
            / max(1, sum(r.requests for r in group))
            for group in (early, late_runs)
        ]
        print(
            f"  CPU per message in both security servers: {per[0]:.2f} ms up to {warm_at:,} "
            f"messages, {per[1]:.2f} ms after {half_at:,} (the message log grows meanwhile)"
        )


def report(run: Run, load: float, cpus: int) -> int:
    print()
    print(
        f"Exchange: one {BODY_BYTES:,}-byte JSON POST, direct to the provider and through "
        f"{CONSUMER} → {PROVIDER_SS} (mutual TLS, signed, logged), on {cpus} CPUs"
    )
    print(
        f"  wrk: c=1 with 1 thread, c=16 with 2 threads; {SECONDS} s measured after {WARMUP} s "
        f"of warm-up; provider: gunicorn {WORKERS} workers × {THREADS} threads; security "
        f"servers: {SS_WORKERS} worker(s) × {SS_THREADS} threads (kit.toml, the service), SQLite"
    )
    if load >= 0.5:
        print(f"  ⚠ load average {load:.1f} before the run: other processes shared the CPUs")
    print(
        f"  {'':16}{'req/s':>9}{'p50':>11}{'p99':>11}{'wrong':>7}   "
        f"CPU ms per message: {CONSUMER} / {PROVIDER_SS} / provider / wrk"
    )
    flagged: list[str] = []
    for connections in CONCURRENCIES:
        for name in ("direct", "exchange"):
            r = run.results[(connections, name)]
            label = f"c={connections:<3} {name}"
            cpu = " / ".join(
                f"{r.cpu_ms(n):.2f}" for n in (CONSUMER, PROVIDER_SS, "provider", "wrk")
            )
            line = (
                f"  {label:16}{r.rate:9,.0f}{r.p50_ms:8.2f} ms{r.p99_ms:8.2f} ms{r.wrong:7,d}"
                f"   {cpu}"
            )
            problems = r.problems() + [
                f"warm-up: {p}" for p in run.warmups[(connections, name)].problems()
            ]
            if problems:
                line += "   ⚠ " + "; ".join(problems)
                flagged += [f"{label}: {p}" for p in problems]
            print(line)
    direct1, exchange1 = run.results[(1, "direct")], run.results[(1, "exchange")]
    direct16, exchange16 = run.results[(16, "direct")], run.results[(16, "exchange")]
    added = exchange1.p50_ms - direct1.p50_ms
    ratio16 = exchange16.rate / direct16.rate if direct16.rate else 0.0
    ratio1 = exchange1.rate / direct1.rate if direct1.rate else 0.0
    print("Targets (issue 5, on 2 cores)")
    print(
        f"  throughput through the exchange, c=16: {ratio16:.1%} of direct "
        f"(c=1: {ratio1:.1%})   target ≥ {RATIO_TARGET:.0%}: {verdict(ratio16 >= RATIO_TARGET)}"
    )
    print(
        f"  added p50 at c=1: {added:.2f} ms   target ≤ {ADDED_P50_TARGET_MS:g} ms: "
        f"{verdict(added <= ADDED_P50_TARGET_MS)}"
    )
    print(
        f"  p99 through the exchange at c=16: {exchange16.p99_ms:.2f} ms   target ≤ "
        f"{P99_TARGET_MS:g} ms: {verdict(exchange16.p99_ms <= P99_TARGET_MS)}"
    )
    exchange_cpu = sum(exchange16.cpu_ms(n) for n in (CONSUMER, PROVIDER_SS, "provider"))
    direct_cpu = direct16.cpu_ms("provider")
    if exchange_cpu and direct_cpu:
        print(
            f"  CPU per message at c=16 (servers only, wrk left out): exchange "
            f"{exchange_cpu:.2f} ms, direct {direct_cpu:.2f} ms; on {cpus} idle CPUs at most "
            f"{1000 * cpus / exchange_cpu:,.0f} and {1000 * cpus / direct_cpu:,.0f} req/s"
        )
    if run.after_idle:
        figures = "; ".join(
            f"{name} {sorted(took)[len(took) // 2]:.1f} ms ("
            + ", ".join(f"{t:.1f}" for t in took)
            + ")"
            for name, took in run.after_idle.items()
        )
        print(f"  one message after {IDLE_SECONDS:g} s idle, median (each): {figures}")
    for problem in (p for _, r in run.rss_runs for p in r.problems()):
        flagged.append(f"memory run: {problem}")
    report_memory(run)
    if flagged:
        print("Runs flagged (their figures do not count):")
        for problem in flagged:
            print(f"  - {problem}")
    return 1 if flagged else 0


def main() -> int:
    if shutil.which("wrk") is None:
        say("wrk is missing: scripts/ensure-debs wrk (or make bench-exchange)")
        return 2
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    body = request_body()
    keep = os.environ.get("BENCH_VAR")
    with contextlib.ExitStack() as cleanup:
        if keep:
            folder = Path(keep).resolve()
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-ex-")))
        body_file = folder / "body.json"
        body_file.write_bytes(body)
        provider = Provider(folder)
        cleanup.callback(provider.stop)
        stack: Stack | None = None
        try:
            say("• starting the provider, trust, central and both security servers")
            provider.start()
            stack = start_kit(folder, provider.url)
            cleanup.callback(stack.stop)
            direct = Route("direct", f"{provider.url}/echo", {})
            port = stack.ports[CONSUMER]
            exchange = Route(
                "exchange", f"http://127.0.0.1:{port}/r1/{SERVICE}/echo", client_headers(stack),
                REQUEST_HASH,
            )  # fmt: skip
            run = Run()
            run.checks = {r.name: check(r, body, stack) for r in (direct, exchange)}
            run.messages = 1
            for name, checked in run.checks.items():
                say(f"  ✓ {name}: {checked}")
            masters = {
                CONSUMER: stack.running[CONSUMER].process.pid,
                PROVIDER_SS: stack.running[PROVIDER_SS].process.pid,
                "provider": provider.pid,
            }
            meter = Meter(masters)
            if "--profile" in sys.argv[1:]:
                profile(stack, body)
                return 0
            measure([direct, exchange], body_file, meter, run)
            if IDLE_SAMPLES > 0:
                after_idle([direct, exchange], body, run)
            if RSS_MESSAGES > 0:
                say(f"• {RSS_MESSAGES:,} messages through the exchange for the memory figures")
                soak(exchange, body_file, meter, run, masters)
        except (Abort, StackError) as exc:
            say(f"bench-exchange stopped: {exc}")
            if keep:
                say(f"runtime folder kept in {folder}")
            return 1
    return report(run, load, cpus)


if __name__ == "__main__":
    sys.exit(main())
