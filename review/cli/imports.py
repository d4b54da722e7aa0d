"""`review import` and `review searches` commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app
from review.formats.csvfile import FIELDS as MAP_FIELDS

if TYPE_CHECKING:
    from review.imports import ImportResult

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
@click.option(
    "--strategy",
    default=None,
    help="The search strategy exactly as typed at the database (kept verbatim for the PRISMA-S appendix), "
    "or @FILE to read it from a text file.",
)
@click.option(
    "--searched-on",
    default=None,
    metavar="YYYY-MM-DD",
    help="The day the database was searched. Default: not recorded (the appendix says so).",
)
@click.option("--interface", default=None, help='The platform searched, e.g. Ovid, EBSCOhost, "Scopus web".')
@pass_app
def import_cmd(
    app: App,
    /,
    file: Path,
    fmt: str,
    source: str,
    mapping: tuple[tuple[str, str], ...],
    **kw: str | None,
) -> None:
    """Import records from a RIS, BibTeX, PubMed nbib or CSV file as one search-log entry.

    The whole file is checked first: a bad line stops the import and nothing is stored.
    Re-importing the same file updates the same records. A CSV column mapped with
    --map file=COLUMN names files (paths relative to the CSV) kept for the full-text stage.

    \b
    Example:
        review import scopus.ris --format ris --source scopus --interface "Scopus web" \\
            --strategy @scopus-strategy.txt --searched-on 2026-03-14
        review import submissions.csv --format csv --source call-for-evidence \\
            --map title="Submission title" --map publisher=Organisation --map file=File --id-column Ref
    """
    from review import imports

    options = imports.ImportOptions(mapping=dict(mapping), **kw)
    with app.session() as session:
        result = imports.run(
            session, file, fmt, source, sources_dir=app.sources_dir, options=options,
            protocol_hash=app.protocol().sha256,
        )  # fmt: skip
    click.echo("\n".join(_import_lines(result)))


def _import_lines(result: ImportResult) -> list[str]:
    repeated = f" ({result.repeated} repeated within the file)" if result.repeated else ""
    lines = [f"{result.read} records read: {result.new} new, {result.present} already present{repeated}."]
    lines.append(f"Search run {result.run_id}; file kept as {result.stored_as}.")
    if result.files:
        lines.append(
            f"Files of {_records(result.files)} kept under sources/imports/files/ for the full-text stage."
        )
    if result.not_pdf:
        lines.append(
            f"{_records(result.not_pdf, 'name')} a file that is not a PDF: full text cannot read those."
        )
    if result.unmapped_files:
        lines.append(
            f"{_records(result.unmapped_files, 'name')} a file: to hand the files to the full-text stage, "
            "import again with --map file=COLUMN."
        )
    return lines


def _records(n: int, verb: str = "") -> str:
    """`3 records`, or with a verb `1 record names` / `3 records name`."""
    said = f"{n} record" if n == 1 else f"{n} records"
    return f"{said} {verb}s" if verb and n == 1 else f"{said} {verb}".rstrip()


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
