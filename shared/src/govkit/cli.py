"""``kit``: the kit's command line (``make up`` runs ``kit up``).

kit up [SERVICE…]     prepare and start the kit (or only the named services), print the URLs
kit prepare [SERVICE…] apply migrations and seed demo data, then exit
kit serve SERVICE     prepare one service from its environment and exec gunicorn (containers)
kit reset             delete the runtime folder (databases, keys, logs)
kit verify FILE.pdf   check a kit document offline (exit code per verdict)
kit i18n …            message catalogues
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
import unicodedata
from pathlib import Path
from types import FrameType

import click

from govkit.config import ServiceSettings, SettingsError
from govkit.db import Database
from govkit.service import ServiceDefinition, load_definition, prepare
from govkit.stack import Manifest, Stack, StackError

MARKER = ".madoguchi-var"


class _Shutdown(Exception):
    pass


def _find_manifest(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "kit.toml"
        if candidate.is_file():
            return candidate
    raise click.ClickException("no kit.toml here or in any parent folder: run from the repository")


def _var_dir(manifest: Path, option: str | None) -> Path:
    chosen = option or os.environ.get("KIT_VAR_DIR")
    return Path(chosen).resolve() if chosen else manifest.parent / "var"


def _mark(var: Path) -> None:
    var.mkdir(parents=True, exist_ok=True)
    (var / MARKER).write_text("runtime folder of `kit up`; `kit reset` deletes it\n")


manifest_option = click.option(
    "--manifest", type=click.Path(dir_okay=False, path_type=Path), help="kit.toml to use"
)
var_option = click.option("--var", "var", help="runtime folder (default: var/ beside kit.toml)")


@click.group()
def main() -> None:
    """Madoguchi kit tools."""


@main.command()
@click.argument("services", nargs=-1)
@manifest_option
@var_option
def up(services: tuple[str, ...], manifest: Path | None, var: str | None) -> None:
    """Prepare and start the kit; Ctrl-C stops every process it started."""
    started_at = time.monotonic()
    manifest_path = manifest or _find_manifest()
    try:
        kit = Manifest.load(manifest_path)
        if services:
            kit = kit.select(services)
    except StackError as exc:
        raise click.ClickException(str(exc)) from None
    var_dir = _var_dir(manifest_path, var)
    first_run = not (var_dir / MARKER).exists()
    _mark(var_dir)
    click.echo(f"• {'Creating' if first_run else 'Reusing'} runtime folder {var_dir}")

    stopping: list[str] = []

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        # Only the first signal interrupts: `make up` stopped by a signal to its process group
        # gets it twice (make passes its own on), and a second exception raised while the
        # first is being handled would skip stopping the services.
        if not stopping:
            stopping.append(signal.Signals(signum).name)
            raise _Shutdown(stopping[0])

    previous = {s: signal.signal(s, shutdown) for s in (signal.SIGINT, signal.SIGTERM)}
    stack = Stack(kit, var_dir, say=click.echo)
    exit_code = 0
    try:
        click.echo("• Preparing (migrations, demo data, certificates) and starting services")
        stack.up()
        _print_table(stack, time.monotonic() - started_at)
        while True:
            time.sleep(0.5)
            for name, service in stack.running.items():
                if service.process.poll() is not None:
                    raise StackError(
                        f"{name} stopped unexpectedly (exit code {service.process.returncode}); "
                        f"see {service.log_path}"
                    )
    except _Shutdown as why:
        click.echo(f"\n• {why} received: stopping")
    except StackError as exc:
        click.secho(f"\n✗ {exc}", fg="red", err=True)
        exit_code = 1
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        if stack.ports:
            click.echo("• Every process stopped; ports are free")
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.exit(exit_code)


def _cells(text: str) -> int:
    """How many terminal columns ``text`` takes: wide and full-width characters (桜木市) two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(width - _cells(text), 0)


def _print_table(stack: Stack, elapsed: float) -> None:
    rows = [(s.label, stack.url(s.instance)) for s in stack.manifest.services if s.browser]
    others = [(s.label, stack.url(s.instance)) for s in stack.manifest.services if not s.browser]
    width = max(_cells(label) for label, _ in rows + others) + 2
    click.echo("")
    click.secho(f"Madoguchi is running (ready in {elapsed:.1f} s). Ctrl-C stops it.", bold=True)
    click.echo("")
    click.echo(f"  {_pad('Open in your browser', width)}URL")
    for label, url in rows:
        click.echo(f"  {_pad(label, width)}{url}")
    if others:
        click.echo("")
        click.echo(f"  {_pad('Agency-facing (no pages)', width)}URL")
        for label, url in others:
            click.echo(f"  {_pad(label, width)}{url}")
    logins = [login for r in stack.reports.values() for login in r.demo_logins]
    click.echo("")
    click.secho("Demo logins (fictional people and data)", bold=True)
    if logins:
        who_width = max(_cells(x.who) for x in logins) + 2
        for login in logins:
            where = f"  ({login.where})" if login.where else ""
            click.echo(f"  {_pad(login.who, who_width)}{login.how}{where}")
    else:
        click.echo("  none yet: no service in this kit offers a sign-in")
    click.echo("")
    click.echo(f"Logs: {stack.var_dir / 'log'}/<service>.log")


