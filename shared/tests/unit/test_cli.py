"""The `kit` command line: clear errors, and `reset` deletes only what `kit up` made."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import MARKER, _cells, _pad, main

REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_reset_deletes_a_runtime_folder_made_by_kit_up(runner: CliRunner, tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "portal").mkdir(parents=True)
    (var / MARKER).write_text("x")
    result = runner.invoke(
        main, ["reset", "--manifest", str(REPOSITORY / "kit.toml"), "--var", str(var)]
    )
    assert result.exit_code == 0, result.output
    assert not var.exists()


def test_reset_refuses_a_folder_it_did_not_make(runner: CliRunner, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    result = runner.invoke(
        main, ["reset", "--manifest", str(REPOSITORY / "kit.toml"), "--var", str(precious)]
    )
    assert result.exit_code == 1
    assert "refusing" in result.output
    assert (precious / "thesis.txt").exists()


def test_reset_with_nothing_to_delete_says_so(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["reset", "--manifest", str(REPOSITORY / "kit.toml"), "--var", str(tmp_path / "none")]
    )
    assert result.exit_code == 0
    assert "nothing to reset" in result.output


def test_up_names_unknown_services(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["up", "nowhere", "--manifest", str(REPOSITORY / "kit.toml"), "--var", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "unknown service(s): nowhere" in result.output


def test_serve_explains_missing_settings_and_unknown_services(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RESIDENCE_SECRET_KEY", raising=False)
    monkeypatch.delenv("KIT_ENVIRONMENT", raising=False)
    monkeypatch.delenv("RESIDENCE_ENVIRONMENT", raising=False)
    result = runner.invoke(main, ["serve", "residence"])
    assert result.exit_code == 1
    assert "RESIDENCE_SECRET_KEY" in result.output
    result = runner.invoke(main, ["serve", "nothing"])
    assert result.exit_code == 1
    assert "no service called 'nothing'" in result.output


def test_i18n_check_passes_for_the_repository(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPOSITORY)
    result = runner.invoke(main, ["i18n", "check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("text", "cells"),
    [("Portal", 6), ("桜木市 市民課", 13), ("Ｋｉｔ", 6), ("", 0)],
)
def test_the_tables_columns_count_wide_characters_twice(text: str, cells: int) -> None:
    """`kit up` lines its tables up by terminal columns: a label in Japanese takes two a
    character, so padding by characters pushed the next column out of line."""
    assert _cells(text) == cells
    assert _cells(_pad(text, 20)) == 20
    assert _pad(text, 20).startswith(text)
