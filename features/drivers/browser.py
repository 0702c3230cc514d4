"""Headless Chromium from Debian, driven by Playwright for Python (no `playwright install`)."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

LAUNCH_OPTIONS = {
    "executable_path": CHROMIUM,
    "headless": True,
    "args": [
        "--disable-gpu",
        "--disable-quic",
        # The kit lives on localhost: never look anything else up.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
    ],
}
