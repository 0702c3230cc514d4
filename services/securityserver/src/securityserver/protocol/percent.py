"""Strict percent-encoding of single URL parts (RFC 3986), used for identifiers and paths.

Python's :func:`urllib.parse.unquote` is lenient: it leaves ``%zz`` alone and replaces bytes
that are not UTF-8. Here a malformed escape or invalid UTF-8 is an error, so that two parsers
can never read the same bytes differently.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

__all__ = ["PercentDecodingError", "decode", "encode_part"]

_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

# Path-segment characters (RFC 3986 pchar) that need no escape besides the unreserved set;
# "/" and "?" are escaped, so a part can never be mistaken for two parts or a query.
_SEGMENT_SAFE = "!$&'()*+,;=:@"


class PercentDecodingError(ValueError):
    """A ``%`` not followed by two hex digits, or bytes that are not UTF-8."""


def decode(raw: str) -> str:
    """Percent-decode ``raw`` strictly (``+`` stays ``+``: this is not form encoding)."""
    if _ESCAPE.search(raw):
        raise PercentDecodingError("'%' must be followed by two hexadecimal digits")
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PercentDecodingError("the decoded bytes are not UTF-8") from exc


def encode_part(value: str) -> str:
    """Percent-encode one part on its own (UTF-8), so ``/`` becomes ``%2F`` (xroad.md §1.2)."""
    return quote(value, safe=_SEGMENT_SAFE)
