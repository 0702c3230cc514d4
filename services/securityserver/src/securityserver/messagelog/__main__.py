"""The message-log tools of a security server.

``python -m securityserver.messagelog archive``
    with the server's environment (``SECURITYSERVER_*``, as `make up` gives it; see
    ``var/<instance>``): seal what is waiting (one timestamp from the kit TSA) and write the
    sealed records not archived yet to ``<data dir>/archives/mlog-….zip``; prints the path.

``python -m securityserver.messagelog verify ARCHIVE.zip [--tsa-root ROOT.pem]``
    prints ``OK: …`` and exits 0 when the archive verifies, ``FAILED: <first failure>`` and
    exits 1 when it does not, and exits 2 when the input cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from securityserver.messagelog.archive import Unreadable, verify_archive


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m securityserver.messagelog",
        description="Tools for security-server message-log archives.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser(
        "verify",
        help="check an archive: record hashes, the chain, seal roots and timestamp tokens",
    )
    verify.add_argument("archive", type=Path, help="the archive (mlog-….zip)")
    verify.add_argument(
        "--tsa-root",
        type=Path,
        help="the trust root (PEM) the TSA certificate must chain to; without it the "
        "timestamp tokens are checked to cover their roots, but their signatures are not",
    )
    verify.add_argument(
        "--previous",
        type=Path,
        help="the archive before this one: check this one links to it",
    )
    commands.add_parser("archive", help="seal waiting records and export an archive")
    args = parser.parse_args(argv)
    if args.command == "archive":
        return _archive()
    try:
        result = verify_archive(args.archive, tsa_root=args.tsa_root, previous=args.previous)
    except Unreadable as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    if result.ok:
        print(result.message)
        if args.tsa_root is None:
            print("note: timestamp signatures not checked (give --tsa-root ROOT.pem)")
        return 0
    print(f"FAILED: {result.message}")
    return 1


def _archive() -> int:
    from datetime import UTC, datetime

    from govkit.db import Database
    from securityserver.messagelog.archive import export_archive
    from securityserver.messagelog.service import seal_pending
    from securityserver.messagelog.settings import MessageLogSettings
    from securityserver.messagelog.timestamps import TsaTimestamper
    from securityserver.settings import SecurityServerSettings

    settings = SecurityServerSettings.from_env()
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            outcome = seal_pending(
                session,
                TsaTimestamper(f"{settings.trust_url}/tsa"),
                datetime.now(UTC),
                MessageLogSettings.from_settings(settings),
                force=True,
            )
        if outcome.status == "failed":
            print(f"ERROR: sealing failed: {outcome.error}", file=sys.stderr)
            return 2
        with database.session() as session:
            export = export_archive(session, settings.data_dir / "archives", datetime.now(UTC))
    finally:
        database.dispose()
    if export is None:
        print("nothing to archive: every sealed record is archived already")
        return 0
    print(f"{export.path} (records {export.first_number}-{export.last_number})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
