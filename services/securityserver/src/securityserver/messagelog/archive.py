"""Message-log archives: export sealed records to a ZIP, and verify one offline.

An archive (``mlog-<first>-<last>-<digest16>.zip``) holds three members:

* ``records.jsonl``: one JSON object per record, in chain order: ``number``, ``x_road_id``,
  ``request_id``, ``side``, ``direction``, ``client``, ``service``, ``logged_at``,
  ``header`` and ``body`` (base64), ``signature``, ``prev_hash``, ``hash``, ``seal``;
* ``seals.jsonl``: one JSON object per seal: ``number``, ``first``, ``last``, ``root``,
  ``sealed_at`` and ``token`` (the RFC 3161 token over the root, base64 DER);
* ``linkinginfo.json``: what links this archive to the rest (xroad.md §3.7 ``linkinginfo``):
  the previous archive's name and digest, the chain head this one continues from
  (``continues_from``: number and hash of the record before the first), the first and last
  record numbers, the last hash, and the SHA-256 of the two other members.

The archive's **digest** is SHA-256 over ``linkinginfo.json``; it is stored
(``messagelog_head.last_archive_digest``) and the next archive names it, so archives form one
tamper-evident chain, as X-Road's do.

:func:`verify_archive` recomputes every record hash and link, every seal's Merkle root, checks
each timestamp token covers its root (and, given the TSA's root certificate, that the token's
signature chains to it), then the member digests; it reports the first failure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from securityserver.messagelog import repository
from securityserver.messagelog.chain import (
    ChainBreak,
    Direction,
    LogEntry,
    LoggedRecord,
    Side,
    format_time,
    parse_time,
    verify_chain,
)
from securityserver.messagelog.merkle import merkle_root
from securityserver.messagelog.settings import MessageLogSettings
from securityserver.messagelog.timestamps import (
    TimestampError,
    check_token_signature,
    token_info,
)
from securityserver.models import MessageLogArchive, MessageLogSeal

__all__ = [
    "FORMAT",
    "ArchiveExport",
    "Unreadable",
    "Verification",
    "archive_digest",
    "archive_due",
    "export_archive",
    "record_from_json",
    "record_to_json",
    "verify_archive",
]

FORMAT = "madoguchi.messagelog.archive.v1"
RECORDS, SEALS, LINKING = "records.jsonl", "seals.jsonl", "linkinginfo.json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def record_to_json(record: LoggedRecord, seal: int) -> dict[str, Any]:
    entry = record.entry
    return {
        "number": record.number,
        "x_road_id": entry.x_road_id,
        "request_id": entry.request_id,
        "side": str(entry.side),
        "direction": str(entry.direction),
        "client": entry.client,
        "service": entry.service,
        "logged_at": format_time(entry.logged_at),
        "header": _b64(entry.header),
        "body": _b64(entry.body),
        "signature": entry.signature,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "seal": seal,
    }


def _str(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value


def _int(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} must be a number")
    return value


def record_from_json(data: dict[str, Any]) -> tuple[LoggedRecord, int]:
    """A record (and the number of its seal) from its archive line; raises ``ValueError``,
    ``KeyError`` or ``TypeError`` when it is not one."""
    entry = LogEntry(
        x_road_id=_str(data, "x_road_id"),
        request_id=_str(data, "request_id"),
        side=Side(_str(data, "side")),
        direction=Direction(_str(data, "direction")),
        client=_str(data, "client"),
        service=_str(data, "service"),
        logged_at=parse_time(_str(data, "logged_at")),
        header=_unb64(data["header"]),
        body=_unb64(data["body"]),
        signature=_str(data, "signature"),
    )
    record = LoggedRecord(_int(data, "number"), entry, _str(data, "prev_hash"), _str(data, "hash"))
    return record, _int(data, "seal")


def _seal_to_json(seal: MessageLogSeal) -> dict[str, Any]:
    return {
        "number": seal.number,
        "first": seal.first_number,
        "last": seal.last_number,
        "root": seal.root,
        "sealed_at": format_time(seal.sealed_at),
        "token": _b64(bytes(seal.token)),
    }


def _line(data: dict[str, Any]) -> bytes:
    return (
        json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        + b"\n"
    )


def archive_digest(linking_info: bytes) -> str:
    """An archive's digest: SHA-256 (hex) of its ``linkinginfo.json``."""
    return hashlib.sha256(linking_info).hexdigest()


# -- Export (a use case: owns its transaction) -------------------------------------------------


@dataclass(frozen=True)
class ArchiveExport:
    path: Path
    first_number: int
    last_number: int
    digest: str
    prev_digest: str


#: Records read from the database at a time while exporting (bodies may be up to the cap).
EXPORT_PAGE = 100


def _sealed_records(
    session: Session, seals: list[MessageLogSeal], first: int, last: int
) -> Iterator[tuple[LoggedRecord, int]]:
    for seal in seals:
        start, end = max(seal.first_number, first), min(seal.last_number, last)
        for page in range(start, end + 1, EXPORT_PAGE):
            for record in repository.records_between(
                session, page, min(page + EXPORT_PAGE - 1, end)
            ):
                yield record, seal.number


