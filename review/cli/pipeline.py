"""`review run` and `review demo`: the automated pipeline end to end."""

from __future__ import annotations

import os
from pathlib import Path

import click

from review.cli.base import App, cli, pass_app


class _Bar:
    """Progress on stderr: the stage being run, then a bar (or a running count) within it."""

    def stage(self, name: str, index: int, total: int) -> None:
        click.echo(f"\n[{index}/{total}] {name}", nl=False, err=True)

    def tick(self, done: int, total: int | None) -> None:
        if total:
            filled = min(20, 20 * done // max(total, 1))
            click.echo(f"\r  [{'#' * filled}{'-' * (20 - filled)}] {done}/{total}", nl=False, err=True)
        else:
            click.echo(f"\r  {done} received", nl=False, err=True)


@cli.command("run")
@click.option("--stages", default=None, metavar="LIST", help="Comma list of stages to run (default: all).")
@click.option("--offline", is_flag=True, help="Skip the network stages (search, full-text fetch).")
@click.option(
    "--reviewers", default=None, metavar="A,B", help="Screeners for new queues (default: as `screen assign`)."
)
@pass_app
def run_cmd(app: App, stages: str | None, offline: bool, reviewers: str | None) -> None:
    """Run every automated stage in order; list what waits for people.

    Stages: search, dedupe, rules, rank, assign, fulltext, fulltext-screening, prefill, report.
    Each stage commits on its own, so an interrupted run keeps what finished; running again
    does only what is new. Screening, conflicts and extraction wait for people: the summary
    says who has what to do.

    \b
    Example:
        review run
        review run --offline
        review run --stages dedupe,rules,assign --reviewers reviewer1,reviewer2
    """
    from review import pipeline
    from review.settings import from_env

    chosen = pipeline.parse_stages(stages)
    team = [app.check_reviewer(r.strip()) for r in reviewers.split(",")] if reviewers else None
    protocol = app.protocol()
    result = pipeline.run(
        app.session,
        protocol,
        app.root,
        stages=chosen,
        progress=_Bar(),
        offline=offline,
        screeners=team,
        settings=from_env(os.environ, protocol),
    )
    click.echo("", err=True)
    click.echo(pipeline.render(result))


@cli.command("demo")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Build the demo review in this folder (kept). Default: a temporary folder.",
)
@click.option("--keep", is_flag=True, help="Keep the temporary folder afterwards.")
@click.option(
    "--update", is_flag=True, help="Then close version v1, update the review with new records, close v2."
)
def demo_cmd(folder: Path | None, keep: bool, update: bool) -> None:
    """Build a sample review from bundled real records and take it through every stage, offline.

    Simulated reviewers screen, resolve conflicts and extract; the output tells each stage's
    counts (read from the store) and where the PRISMA diagram, exports and database are.

    \b
    Example:
        review demo
        review demo --dir demo-review
        review demo --update
    """
    from review import demo

    width = _terminal_width()
    for line in demo.run(folder, keep=keep, update=update):
        click.echo(_wrapped(line, width))


def _terminal_width() -> int | None:
    """The terminal's width when output goes to one (the demo's lines are long), else None."""
    import shutil
    import sys

    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def _wrapped(line: str, width: int | None) -> str:
    # Words wrapped at the terminal's edge, continuation lines indented under the line's own text,
    # rather than the terminal breaking words at its last column.
    if width is None or len(line) <= width:
        return line
    import textwrap

    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return textwrap.fill(line, width=width - 1, subsequent_indent=indent)
