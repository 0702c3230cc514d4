"""``python -m securityserver.messagelog verify ARCHIVE.zip [--tsa-root ROOT.pem]``.

Prints ``OK: …`` and exits 0 when the archive verifies, ``FAILED: <first failure>`` and exits
1 when it does not, and exits 2 when the input cannot be read.
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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
