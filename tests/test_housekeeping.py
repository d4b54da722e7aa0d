"""Housekeeping: a fast `review --help`, read-only commands that leave no store behind, and every
library the code imports declared in pyproject.toml."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from click.testing import CliRunner

from review.cli import cli
from review.cli.base import COMMANDS, load_commands

ROOT = Path(__file__).resolve().parent.parent


def test_the_command_table_matches_the_commands() -> None:
    load_commands()
    assert set(cli.commands) == set(COMMANDS)
    for name, (modules, summary) in COMMANDS.items():
        command = cli.commands[name]
        assert command.get_short_help_str(10**6) == summary, name
        assert command.callback is not None and command.callback.__module__ == f"review.cli.{modules[0]}"


def test_help_loads_no_command_module() -> None:
    code = "import sys; from review.cli import main; sys.argv = ['review', '--help']\n"
    code += "try: main()\nexcept SystemExit: pass\n"
    code += "print(sorted(m for m in sys.modules if m.startswith(('review.cli.', 'sqlalchemy', 'numpy'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['review.cli.base']"


@pytest.mark.parametrize(
    "command", [["status"], ["searches"], ["screen", "progress"], ["fulltext", "status"]]
)
def test_a_read_only_command_outside_a_review_leaves_no_store(tmp_path: Path, command: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--dir", str(tmp_path), *command])
    assert result.exit_code == 1, result.output
    assert "No review store here" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["status"], ["screen", "progress"], ["fulltext", "status"]])
def test_a_read_only_command_in_a_review_without_its_store_leaves_no_store(
    tmp_path: Path, command: list[str]
) -> None:
    # A fresh clone of a review: the protocol is committed, the store is not.
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "review.db").unlink()
    result = CliRunner().invoke(cli, ["--dir", str(tmp_path), *command])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "review.db").exists()
    if command == ["status"]:
        assert "review search" in result.output  # the next step, as for an empty store


def test_query_without_a_store_says_how_to_build_one(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "review.db").unlink()
    result = CliRunner().invoke(cli, ["--dir", str(tmp_path), "query", "SELECT count(*) FROM work"])
    assert result.exit_code == 1
    assert "nothing to query yet" in result.stderr and "`review search` or `review import`" in result.stderr
    assert not (tmp_path / "review.db").exists()


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    found |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    return {name.partition(".")[0] for name in found}


def test_every_library_the_code_imports_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["postgres"]]
    names = {d.split(">")[0].split("[")[0].split("<")[0].strip().lower() for d in declared}
    distributions = packages_distributions()
    used = set().union(*(_imported(p) for p in (ROOT / "review").rglob("*.py")))
    third_party = {m for m in used if m in distributions and m != "review"}
    missing = {m for m in third_party if not {d.lower() for d in distributions[m]} & names}
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"
