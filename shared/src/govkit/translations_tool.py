"""Maintain the kit's message catalogues (behind ``kit i18n extract|compile|check``).

Every package (govkit and each service) keeps its own catalogue in
``src/<package>/translations/ja/LC_MESSAGES/messages.po``. Source strings are English; the
Japanese catalogue must translate all of them (``check`` fails otherwise, and the test suite
runs it). Compiled ``.mo`` files are build output, made by ``make``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALES = ("ja",)
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}


def package_dirs(root: Path) -> list[Path]:
    """``shared/src/govkit`` and ``services/*/src/*``: every package with a catalogue."""
    found = [root / "shared" / "src" / "govkit"]
    found += sorted(p for p in (root / "services").glob("*/src/*") if p.is_dir())
    return [p for p in found if (p / "__init__.py").exists()]


def _po_path(package: Path, locale: str) -> Path:
    return package / "translations" / locale / "LC_MESSAGES" / "messages.po"


def _template(package: Path) -> Catalog:
    catalog = Catalog(project=package.name, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        package, method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def extract(root: Path) -> list[str]:
    """Refresh every catalogue from the sources; new strings arrive untranslated."""
    report = []
    for package in package_dirs(root):
        template = _template(package)
        for locale in LOCALES:
            path = _po_path(package, locale)
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=locale)
                # The creation date is left alone, so that a catalogue whose messages did not
                # change is written back byte for byte (no diff in every package).
                catalog.update(template, update_header_comment=False, update_creation_date=False)
            else:
                catalog = Catalog(locale=locale, project=package.name, fuzzy=False)
                catalog.update(template)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(
                    handle,
                    catalog,
                    omit_header=False,
                    sort_output=True,
                    no_location=True,
                    ignore_obsolete=True,
                    width=100,
                )
            report.append(f"{path.relative_to(root)}: {len(catalog)} messages")
    return report


def _translated(message: Message) -> bool:
    """A message has every form translated (plural messages have a tuple of forms)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms)


def untranslated(root: Path) -> dict[Path, list[str]]:
    """Catalogue → messages with no (or a fuzzy) translation."""
    problems: dict[Path, list[str]] = {}
    for package in package_dirs(root):
        for locale in LOCALES:
            path = _po_path(package, locale)
            if not path.exists():
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            missing = [str(m.id) for m in catalog if m.id and (not _translated(m) or m.fuzzy)]
            if missing:
                problems[path] = missing
    return problems


def missing_from_catalogues(root: Path) -> dict[Path, list[str]]:
    """Catalogue → source strings that are not in it at all (run ``kit i18n extract``)."""
    problems: dict[Path, list[str]] = {}
    for package in package_dirs(root):
        template = _template(package)
        for locale in LOCALES:
            path = _po_path(package, locale)
            known: set[str] = set()
            if path.exists():
                with path.open("rb") as handle:
                    known = {str(m.id) for m in read_po(handle, locale=locale) if m.id}
            absent = sorted(str(m.id) for m in template if m.id and str(m.id) not in known)
            if absent:
                problems[path] = absent
    return problems


def compile_all(root: Path) -> Iterable[Path]:
    """Write ``messages.mo`` beside every ``messages.po``."""
    for package in package_dirs(root):
        for locale in LOCALES:
            path = _po_path(package, locale)
            if not path.exists():
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            target = path.with_suffix(".mo")
            with target.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            yield target
