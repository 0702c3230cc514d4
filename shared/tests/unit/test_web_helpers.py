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


def test_the_document_title_names_each_part_once() -> None:
    from govkit.web import document_title

    full = document_title("申請内容の確認", "住民票の写し", "窓口")
    assert full == "申請内容の確認 – 住民票の写し – 窓口"
    assert document_title("国民年金", "国民年金", "窓口") == "国民年金 – 窓口"
    assert document_title("窓口", "窓口", "窓口") == "窓口"
    assert document_title("", "Madoguchi") == "Madoguchi"
