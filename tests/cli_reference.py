"""Render the README's command reference from `--help`: `python -m tests.cli_reference --write`."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from review.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path, groups before their subcommands, in name order."""
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        yield (*path, name)
        if isinstance(cmd, click.Group):
            yield from walk(cmd, (*path, name))


def render() -> str:
    runner = CliRunner()
    parts = []
    for path in [(), *walk(cli)]:
        out = runner.invoke(cli, [*path, "--help"], prog_name="review", terminal_width=100).output
        title = " ".join(("review", *path))
        parts.append(f"### `{title}`\n\n```text\n{out.rstrip()}\n```\n")
    return "\n".join(parts)


def section(text: str) -> str:
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    return match.group(1) if match else ""


def write() -> None:
    text = README.read_text(encoding="utf-8")
    new = text.replace(f"{START}\n{section(text)}{END}", f"{START}\n{render()}{END}")
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print(render())
