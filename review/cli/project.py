"""`review init` and `review status`."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.base import App, cli, pass_app


@cli.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.pass_obj
def init_cmd(app: App, folder: Path) -> None:
    """Create a review folder with a template protocol and an empty store.

    \b
    Example:
        review init family-hubs-review
    """
    from review import init

    result = init.run(folder)
    app.root = folder
    app.engine()  # create and migrate the store now, so a first `status` has something to show
    click.echo(f"Created review in {folder}: edit {result.protocol}, then run `review search --dry-run`.")


@cli.command("status")
@click.option(
    "--check",
    is_flag=True,
    help="Recount everything from the records and the decision log first, and repair any kept count "
    "that differs (slow on a large review).",
)
@pass_app
def status_cmd(app: App, check: bool) -> None:
    """Show counts at every stage and what to do next.

    \b
    Example:
        review status
        review status --check
    """
    from review import status
    from review.errors import ProtocolError

    try:
        protocol = app.protocol()
    except ProtocolError as exc:  # the counts are still worth showing; say what is wrong
        click.echo(f"Warning: {exc}", err=True)
        protocol = None
    with app.session() as session:
        if check:
            click.echo(status.render_check(status.check(session)))
        report = status.run(session, protocol)
    click.echo(status.render(report))