def archive_due(session: Session, now: datetime, settings: MessageLogSettings) -> bool:
    """Whether the automatic archive is due: sealed records wait for one, and the oldest record
    not archived yet was logged ``archive_every_seconds`` ago or more (so archives span about
    that long each, across restarts). Never when ``archive_every_seconds`` is 0."""
    try:
        if not settings.archive_every_seconds:
            return False
        head = repository.read_head(session)
        if head is None or head.last_sealed_number <= head.last_archived_number:
            return False
        oldest = repository.logged_at(session, head.last_archived_number + 1)
        return oldest is not None and now - oldest >= timedelta(
            seconds=settings.archive_every_seconds
        )
    finally:
        session.rollback()


def export_archive(session: Session, folder: Path, now: datetime) -> ArchiveExport | None:
    """Write the sealed records not archived yet to a new ZIP in ``folder``; ``None`` when
    there are none, or when another exporter archived them meanwhile. Seals are exported whole,
    so an archive always ends on a seal.

    The records are read and written without holding the chain head: sealed records never
    change, so messages keep being logged while a large archive is written. Only recording
    the archive takes the head's lock, and checks that no other archive took the range first.
    """
    try:
        head = repository.read_head(session)
        if head is None or head.last_sealed_number <= head.last_archived_number:
            session.rollback()
            return None
        first, last = head.last_archived_number + 1, head.last_sealed_number
        prev_digest, prev_name = head.last_archive_digest, head.last_archive_name
        seals = repository.seals_between(session, first, last)
        folder.mkdir(parents=True, exist_ok=True)
        path, digest = _write_archive(
            session, folder, seals, first, last, prev_name, prev_digest, now
        )
        session.rollback()  # end the read transaction before taking the head's lock
    except BaseException:
        session.rollback()
        raise
    try:
        head = repository.lock_head(session)
        if head.last_archived_number != first - 1:  # another exporter got there first
            session.rollback()
            path.unlink(missing_ok=True)
            return None
        repository.add_archive(
            session,
            MessageLogArchive(
                name=path.name,
                first_number=first,
                last_number=last,
                prev_digest=prev_digest,
                digest=digest,
                created_at=now,
            ),
        )
        head.last_archived_number = last
        head.last_archive_digest, head.last_archive_name = digest, path.name
        session.add(head)
        session.commit()
    except BaseException:
        session.rollback()
        path.unlink(missing_ok=True)
        raise
    return ArchiveExport(path, first, last, digest, prev_digest)


def _write_archive(
    session: Session,
    folder: Path,
    seals: list[MessageLogSeal],
    first: int,
    last: int,
    prev_name: str,
    prev_digest: str,
    now: datetime,
) -> tuple[Path, str]:
    """The ZIP of records ``first``…``last`` and their seals, named after its digest."""
    records_hash, seals_hash = hashlib.sha256(), hashlib.sha256()
    continues_from: dict[str, Any] | None = None
    last_hash = ""
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".zip.part")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open(RECORDS, "w", force_zip64=True) as out:
                for record, seal_number in _sealed_records(session, seals, first, last):
                    if continues_from is None:
                        continues_from = {"number": record.number - 1, "hash": record.prev_hash}
                    line = _line(record_to_json(record, seal_number))
                    records_hash.update(line)
                    out.write(line)
                    last_hash = record.hash
            seal_lines = b"".join(_line(_seal_to_json(seal)) for seal in seals)
            seals_hash.update(seal_lines)
            archive.writestr(SEALS, seal_lines)
            linking = {
                "format": FORMAT,
                "hash_algorithm": "SHA-256",
                "previous_archive": prev_name,
                "previous_archive_digest": prev_digest,
                "continues_from": continues_from,
                "first_number": first,
                "last_number": last,
                "last_hash": last_hash,
                "records_sha256": records_hash.hexdigest(),
                "seals_sha256": seals_hash.hexdigest(),
                "created_at": format_time(now),
            }
            linking_bytes = json.dumps(linking, indent=2, sort_keys=True).encode("utf-8")
            archive.writestr(LINKING, linking_bytes)
        digest = archive_digest(linking_bytes)
        path = folder / f"mlog-{first:010d}-{last:010d}-{digest[:16]}.zip"
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path, digest


# -- Verification (pure file checks) -----------------------------------------------------------


class Unreadable(Exception):
    """The input could not be read at all (exit code 2)."""


@dataclass(frozen=True)
class Verification:
    """The verdict on one archive: ``ok``, and the first failure otherwise."""

    ok: bool
    message: str
    digest: str = ""
    records: int = 0
    seals: int = 0


def _fail(message: str) -> Verification:
    return Verification(False, message)


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise Unreadable(f"cannot read {path}: {exc.strerror or exc}") from exc
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        missing = {RECORDS, SEALS, LINKING} - names
        if missing:
            raise ValueError(f"the archive lacks {', '.join(sorted(missing))}")
        return {name: archive.read(name) for name in (RECORDS, SEALS, LINKING)}


