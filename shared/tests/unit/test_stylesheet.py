"""The built stylesheet: every GOV.UK component takes its font from one custom property, whose
stack depends on the page's language."""

import re
from pathlib import Path

import govkit

CSS = (Path(govkit.__file__).parent / "static" / "madoguchi.css").read_text(encoding="utf-8")
JAPANESE_FONTS = ["Noto Sans JP", "Hiragino Sans", "BIZ UDPGothic", "Meiryo", "IPAexGothic"]


def _stack(selector: str) -> list[str]:
    found = re.search(re.escape(selector) + r"\s*\{\s*--kit-font-family:\s*([^;}]+)", CSS)
    assert found, f"no --kit-font-family for {selector}"
    return [family.strip().strip("\"'") for family in found.group(1).split(",")]


def test_components_take_the_font_from_the_custom_property() -> None:
    families = re.findall(r"(?<![-\w])font-family:\s*([^;}]+)", CSS)
    assert families.count("var(--kit-font-family)") > 20
    assert not [f for f in families if "Noto Sans JP" in f], "a component names a font itself"


def test_japanese_pages_use_japanese_fonts_first() -> None:
    stack = _stack(":root")
    assert stack[0] == "Noto Sans JP"
    assert stack[-1] == "sans-serif"


def test_english_pages_take_latin_letters_from_a_latin_font_and_names_from_japanese_ones() -> None:
    """Japanese fonts draw “ ” and ’ full-width: on English pages a Latin font comes first,
    and the Japanese fonts follow for names written in kanji."""
    stack = _stack(":root:lang(en)")
    assert stack[:3] == ["Helvetica Neue", "Helvetica", "Arial"]
    assert all(font in stack[3:] for font in JAPANESE_FONTS)


def test_every_override_class_the_kit_uses_exists() -> None:
    """GOV.UK Frontend drops override classes between versions (``govuk-!-font-size-14`` went
    in 5.0): a class the built stylesheet does not define silently does nothing."""
    repository = Path(govkit.__file__).parents[3]
    sources = [
        *repository.glob("services/*/src/**/*.py"),
        *repository.glob("services/*/src/**/*.html"),
        *repository.glob("shared/src/govkit/**/*.py"),
        *repository.glob("shared/src/govkit/templates/**/*.html"),
    ]
    used = {
        found: source.relative_to(repository)
        for source in sources
        for found in re.findall(r"govuk-!-[a-z0-9-]+[a-z0-9]", source.read_text(encoding="utf-8"))
    }
    assert used, "no override class found: the search is broken"
    defined = {name.replace("\\!", "!") for name in re.findall(r"\.(govuk-\\!-[a-z0-9-]+)", CSS)}
    assert {name: where for name, where in used.items() if name not in defined} == {}
