"""`review import` and `review searches` commands."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.base import App, cli, pass_app
from review.formats.csvfile import FIELDS as MAP_FIELDS

FORMAT_CHOICE = click.Choice(["ris", "bibtex", "nbib", "csv"])


class FieldMapping(click.ParamType[tuple[str, str]]):
    """`FIELD=COLUMN`, with FIELD one of the record fields a CSV column can fill."""

    name = "FIELD=COLUMN"

    def convert(
        self, value: str, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        fld, sep, column = value.partition("=")
        if not sep or not column.strip() or fld.strip() not in MAP_FIELDS:
            self.fail(f"{value!r}: use FIELD=COLUMN with FIELD one of {', '.join(MAP_FIELDS)}", param, ctx)
        return fld.strip(), column.strip()


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=FORMAT_CHOICE, required=True, help="The file's format.")
@click.option("--source", required=True, help="Name for where the records came from, e.g. scopus.")
@click.option(
    "--arm",
    type=click.Choice(["databases", "other"]),
    default=None,
    help="PRISMA arm. Default: databases for ris/bibtex/nbib, other for csv (call for evidence, websites).",
)
@click.option("--id-column", default=None, help="CSV column holding the source's own record ID.")
@click.option(
    "--map",
    "mapping",
    type=FieldMapping(),
    multiple=True,
    help="CSV column for a record field; repeat for more. Common headers (Title, Summary, Authors, Year, "
    f"DOI, Link, Organisation...) are recognised without it. FIELD: {', '.join(MAP_FIELDS)}.",
)
@click.option("--encoding", default=None, help="Text encoding if not UTF-8, e.g. cp1252.")
@pass_app
def import_cmd(
    app: App,
    file: Path,
    fmt: str,
    source: str,
    arm: str | None,
    id_column: str | None,
    mapping: tuple[tuple[str, str], ...],
    encoding: str | None,
) -> None:
    """Import records from a RIS, BibTeX, PubMed nbib or CSV file as one search-log entry.

    The whole file is checked first: a bad line stops the import and nothing is stored.
    Re-importing the same file updates the same records.

    \b
    Example:
        review import scopus.ris --format ris --source scopus
        review import submissions.csv --format csv --source call-for-evidence \\
            --map title="Submission title" --map publisher=Organisation --id-column Ref
    """
    from review import imports

    options = imports.ImportOptions(arm=arm, id_column=id_column, mapping=dict(mapping), encoding=encoding)
    with app.session() as session:
        result = imports.run(
            session,
            file,
            fmt,
            source,
            sources_dir=app.sources_dir,
            options=options,
            protocol_hash=app.protocol().sha256,
        )
    repeated = f" ({result.repeated} repeated within the file)" if result.repeated else ""
    click.echo(f"{result.read} records read: {result.new} new, {result.present} already present{repeated}.")
    click.echo(f"Search run {result.run_id}; file kept as {result.stored_as}.")


@cli.command("searches")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "markdown"]),
    default="table",
    show_default=True,
    help="table for the terminal, csv for a spreadsheet, markdown for the PRISMA-S appendix.",
)
@pass_app
def searches_cmd(app: App, fmt: str) -> None:
    """List every search and import run, with the exact request, dates and counts.

    \b
    Example:
        review searches
        review searches --format markdown > extracted/prisma-s.md
    """
    from review import searchlog

    with app.session() as session:
        log = searchlog.run(session)
    render = {
        "table": searchlog.render_table,
        "csv": searchlog.render_csv,
        "markdown": searchlog.render_markdown,
    }
    click.echo(render[fmt](log), nl=fmt == "table")
