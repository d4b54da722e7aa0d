"""`review backup`, `review restore` and `review copy`: moving a review between stores."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.base import App, cli, pass_app


def _summary(verb: str, result: object) -> str:
    from review.team import CopyResult

    assert isinstance(result, CopyResult)
    tables = sum(1 for t in result.tables if t.rows)
    return f"{verb} {result.rows} rows in {tables} tables to {result.target}; counts and checksums match."


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def backup_cmd(app: App, file: Path) -> None:
    """Write a consistent snapshot of the review store to a new SQLite FILE.

    Safe while others are screening. Works for SQLite and PostgreSQL stores alike.

    \b
    Example:
        review backup backups/review-2026-11-26.db
    """
    from review import team

    click.echo(_summary("Backed up", team.backup(app.engine(), file)))


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the contents of a store that is not empty.")
@pass_app
def restore_cmd(app: App, file: Path, force: bool) -> None:
    """Load a backup FILE into the review store (the one --db names).

    \b
    Example:
        review --db postgresql://team@db.example/review restore backups/review.db
    """
    from review import team

    click.echo(_summary("Restored", team.restore(app.engine(), file, force=force)))


@cli.command("copy")
@click.option("--to", "to_url", required=True, metavar="PATH|URL", help="The store to copy the review into.")
@click.option("--force", is_flag=True, help="Replace the contents of a target store that is not empty.")
@pass_app
def copy_cmd(app: App, to_url: str, force: bool) -> None:
    """Copy the whole review into another store (SQLite to PostgreSQL and back) and verify it.

    \b
    Example:
        review copy --to postgresql://team@db.example/review
    """
    from review import team
    from review.db import make_engine

    target = make_engine(to_url)
    try:
        click.echo(_summary("Copied", team.copy(app.engine(), target, force=force)))
    finally:
        target.dispose()
