"""`review query`, `review export` and `review prisma`: what writers take from the store."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.base import App, cli, pass_app

FORMAT_CHOICE = click.Choice(["table", "csv", "json", "markdown"])
OUT_DIR = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into. Default: extracted/ in the review folder.",
)


@cli.command("query")
@click.argument("sql", required=False)
@click.option("--saved", metavar="NAME", help="Run a query saved under [queries] in the protocol.")
@click.option(
    "--format", "fmt", type=FORMAT_CHOICE, default="table", show_default=True, help="Output format."
)
@pass_app
def query_cmd(app: App, sql: str | None, saved: str | None, fmt: str) -> None:
    """Run one read-only SQL query on the store (the database refuses any write).

    Writers' tables: extract_<form> (one row per included study) and extract_<form>_<field>
    (one row per chosen value of a multi-choice field), beside work, record and the logs.

    \b
    Example:
        review query "SELECT design, COUNT(*) FROM extract_early_years GROUP BY design"
        review query --saved evidence_map --format markdown
    """
    from review import query

    if (sql is None) == (saved is None):
        raise click.UsageError("Give either SQL or --saved NAME.")
    text = sql if sql is not None else query.saved_query(app.protocol(), str(saved))
    click.echo(query.render(query.run_query(app.db_target, text), fmt))


@cli.command("export")
@OUT_DIR
@pass_app
def export_cmd(app: App, out: Path | None) -> None:
    """Write included studies (RIS, BibTeX, CSV) and the extraction tables (CSV, Markdown).

    \b
    Example:
        review export
    """
    from review import export

    folder = out or app.extracted_dir
    with app.session() as session:
        result = export.run(session, app.protocol(), folder)
    click.echo(f"Wrote {len(result.files)} files to {folder}: {result.studies} included studies.")


@cli.command("prisma")
@OUT_DIR
@pass_app
def prisma_cmd(app: App, out: Path | None) -> None:
    """Write the PRISMA 2020 flow diagram (SVG + CSV), the PRISMA-S appendix and methods text.

    \b
    Example:
        review prisma
    """
    from review import report

    folder = out or app.extracted_dir
    with app.session() as session:
        result = report.run(session, app.protocol(), folder)
    click.echo(report.summary(result.counts))
    click.echo(f"Wrote {', '.join(p.name for p in result.files)} to {folder}.")
