"""The README's command reference matches `--help`, and every command documents itself."""

from __future__ import annotations

import click

from review.cli import cli
from tests.cli_reference import README, render, section, walk


def test_readme_command_reference_is_current() -> None:
    assert section(README.read_text(encoding="utf-8")) == render(), (
        "README.md's command reference is out of date: run `python -m tests.cli_reference --write`."
    )


def test_every_command_has_help_and_an_example() -> None:
    missing = []
    for path in walk(cli):
        cmd: click.Command | None = cli
        for name in path:
            assert isinstance(cmd, click.Group)
            cmd = cmd.get_command(click.Context(cmd), name)
        assert cmd is not None
        if not cmd.help or "Example" not in cmd.help:
            missing.append(" ".join(path))
        missing += [
            f"{' '.join(path)} {p.name}" for p in cmd.params if isinstance(p, click.Option) and not p.help
        ]
    assert not missing, f"commands or options without help or an example: {missing}"