def verify_archive(
    path: Path, tsa_root: Path | None = None, previous: Path | None = None
) -> Verification:
    """Check one archive (see the module docstring); raises :class:`Unreadable` when the file
    (or ``tsa_root`` / ``previous``) cannot be read at all."""
    if tsa_root is not None and not tsa_root.is_file():
        raise Unreadable(f"cannot read the TSA root certificate {tsa_root}")
    try:
        members = _read_members(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        return _fail(f"the archive is damaged or truncated ({exc})")
    try:
        linking = json.loads(members[LINKING])
        if not isinstance(linking, dict) or linking.get("format") != FORMAT:
            raise ValueError("unknown format")
        first = int(linking["first_number"])
        last = int(linking["last_number"])
        continues = linking["continues_from"]
        start_hash, start_number = str(continues["hash"]), int(continues["number"])
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(f"{LINKING} is not valid linking information ({exc})")
    if start_number != first - 1:
        return _fail(f"{LINKING}: continues from record {start_number}, not {first - 1}")

    # 1. Every record: its content, its link, its place.
    records: list[LoggedRecord] = []
    seal_of: dict[int, int] = {}
    lines = members[RECORDS].split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for index, line in enumerate(lines):
        expected = first + index
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            record, seal_number = record_from_json(data)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            return _fail(f"record {expected} (line {index + 1} of {RECORDS}): unreadable ({exc})")
        previous_hash = records[-1].hash if records else start_hash
        broken: ChainBreak | None = verify_chain(
            [record], prev_hash=previous_hash, first_number=expected
        )
        if broken is not None:
            return _fail(str(broken))
        records.append(record)
        seal_of[record.number] = seal_number
    if not records:
        return _fail(f"{RECORDS} holds no records")
    if records[-1].number != last or records[-1].hash != linking.get("last_hash"):
        return _fail(
            f"the records end at record {records[-1].number}, but {LINKING} says the "
            f"archive ends at record {last}: records are missing"
        )

    # 2. Every seal: contiguous, its Merkle root, its timestamp token.
    by_number = {record.number: record for record in records}
    covered = first
    seal_count = 0
    for index, line in enumerate(x for x in members[SEALS].split(b"\n") if x):
        try:
            seal = json.loads(line)
            number, seal_first = int(seal["number"]), int(seal["first"])
            seal_last = int(seal["last"])
            root, token = str(seal["root"]), _unb64(seal["token"])
        except (ValueError, KeyError, TypeError) as exc:
            return _fail(f"seal on line {index + 1} of {SEALS}: unreadable ({exc})")
        lo, hi = max(seal_first, first), min(seal_last, last)
        if lo != covered or hi < lo:
            return _fail(
                f"seal {number}: covers records {seal_first}…{seal_last}, expected {covered}…"
            )
        if seal_first < first or seal_last > last:
            return _fail(f"seal {number}: covers records outside this archive")
        for n in range(lo, hi + 1):
            if seal_of[n] != number:
                return _fail(f"record {n}: claims seal {seal_of[n]}, but seal {number} covers it")
        recomputed = merkle_root([by_number[n].hash for n in range(lo, hi + 1)])
        if recomputed != root:
            return _fail(
                f"seal {number}: its root does not match records {lo}…{hi} "
                f"(recomputed {recomputed[:16]}…, sealed {root[:16]}…)"
            )
        try:
            info = token_info(token)
        except TimestampError as exc:
            return _fail(f"seal {number}: {exc}")
        if info.digest != bytes.fromhex(root):
            return _fail(f"seal {number}: the timestamp token does not cover its root")
        if tsa_root is not None:
            try:
                check_token_signature(token, info.digest, tsa_root)
            except TimestampError as exc:
                return _fail(f"seal {number}: {exc}")
        covered = hi + 1
        seal_count += 1
    if covered != last + 1:
        return _fail(f"records {covered}…{last} are not covered by any seal")

    # 3. The members as a whole (catches any change the checks above do not read).
    for member, key in ((RECORDS, "records_sha256"), (SEALS, "seals_sha256")):
        if hashlib.sha256(members[member]).hexdigest() != linking.get(key):
            return _fail(f"{member} does not match the digest in {LINKING}")

    digest = archive_digest(members[LINKING])
    if previous is not None:
        problem = _check_previous(previous, linking)
        if problem:
            return _fail(problem)
    return Verification(
        True,
        f"OK: {len(records)} records ({first}…{last}) in {seal_count} seal(s); "
        f"archive digest {digest}",
        digest=digest,
        records=len(records),
        seals=seal_count,
    )


def _check_previous(previous: Path, linking: dict[str, Any]) -> str | None:
    try:
        members = _read_members(previous)
        before = json.loads(members[LINKING])
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise Unreadable(f"cannot read the previous archive {previous}: {exc}") from exc
    if archive_digest(members[LINKING]) != linking.get("previous_archive_digest"):
        return f"the archive does not link to {previous.name} (previous digest differs)"
    continues = linking["continues_from"]
    if (
        before.get("last_number") != continues["number"]
        or before.get("last_hash") != continues["hash"]
    ):
        return f"the archive does not continue the chain where {previous.name} ends"
    return None