@main.command("prepare")
@click.argument("services", nargs=-1)
@manifest_option
@var_option
def prepare_command(services: tuple[str, ...], manifest: Path | None, var: str | None) -> None:
    """Apply migrations and seed demo data without starting anything."""
    manifest_path = manifest or _find_manifest()
    try:
        kit = Manifest.load(manifest_path)
        if services:
            kit = kit.select(services)
        var_dir = _var_dir(manifest_path, var)
        _mark(var_dir)
        Stack(kit, var_dir, say=click.echo).prepare()
    except StackError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("package", envvar="KIT_SERVICE")
@click.option("--bind", envvar="KIT_BIND", default="0.0.0.0:8000", show_default=True)
def serve(package: str, bind: str) -> None:
    """Prepare one service from its environment, then run it under gunicorn (containers).

    PACKAGE defaults to $KIT_SERVICE; settings come from the service's own variables.
    """
    try:
        definition = load_definition(package)
        settings = definition.settings()
    except (LookupError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    report = prepare(definition, settings)
    click.echo(f"{package}: {report.dialect} database at revision {report.revision}", err=True)
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:govkit.gunicorn_config",
            "--bind", bind]  # fmt: skip
    tls_port = getattr(settings, "tls_port", None)
    if tls_port:  # a security server's SS-to-SS listener, on the same interface
        argv += ["--bind", f"{bind.rpartition(':')[0]}:{tls_port}"]
    argv += definition.gunicorn_arguments()
    argv.append(definition.app)
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn


def _service_settings(
    service: str, manifest: Path | None, var: str | None
) -> tuple[ServiceDefinition, ServiceSettings]:
    """One instance of kit.toml: its service definition and its settings as `kit up` would
    give them (same runtime folder, same secrets)."""
    manifest_path = manifest or _find_manifest()
    try:
        kit = Manifest.load(manifest_path).select([service])
    except StackError as exc:
        raise click.ClickException(str(exc)) from None
    spec = kit.services[0]
    definition = load_definition(spec.package)
    environment = Stack(kit, _var_dir(manifest_path, var)).environment_for(spec)
    return definition, definition.settings(environment)


@main.command("rotate-seal")
@click.argument("service")
@manifest_option
@var_option
def rotate_seal(service: str, manifest: Path | None, var: str | None) -> None:
    """Give SERVICE a new document seal key (the trust service must be running).

    Documents it sealed before stay valid: the trust list records when the old key was
    withdrawn, and each document's timestamp proves it was sealed before that.
    """
    definition, settings = _service_settings(service, manifest, var)
    if definition.rotate_seal is None:
        raise click.ClickException(f"{service} does not seal documents")
    try:
        click.echo(definition.rotate_seal(settings))
    except Exception as exc:  # noqa: BLE001 - report what went wrong, not a traceback
        raise click.ClickException(f"rotation failed: {exc}") from None


@main.command("rotate-keys")
@click.argument("service")
@manifest_option
@var_option
def rotate_keys(service: str, manifest: Path | None, var: str | None) -> None:
    """Replace SERVICE's token-signing keys now (the identity provider's, for example).

    Each algorithm's published next key starts signing and a new next key is published; the
    old key stays in the JWKS until the tokens it signed have expired. A next key published
    for less than two JWKS cache lifetimes is not promoted: run the command again later.
    """
    definition, settings = _service_settings(service, manifest, var)
    if definition.rotate_keys is None:
        raise click.ClickException(f"{service} signs no tokens")
    database = Database(settings.database_url)
    try:
        lines = definition.rotate_keys(settings, database)
    except Exception as exc:  # noqa: BLE001 - report what went wrong, not a traceback
        raise click.ClickException(f"rotation failed: {exc}") from None
    finally:
        database.dispose()
    for line in lines:
        click.echo(line)


