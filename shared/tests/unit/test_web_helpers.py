"""Small web helpers that guard against open redirects and bad request ids."""

import pytest

from govkit.web import safe_next


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/residence/start?x=1", "/residence/start?x=1"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_only_local_paths_are_followed(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
