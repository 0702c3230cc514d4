"""The stack launcher: runs the whole kit as separate processes, the same way for people and tests.

``kit up`` (``make up``) and the acceptance suite both use :class:`Stack`:

1. read ``kit.toml`` (which services, which ports, start order, per-instance settings);
2. create the runtime folder (``var/``): one sub-folder per service with its database and a
   random secret key made on first run and reused afterwards;
3. stage by stage (a service comes ``after`` the services it needs), prepare each service
   in-process (apply its Alembic migrations, seed its demo data — which may call a service of an
   earlier stage, such as the trust service for a seal certificate), then start it under
   gunicorn in its own process group and wait until it answers ``GET /healthz``;
5. on :meth:`Stack.stop` (Ctrl-C, SIGTERM, the end of a test session) terminate every process
   group it started, escalate to SIGKILL after a grace period, and check the ports are free.

Tests pass ``free_ports=True`` and a temporary ``var`` folder, so a suite never collides with a
running ``make up``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import socket
import sys
import time
import tomllib
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit.config import KIT_SECRETS
from govkit.service import PrepareReport, load_definition, prepare

_PR_SET_PDEATHSIG = 1


class StackError(RuntimeError):
    """The kit could not start; the message says which service and why."""


@dataclass(frozen=True)
class ServiceSpec:
    """One process of the kit, as ``kit.toml`` describes it."""

    instance: str
    package: str
    port: int
    label: str
    after: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    browser: bool = True
    #: A second, mutual-TLS listener (security servers' SS-to-SS port).
    tls_port: int | None = None
    #: gunicorn worker processes for this service instead of the stack's default.
    workers: int | None = None
    #: The instance of this service's own security server, and the subsystem it calls as.
    security_server: str | None = None
    exchange_client: str | None = None

    @property
    def env_key(self) -> str:
        return self.instance.upper().replace("-", "_")


@dataclass(frozen=True)
class Manifest:
    path: Path
    services: tuple[ServiceSpec, ...]
    #: Security-server instance → the ``exchange_client`` of every service of the whole kit
    #: behind it (kept by :meth:`select`: a server hosts them whether they run or not).
    hosted_clients: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StackError(f"no kit manifest at {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise StackError(f"{path} is not valid TOML: {exc}") from None
        specs = []
        for instance, raw in data.get("services", {}).items():
            specs.append(
                ServiceSpec(
                    instance=instance,
                    package=raw.get("package", instance),
                    port=int(raw["port"]),
                    label=raw.get("label", instance),
                    after=tuple(raw.get("after", ())),
                    env={str(k): str(v) for k, v in raw.get("env", {}).items()},
                    browser=bool(raw.get("browser", True)),
                    tls_port=int(raw["tls_port"]) if "tls_port" in raw else None,
                    workers=int(raw["workers"]) if "workers" in raw else None,
                    security_server=raw.get("security_server"),
                    exchange_client=raw.get("exchange_client"),
                )
            )
        known = {s.instance for s in specs}
        hosted: dict[str, tuple[str, ...]] = {}
        for spec in specs:
            if spec.security_server is not None and spec.security_server not in known:
                raise StackError(
                    f"{path}: {spec.instance}'s security_server {spec.security_server!r} "
                    "is not a service of the kit"
                )
            if spec.security_server is not None and spec.exchange_client:
                clients = hosted.get(spec.security_server, ())
                hosted[spec.security_server] = (*clients, spec.exchange_client)
        manifest = cls(path=path, services=tuple(specs), hosted_clients=hosted)
        manifest.stages()  # validates the start order
        return manifest

    def select(self, names: Iterable[str]) -> Manifest:
        wanted = list(names)
        known = {s.instance for s in self.services}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise StackError(f"unknown service(s): {', '.join(unknown)} (known: {sorted(known)})")
        chosen = tuple(s for s in self.services if s.instance in wanted)
        return Manifest(self.path, chosen, self.hosted_clients)

    def stages(self) -> list[list[ServiceSpec]]:
        """Services grouped so that each group only comes after earlier groups."""
        names = {s.instance for s in self.services}
        pending = {s.instance: s for s in self.services}
        done: set[str] = set()
        stages: list[list[ServiceSpec]] = []
        while pending:
            ready = [
                s for s in pending.values() if all(a in done or a not in names for a in s.after)
            ]
            if not ready:
                raise StackError(f"kit.toml: circular 'after' between {sorted(pending)}")
            stages.append(ready)
            for spec in ready:
                done.add(spec.instance)
                del pending[spec.instance]
        return stages


#: Ports handed out by :func:`free_port` in this process (never handed out twice).
_HANDED_OUT: set[int] = set()
_FREE_PORTS_FROM = 10_000


def _ephemeral_start() -> int:
    """The first port Linux gives outgoing connections (32768 unless configured)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port() -> int:
    """A port nothing listens on, for a service to bind a moment later.

    Chosen at random below the ephemeral range: a port the kernel picked with ``bind(0)`` comes
    from that range, and an outgoing connection (to PostgreSQL, to a service started earlier)
    may take it before the service binds it."""
    start = _ephemeral_start()
    if start - _FREE_PORTS_FROM < 1_000:  # an unusual range: fall back on the kernel's choice
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    for _attempt in range(200):
        port = _FREE_PORTS_FROM + secrets.randbelow(start - _FREE_PORTS_FROM)
        if port not in _HANDED_OUT and not port_in_use(port):
            _HANDED_OUT.add(port)
            return port
    raise StackError(f"no free port between {_FREE_PORTS_FROM} and {start - 1}")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM the child if the launcher itself is killed (even with SIGKILL)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _name_process(title: str) -> None:  # pragma: no cover - runs in the child
    """Set the process title before the environment changes (setproctitle needs the original)."""
    with contextlib.suppress(ImportError):
        import setproctitle

        setproctitle.setproctitle(title)


