"""Archives: records appended and sealed through the use cases (with the kit's real TSA), then
exported and verified offline; any tampering is found and named."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from govkit import db
from govkit.service import load_definition
from govkit.testing.plugin import RunningTrust
from securityserver.messagelog import archive as archive_module
from securityserver.messagelog import repository
from securityserver.messagelog.__main__ import main
from securityserver.messagelog.archive import archive_due, export_archive, verify_archive
from securityserver.messagelog.chain import Direction, Message, Side
from securityserver.messagelog.service import append, remove_archived, seal_pending
from securityserver.messagelog.settings import MessageLogSettings
from securityserver.messagelog.timestamps import (
    TimestampError,
    TsaTimestamper,
    check_token_signature,
    token_info,
)

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
SETTINGS = MessageLogSettings(seal_every_records=3, seal_every_seconds=60)


@pytest.fixture
def database(database_url: str) -> Iterator[db.Database]:
    database = db.Database(database_url)
    db.upgrade(database, load_definition("securityserver").migrations)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def tsa(trust_service: RunningTrust) -> TsaTimestamper:
    return TsaTimestamper(f"{trust_service.url}/tsa")


@pytest.fixture(scope="session")
def tsa_root(trust_service: RunningTrust, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tsa-root") / "root.pem"
    response = requests.get(f"{trust_service.url}/pki/root.pem", timeout=10)
    response.raise_for_status()
    path.write_bytes(response.content)
    return path


@pytest.fixture(scope="session")
def not_the_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root certificate that is not the TSA's (a self-signed CA of another authority)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another Root CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path_factory.mktemp("other-root") / "root.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def message(n: int) -> Message:
    return Message(
        x_road_id=f"xrid-{n // 2}",
        request_id=f"req-{n // 2}",
        side=Side.CONSUMER,
        direction=Direction.REQUEST if n % 2 == 0 else Direction.RESPONSE,
        client="JP-KIT/GOV/LG-139998/portal",
        service="JP-KIT/GOV/MIC-0001/juminhyou/basic4",
        header=f"GET\r\n/r1/JP-KIT/GOV/MIC-0001/juminhyou/basic4\r\nX-Road-Id:xrid-{n}\r\n".encode(),
        body=json.dumps({"n": n, "name": "山田 太郎"}, ensure_ascii=False).encode(),
        signature=f"eyJhbGciOiJFUzI1NiJ9.payload-{n}.signature-{n}",
    )


def log_and_seal(database: db.Database, tsa: TsaTimestamper, first: int, count: int) -> None:
    for n in range(first, first + count):
        with database.engine.connect() as connection:
            append(connection, message(n), T0 + timedelta(seconds=n), SETTINGS)
    now = T0 + timedelta(hours=1)
    with database.session() as session:
        while seal_pending(session, tsa, now, SETTINGS).status == "sealed":
            pass


@pytest.fixture
def archive(database: db.Database, tsa: TsaTimestamper, tmp_path: Path) -> Path:
    """An archive of 7 records in 3 seals (3 + 3 + 1), timestamped by the real TSA."""
    log_and_seal(database, tsa, 0, 7)
    with database.session() as session:
        exported = export_archive(session, tmp_path / "archives", T0 + timedelta(hours=2))
    assert exported is not None
    assert (exported.first_number, exported.last_number) == (1, 7)
    return exported.path


def rewrite(archive: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of ``archive`` with ``member`` changed."""
    out = archive.with_name("tampered.zip")
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data) if name == member else data)
    return out


