"""The catalogue check finds strings that have no Japanese translation."""

import re
from pathlib import Path

from govkit import translations_tool


def _package(root: Path, source: str) -> Path:
    package = root / "services" / "demo" / "src" / "demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(source, encoding="utf-8")
    (root / "shared" / "src" / "govkit").mkdir(parents=True)
    return package


def test_new_strings_are_reported_until_translated(tmp_path: Path) -> None:
    package = _package(tmp_path, 'from flask_babel import gettext as _\nTITLE = _("Hello")\n')
    po = package / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
    assert translations_tool.missing_from_catalogues(tmp_path) == {po: ["Hello"]}

    translations_tool.extract(tmp_path)
    assert translations_tool.missing_from_catalogues(tmp_path) == {}
    assert translations_tool.untranslated(tmp_path) == {po: ["Hello"]}

    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgid "Hello"\nmsgstr ""', 'msgid "Hello"\nmsgstr "こんにちは"'
        ),
        encoding="utf-8",
    )
    assert translations_tool.untranslated(tmp_path) == {}
    compiled = list(translations_tool.compile_all(tmp_path))
    assert compiled == [po.with_suffix(".mo")]
    assert compiled[0].stat().st_size > 0


def test_extracting_again_without_new_strings_leaves_the_catalogue_as_it_was(
    tmp_path: Path,
) -> None:
    package = _package(tmp_path, 'from flask_babel import gettext as _\nTITLE = _("Hello")\n')
    po = package / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
    translations_tool.extract(tmp_path)
    text = po.read_text(encoding="utf-8")
    # Translated, on a day long ago: a new extraction must keep both the translation and the date.
    text = text.replace('msgid "Hello"\nmsgstr ""', 'msgid "Hello"\nmsgstr "こんにちは"')
    text = re.sub(r"POT-Creation-Date: [^\\]+", "POT-Creation-Date: 2000-01-01 00:00+0000", text)
    po.write_text(text, encoding="utf-8")
    before = po.read_bytes()
    translations_tool.extract(tmp_path)
    assert b"2000-01-01 00:00+0000" in before
    assert po.read_bytes() == before