@main.command()
@manifest_option
@var_option
def reset(manifest: Path | None, var: str | None) -> None:
    """Delete the runtime folder: databases, keys and logs (the next `kit up` starts afresh)."""
    var_dir = _var_dir(manifest or _find_manifest(), var)
    if not var_dir.exists():
        click.echo(f"nothing to reset: {var_dir} does not exist")
        return
    if not (var_dir / MARKER).exists():
        raise click.ClickException(f"{var_dir} was not made by `kit up`; refusing to delete it")
    shutil.rmtree(var_dir)
    click.echo(f"deleted {var_dir}")


@main.group()
def i18n() -> None:
    """Message catalogues: extract new strings, compile, check every one is translated."""


def _repository_root() -> Path:
    return _find_manifest().parent


@i18n.command("extract")
def i18n_extract() -> None:
    """Refresh every package's Japanese catalogue from its sources."""
    from govkit import translations_tool

    for line in translations_tool.extract(_repository_root()):
        click.echo(line)


@i18n.command("compile")
def i18n_compile() -> None:
    """Compile every catalogue to .mo (done by `make`)."""
    from govkit import translations_tool

    count = sum(1 for _ in translations_tool.compile_all(_repository_root()))
    click.echo(f"compiled {count} catalogues")


@i18n.command("check")
def i18n_check() -> None:
    """Fail if a source string is missing from a catalogue or has no Japanese translation."""
    from govkit import translations_tool

    root = _repository_root()
    problems = {**translations_tool.missing_from_catalogues(root)}
    for path, messages in translations_tool.untranslated(root).items():
        problems.setdefault(path, []).extend(messages)
    if problems:
        for path, messages in problems.items():
            click.echo(f"{path.relative_to(root)}:", err=True)
            for message in messages:
                click.echo(f"  untranslated: {message!r}", err=True)
        raise click.ClickException("some messages have no Japanese translation")
    click.echo("every message has a Japanese translation")


#: ``kit verify`` exit codes, one per verdict (2 is click's usage error).
VERIFY_EXIT_CODES = {
    "valid": 0,
    "tampered": 10,
    "revoked": 11,
    "expired": 12,
    "untrusted-issuer": 13,
    "not-issued": 14,
}
TRUST_UNAVAILABLE = 3


@main.command()
@click.argument("document", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--qr", "qr_text", help="check QR text (MDG1:…) instead of a PDF")
@click.option(
    "--trust-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="where the pinned root and the cached trust list live (default: var/verify)",
)
@click.option(
    "--trust-url",
    envvar="KIT_TRUST_URL",
    default="http://localhost:8002",
    show_default=True,
    help="trust service to refresh the cached list from",
)
@click.option("--offline", is_flag=True, help="use only the cached trust list; ask no one")
@click.option("--status", "check_status", is_flag=True, help="also ask the issuer (online)")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def verify(
    document: Path | None,
    qr_text: str | None,
    trust_dir: Path | None,
    trust_url: str,
    offline: bool,
    check_status: bool,
    as_json: bool,
) -> None:
    """Check a kit document: the PDF's seal from the file alone, or its QR text.

    \b
    Exit codes: 0 valid, 10 tampered, 11 revoked, 12 expired, 13 untrusted issuer,
    14 not an issued document, 3 no trust list available, 2 usage error.
    """
    import json

    from govkit.certificates.trustlist import TrustListError, TrustListStore
    from govkit.certificates.verify import HttpStatusSource, verify_pdf, verify_qr

    if (document is None) == (qr_text is None):
        raise click.UsageError("give a PDF file or --qr TEXT (one of them)")
    if trust_dir is None:
        try:
            trust_dir = _var_dir(_find_manifest(), None) / "verify"
        except click.ClickException:
            trust_dir = Path.home() / ".cache" / "madoguchi"
    store = TrustListStore(trust_dir, None if offline else trust_url)
    try:
        trust = store.current()
    except TrustListError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(TRUST_UNAVAILABLE)
    source = HttpStatusSource(None) if check_status and not offline else None
    if document is not None:
        try:
            data = document.read_bytes()
        except OSError as exc:
            raise click.FileError(str(document), hint=exc.strerror) from None
        result = verify_pdf(data, trust=trust, status_source=source)
    else:
        result = verify_qr(qr_text or "", trust=trust, status_source=source)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{result.verdict.value.upper().replace('-', ' ')}")
        for reason in result.reasons:
            click.echo(f"  reason: {reason}")
        if result.document_id:
            click.echo(f"  document: {result.document_id} ({result.document_type})")
            click.echo(f"  issuer: {result.issuer_name_en} [{result.issuer_member}]")
            click.echo(f"  issued on: {result.issued_on}  sealed at: {result.sealed_at}")
        click.echo(f"  trust list: {store.list_path} (issued {trust.issued_at:%Y-%m-%d %H:%M} UTC)")
    sys.exit(VERIFY_EXIT_CODES[result.verdict.value])