def _read_or_create_secret(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


class ServiceProcess:
    """A gunicorn master forked from the launcher, in its own session and process group.

    Forking (instead of starting a fresh interpreter) lets each service reuse the modules the
    launcher already imported to prepare the databases (Flask, SQLAlchemy, the service itself),
    which cuts each service's start from about 1.4 s of CPU to a few milliseconds. The child
    resets signal handlers, asks to be SIGTERMed if the launcher dies, points stdout/stderr at
    its log file, takes the service's environment and runs gunicorn's own entry point.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    @classmethod
    def start(
        cls, argv: list[str], env: Mapping[str, str], log_path: Path, cwd: Path
    ) -> ServiceProcess:
        launcher = os.getpid()
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            os.close(log_fd)
            os.close(null_fd)
            return cls(pid)
        code = 1  # pragma: no cover - everything below runs in the child
        try:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
                signal.signal(sig, signal.SIG_DFL)
            os.setsid()
            _die_with_parent()
            _name_process(f"starting {argv[-1]}")
            if os.getppid() != launcher:
                os._exit(1)
            os.dup2(null_fd, 0)
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            # The launcher's sys.stdout/stderr may be wrappers over other descriptors (a test
            # runner's capture files): point them at the log too.
            sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
            os.chdir(cwd)
            # Behave like a fresh interpreter: no warning filters inherited from the launcher
            # (a test runner may have turned warnings into errors).
            warnings.resetwarnings()
            os.environ.clear()
            os.environ.update(env)
            sys.argv = argv
            from gunicorn.app.wsgiapp import run

            run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - report and leave, never return to the launcher
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"process {self.pid} still running after {timeout:.0f} s")
            time.sleep(0.05)
        assert self.returncode is not None
        return self.returncode

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)


@dataclass
class RunningService:
    spec: ServiceSpec
    port: int
    process: ServiceProcess
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"


class Stack:
    """The kit's processes for one runtime folder."""

    def __init__(
        self,
        manifest: Manifest,
        var_dir: Path,
        *,
        free_ports: bool = False,
        environ: Mapping[str, str] | None = None,
        bind_host: str = "127.0.0.1",
        workers: int = 2,
        threads: int = 4,
        health_timeout: float = 60.0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.manifest = manifest
        self.var_dir = var_dir.resolve()
        self.base_environ = dict(os.environ if environ is None else environ)
        self.bind_host = bind_host
        self.workers = workers
        self.threads = threads
        self.health_timeout = health_timeout
        self.say = say or (lambda _msg: None)
        self.ports = {
            s.instance: (free_port() if free_ports else s.port) for s in manifest.services
        }
        self.tls_ports = {
            s.instance: (free_port() if free_ports else s.tls_port)
            for s in manifest.services
            if s.tls_port is not None
        }
        self.running: dict[str, RunningService] = {}
        self.reports: dict[str, PrepareReport] = {}

    # -- environment ------------------------------------------------------------------------

    def url(self, instance: str) -> str:
        return f"http://localhost:{self.ports[instance]}"

    def _is_token(self, security_server: str) -> str:
        """The information-system token of ``security_server`` (made once)."""
        return _read_or_create_secret(self.var_dir / security_server / "information_system_token")

    def environment_for(self, spec: ServiceSpec) -> dict[str, str]:
        """The environment a service process runs with."""
        settings_class = load_definition(spec.package).settings_class
        prefix = settings_class.env_prefix
        env = dict(self.base_environ)
        env.setdefault("KIT_ENVIRONMENT", "production")
        for other in self.manifest.services:
            env[f"KIT_{other.env_key}_URL"] = self.url(other.instance)
        data_dir = self.var_dir / spec.instance
        env[f"{prefix}DATA_DIR"] = str(data_dir)
        env[f"{prefix}PUBLIC_URL"] = self.url(spec.instance)
        env[f"{prefix}SECRET_KEY"] = _read_or_create_secret(data_dir / "secret_key")
        # Kit-wide secrets (trust's RA token, the IdP's and central's registration tokens, the
        # exchange pseudonym key): each process gets only those its settings say it uses, even
        # when the caller's environment holds others.
        for name in KIT_SECRETS:
            variable = f"KIT_{name.upper()}"
            if name in settings_class.USES_KIT_SECRETS:
                env.setdefault(variable, _read_or_create_secret(self.var_dir / "kit" / name))
            else:
                env.pop(variable, None)
        if spec.instance in self.tls_ports:
            env[f"{prefix}TLS_PORT"] = str(self.tls_ports[spec.instance])
        if spec.security_server in self.ports:
            env[f"{prefix}SECURITY_SERVER_URL"] = self.url(spec.security_server)
        # One token per security server, shared with the services behind it and shown both
        # ways: their calls carry it, and their exchange endpoints answer only requests that
        # carry it (govkit.exchange.provider).
        if spec.security_server is not None:
            env[f"{prefix}SECURITY_SERVER_TOKEN"] = self._is_token(spec.security_server)
        if "information_system_token" in settings_class.model_fields:  # a security server
            env[f"{prefix}INFORMATION_SYSTEM_TOKEN"] = self._is_token(spec.instance)
        if spec.exchange_client:
            env[f"{prefix}EXCHANGE_CLIENT"] = spec.exchange_client
        if spec.instance in self.manifest.hosted_clients:
            env[f"{prefix}HOSTED_CLIENTS"] = ",".join(self.manifest.hosted_clients[spec.instance])
        instance_db = self.base_environ.get(f"{spec.env_key}_DATABASE_URL")
        if instance_db:
            env[f"{prefix}DATABASE_URL"] = instance_db
        elif spec.instance != spec.package:
            # Several instances share a package (security servers): never one shared database.
            env.pop(f"{prefix}DATABASE_URL", None)
        env.update(spec.env)
        env["KIT_INSTANCE"] = spec.instance
        env["PYTHONUNBUFFERED"] = "1"
        return env

    # -- lifecycle --------------------------------------------------------------------------

    def prepare(self, stages: list[list[ServiceSpec]] | None = None) -> dict[str, PrepareReport]:
        """Migrate and seed services' databases (in this process; idempotent).

        Seeding may call services of earlier stages (a seal certificate from the trust service,
        say): :meth:`up` prepares each stage only once the stages before it are running.
        """
        self.var_dir.mkdir(parents=True, exist_ok=True)
        (self.var_dir / "log").mkdir(exist_ok=True)
        for stage in stages if stages is not None else self.manifest.stages():
            for spec in stage:
                definition = load_definition(spec.package)
                try:
                    settings = definition.settings(self.environment_for(spec))
                    report = prepare(definition, settings)
                except Exception as exc:
                    raise StackError(f"{spec.instance}: preparing failed: {exc}") from exc
                self.reports[spec.instance] = report
                seeded = f", {'; '.join(report.seeded)}" if report.seeded else ""
                self.say(
                    f"  ✓ {spec.instance:<16} {report.dialect} database at revision "
                    f"{report.revision or '-'}{seeded}"
                )
        return self.reports

    def _check_ports(self) -> None:
        wanted = [(s.instance, self.ports[s.instance]) for s in self.manifest.services]
        wanted += list(self.tls_ports.items())
        busy = [
            f"{instance} ({port})" for instance, port in wanted if port_in_use(port, self.bind_host)
        ]
        if busy:
            raise StackError(
                "port already in use: " + ", ".join(busy) + ". Is another `make up` running? "
                "`ss -ltnp` shows which process holds a port."
            )

    def _start_stage(self, stage: list[ServiceSpec]) -> None:
        for spec in stage:
            self._spawn(spec)
        for spec in stage:
            self._wait_healthy(self.running[spec.instance])
            self.say(f"  ✓ {spec.instance:<16} running at {self.url(spec.instance)}")

    def start(self) -> None:
        """Start every (already prepared) service, stage by stage, waiting for ``/healthz``."""
        self._check_ports()
        try:
            for stage in self.manifest.stages():
                self._start_stage(stage)
        except BaseException:
            self.stop()
            raise

    def up(self) -> None:
        """Prepare and start each stage in turn: what `make up` does."""
        self._check_ports()
        try:
            for stage in self.manifest.stages():
                self.prepare([stage])
                self._start_stage(stage)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, spec: ServiceSpec) -> None:
        definition = load_definition(spec.package)
        log_path = self.var_dir / "log" / f"{spec.instance}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        argv = [
            "gunicorn",
            "--config", "python:govkit.gunicorn_config",
            "--bind", f"{self.bind_host}:{self.ports[spec.instance]}",
            "--workers", str(spec.workers or self.workers),
            "--threads", str(self.threads),
            "--name", f"kit-{spec.instance}",
        ]  # fmt: skip
        if spec.instance in self.tls_ports:
            argv += ["--bind", f"{self.bind_host}:{self.tls_ports[spec.instance]}"]
        argv += definition.gunicorn_arguments()
        argv.append(definition.app)
        process = ServiceProcess.start(argv, self.environment_for(spec), log_path, self.var_dir)
        self.running[spec.instance] = RunningService(
            spec, self.ports[spec.instance], process, log_path
        )

    def _wait_healthy(self, service: RunningService) -> None:
        deadline = time.monotonic() + self.health_timeout
        url = f"http://127.0.0.1:{service.port}/healthz"
        last_problem = "no answer yet"
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise StackError(
                    f"{service.spec.instance} exited with code {service.process.returncode} "
                    f"before it was ready. Last lines of {service.log_path}:\n"
                    + _tail(service.log_path)
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                last_problem = f"/healthz answered {exc.code}: {exc.read()[:300]!r}"
            except (urllib.error.URLError, OSError) as exc:
                last_problem = str(exc)
            time.sleep(0.1)
        raise StackError(
            f"{service.spec.instance} did not become healthy within {self.health_timeout:.0f} s "
            f"({last_problem}). Last lines of {service.log_path}:\n" + _tail(service.log_path)
        )

    def stop(self, grace: float = 10.0) -> None:
        """Terminate every process group started here; SIGKILL whatever outlives ``grace``."""
        services = list(self.running.values())
        for service in reversed(services):
            service.process.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in services:
            with contextlib.suppress(TimeoutError):
                service.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        for service in services:
            # Workers of a master that died early may linger in the group: sweep it.
            service.process.signal_group(signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                service.process.wait(timeout=5)
        self.running.clear()

    def kill(self, instance: str) -> None:
        """Kill one running service outright (SIGKILL to its whole process group), as a crash
        would; :meth:`restart` brings it back."""
        service = self.running.pop(instance)
        service.process.signal_group(signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            service.process.wait(timeout=5)

    def restart(self, instance: str) -> None:
        """Start a service again (after :meth:`kill`) and wait until it is healthy."""
        spec = next(s for s in self.manifest.services if s.instance == instance)
        self._spawn(spec)
        self._wait_healthy(self.running[instance])

    def __enter__(self) -> Stack:
        self.up()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "  (no log)"
    return "\n".join("  " + line for line in text.splitlines()[-lines:])