def lines_changed(change: Callable[[list[bytes]], list[bytes]]) -> Callable[[bytes], bytes]:
    return lambda data: b"".join(line + b"\n" for line in change(data.splitlines()))


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main(["verify", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_real_tsa_token_covers_the_digest(tsa: TsaTimestamper, tsa_root: Path) -> None:
    digest = bytes(range(32))
    token = tsa.timestamp(digest)
    info = token_info(token)
    assert info.digest == digest
    assert info.gen_time.endswith("Z")
    check_token_signature(token, digest, tsa_root)
    with pytest.raises(TimestampError):
        check_token_signature(token, bytes(32), tsa_root)


def test_an_unreachable_tsa_is_a_timestamp_error() -> None:
    with pytest.raises(TimestampError):
        TsaTimestamper("http://127.0.0.1:9/tsa", timeout=2).timestamp(bytes(32))


def test_a_real_archive_verifies(
    archive: Path, tsa_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert archive.name.startswith("mlog-0000000001-0000000007-")
    result = verify_archive(archive, tsa_root=tsa_root)
    assert result.ok, result.message
    assert (result.records, result.seals) == (7, 3)
    code, output = run(capsys, archive, "--tsa-root", tsa_root)
    assert code == 0
    assert output.startswith("OK: 7 records (1…7) in 3 seal(s)")


def test_the_command_runs_as_a_module(archive: Path, tsa_root: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "securityserver.messagelog", "verify", str(archive)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: ")


def test_one_changed_byte_in_a_record_fails_naming_the_record(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def flip(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        at = lines[2].index(b"LG-139998/portal") + len(b"LG-139998/p")
        changed = bytearray(lines[2])
        changed[at] ^= 0x20  # 'o' -> 'O': one byte, still valid JSON
        lines[2] = bytes(changed)
        return b"".join(lines)

    code, output = run(capsys, rewrite(archive, "records.jsonl", flip))
    assert code == 1
    assert output.startswith("FAILED: record 3: its content does not match its hash")


def test_a_changed_body_byte_fails(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def flip(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        record = json.loads(lines[4])
        body = record["body"]
        record["body"] = ("B" if body[0] != "B" else "C") + body[1:]
        lines[4] = json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        return b"".join(lines)

    code, output = run(capsys, rewrite(archive, "records.jsonl", flip))
    assert code == 1
    assert "record 5: its content does not match its hash" in output


def test_a_flipped_byte_that_breaks_the_json_still_names_the_record(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def flip(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        lines[1] = b"#" + lines[1][1:]
        return b"".join(lines)

    code, output = run(capsys, rewrite(archive, "records.jsonl", flip))
    assert code == 1
    assert "record 2 (line 2 of records.jsonl): unreadable" in output


def test_a_removed_record_fails(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(
        capsys,
        rewrite(archive, "records.jsonl", lines_changed(lambda lines: lines[:3] + lines[4:])),
    )
    assert code == 1
    assert "FAILED: record 5: out of sequence: expected record 4 here" in output


def test_a_reordered_pair_fails(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def swap(lines: list[bytes]) -> list[bytes]:
        lines[1], lines[2] = lines[2], lines[1]
        return lines

    code, output = run(capsys, rewrite(archive, "records.jsonl", lines_changed(swap)))
    assert code == 1
    assert "FAILED: record 3: out of sequence: expected record 2 here" in output


def test_missing_trailing_records_fail(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(
        capsys, rewrite(archive, "records.jsonl", lines_changed(lambda lines: lines[:-1]))
    )
    assert code == 1
    assert "records are missing" in output


def test_a_changed_seal_root_fails(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def change_root(lines: list[bytes]) -> list[bytes]:
        seal = json.loads(lines[1])
        seal["root"] = ("0" if seal["root"][0] != "0" else "1") + seal["root"][1:]
        lines[1] = json.dumps(seal, sort_keys=True, separators=(",", ":")).encode()
        return lines

    code, output = run(capsys, rewrite(archive, "seals.jsonl", lines_changed(change_root)))
    assert code == 1
    assert "FAILED: seal 2: its root does not match records 4…6" in output


def test_a_token_over_something_else_fails(
    archive: Path, tsa: TsaTimestamper, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    other = base64.b64encode(tsa.timestamp(bytes(32))).decode()

    def swap_token(lines: list[bytes]) -> list[bytes]:
        seal = json.loads(lines[0])
        seal["token"] = other
        lines[0] = json.dumps(seal, sort_keys=True, separators=(",", ":")).encode()
        return lines

    code, output = run(capsys, rewrite(archive, "seals.jsonl", lines_changed(swap_token)))
    assert code == 1
    assert "FAILED: seal 1: the timestamp token does not cover its root" in output


def test_a_truncated_archive_fails(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truncated = archive.with_name("truncated.zip")
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, output = run(capsys, truncated)
    assert code == 1
    assert "FAILED: the archive is damaged or truncated" in output


def test_any_other_change_fails_on_the_member_digest(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run(
        capsys, rewrite(archive, "records.jsonl", lambda data: data.replace(b'":', b'": ', 1))
    )
    assert code == 1
    assert "records.jsonl does not match the digest in linkinginfo.json" in output


def test_a_token_from_another_authority_fails_with_the_root(
    archive: Path, not_the_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run(capsys, archive, "--tsa-root", not_the_root)
    assert code == 1
    assert "FAILED: seal 1: the timestamp signature does not verify" in output


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(capsys, tmp_path / "missing.zip")
    assert code == 2
    assert "cannot read" in output


def test_archives_link_into_one_chain(
    database: db.Database,
    tsa: TsaTimestamper,
    tsa_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "archives"
    log_and_seal(database, tsa, 0, 4)
    with database.session() as session:
        first = export_archive(session, folder, T0 + timedelta(hours=2))
        assert export_archive(session, folder, T0 + timedelta(hours=2)) is None  # nothing new
    log_and_seal(database, tsa, 4, 3)
    with database.session() as session:
        second = export_archive(session, folder, T0 + timedelta(hours=3))
        head = repository.read_head(session)
    assert first is not None
    assert second is not None
    assert (second.first_number, second.last_number, second.prev_digest) == (5, 7, first.digest)
    assert head is not None
    assert head.last_archive_digest == second.digest
    code, output = run(capsys, second.path, "--tsa-root", tsa_root, "--previous", first.path)
    assert code == 0, output
    with zipfile.ZipFile(second.path) as zipped:
        linking = json.loads(zipped.read("linkinginfo.json"))
    assert linking["continues_from"]["number"] == 4
    assert linking["previous_archive"] == first.path.name
    code, output = run(capsys, first.path, "--previous", second.path)
    assert code == 1
    assert "does not link to" in output


def test_the_archive_members_are_plain_jsonl(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        assert set(zipped.namelist()) == {"records.jsonl", "seals.jsonl", "linkinginfo.json"}
        records = [json.loads(line) for line in io.BytesIO(zipped.read("records.jsonl"))]
        seals = [json.loads(line) for line in io.BytesIO(zipped.read("seals.jsonl"))]
    assert [r["number"] for r in records] == list(range(1, 8))
    assert [r["seal"] for r in records] == [1, 1, 1, 2, 2, 2, 3]
    assert [(s["first"], s["last"]) for s in seals] == [(1, 3), (4, 6), (7, 7)]


def test_export_reads_records_page_by_page(
    database: db.Database,
    tsa: TsaTimestamper,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive_module, "EXPORT_PAGE", 2)
    log_and_seal(database, tsa, 0, 7)
    with database.session() as session:
        exported = export_archive(session, tmp_path, T0 + timedelta(hours=2))
    assert exported is not None
    result = verify_archive(exported.path)
    assert result.ok, result.message
    assert result.records == 7


# -- automatic archives and retention -----------------------------------------------------------


def test_an_archive_is_due_once_the_oldest_waiting_record_is_old_enough(
    database: db.Database, tsa: TsaTimestamper, tmp_path: Path
) -> None:
    hourly = MessageLogSettings(seal_every_records=3, archive_every_seconds=3600)
    with database.session() as session:
        assert not archive_due(session, T0 + timedelta(days=1), hourly)  # nothing logged
    log_and_seal(database, tsa, 0, 4)  # logged at T0 + 0…3 s
    with database.session() as session:
        assert not archive_due(session, T0 + timedelta(minutes=59), hourly)
        assert archive_due(session, T0 + timedelta(hours=1), hourly)
        never = MessageLogSettings(archive_every_seconds=0)
        assert not archive_due(session, T0 + timedelta(days=1), never)
        assert export_archive(session, tmp_path, T0 + timedelta(hours=1)) is not None
        assert not archive_due(session, T0 + timedelta(days=1), hourly)  # all archived


def test_messages_are_logged_while_an_archive_is_written(
    database: db.Database, tsa: TsaTimestamper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_and_seal(database, tsa, 0, 7)
    write = archive_module._write_archive
    logged: list[int] = []

    def write_while_logging(*args: object) -> tuple[Path, str]:
        # What another thread of the server does meanwhile: had the export held the chain
        # head, this append would wait for it (here, in the same thread, for ever on PostgreSQL
        # and until the busy timeout on SQLite).
        with database.engine.connect() as connection:
            logged.append(append(connection, message(7), T0 + timedelta(hours=2), SETTINGS).number)
        return write(*args)

    monkeypatch.setattr(archive_module, "_write_archive", write_while_logging)
    with database.session() as session:
        exported = export_archive(session, tmp_path, T0 + timedelta(hours=2))
    assert logged == [8]
    assert exported is not None
    assert (exported.first_number, exported.last_number) == (1, 7)
    assert verify_archive(exported.path).ok


def test_an_exporter_that_lost_the_race_leaves_no_archive_behind(
    database: db.Database, tsa: TsaTimestamper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "archives"
    log_and_seal(database, tsa, 0, 7)
    write = archive_module._write_archive
    winners: list[archive_module.ArchiveExport | None] = []

    def write_then_lose(*args: object) -> tuple[Path, str]:
        written = write(*args)
        monkeypatch.setattr(archive_module, "_write_archive", write)
        with database.session() as other:  # another process archives the same records first
            winners.append(export_archive(other, folder, T0 + timedelta(hours=3)))
        return written

    monkeypatch.setattr(archive_module, "_write_archive", write_then_lose)
    with database.session() as session:
        assert export_archive(session, folder, T0 + timedelta(hours=2)) is None
        head = repository.read_head(session)
    (winner,) = winners
    assert winner is not None
    assert [path.name for path in folder.iterdir()] == [winner.path.name]
    assert head is not None
    assert (head.last_archived_number, head.last_archive_name) == (7, winner.path.name)


def test_archived_records_leave_the_database_after_the_retention_period(
    database: db.Database, tsa: TsaTimestamper, tmp_path: Path
) -> None:
    log_and_seal(database, tsa, 0, 7)  # records 1…7 logged at T0 + 0…6 s; seals 1-3, 4-6, 7
    with database.session() as session:
        first = export_archive(session, tmp_path, T0 + timedelta(hours=2))
    log_and_seal(database, tsa, 7, 3)  # records 8…10, sealed but not archived
    keep = MessageLogSettings(keep_records_for=timedelta(days=30))
    with database.session() as session:
        assert remove_archived(session, T0 + timedelta(days=29), keep) == 0
        # Logged more than 30 days before: records 1…4; removed two per transaction.
        assert remove_archived(session, T0 + timedelta(days=30, seconds=4), keep, batch=2) == 4
        assert [s.number for s in repository.seals_between(session, 1, 20)] == [2, 3, 4]
        # Much later every archived record goes, and none of those not archived yet.
        assert remove_archived(session, T0 + timedelta(days=90), keep, batch=2) == 3
        remaining = repository.records_between(session, 1, 20)
        seals = repository.seals_between(session, 1, 20)
    assert [r.number for r in remaining] == [8, 9, 10]
    assert [(s.first_number, s.last_number) for s in seals] == [(8, 10)]
    with database.session() as session:
        second = export_archive(session, tmp_path, T0 + timedelta(days=90))
    assert first is not None
    assert second is not None
    assert (second.first_number, second.prev_digest) == (8, first.digest)
    result = verify_archive(second.path, previous=first.path)
    assert result.ok, result.message
