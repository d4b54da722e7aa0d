"""`review import` and `review searches` commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app
from review.formats.csvfile import FIELDS as MAP_FIELDS
from review.imports.read import PLATFORMS

if TYPE_CHECKING:
    from review.imports import ImportResult

FORMAT_CHOICE = click.Choice(["ris", "bibtex", "nbib", "wos", "csv", "xlsx", "endnote", "csljson"])
ALWAYS_COUNTED = ("title", "abstract", "authors", "year", "DOI", "journal")  # shown even when 0
MAX_REFUSALS_SHOWN = 20


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
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=FORMAT_CHOICE,
    default=None,
    help="The file's format (wos: Web of Science plain text; endnote: EndNote XML). "
    "Default: detected from the file.",
)
@click.option("--source", required=True, help="Name for where the records came from, e.g. scopus.")
@click.option(
    "--arm",
    type=click.Choice(["databases", "other"]),
    default=None,
    help="PRISMA arm. Default: other for csv/xlsx (call for evidence, websites), databases for the rest.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Store the good entries of a damaged file; each skipped entry is listed and logged. "
    "Default: a damaged entry stops the import and nothing is stored.",
)
@click.option("--id-column", default=None, help="CSV/XLSX column holding the source's own record ID.")
@click.option(
    "--map",
    "mapping",
    type=FieldMapping(),
    multiple=True,
    help="CSV/XLSX column for a record field; repeat for more. Common headers (Title, Summary, Authors, "
    "Year, DOI, Link, Organisation...) and the exports of Scopus, Web of Science, Lens, Dimensions "
    f"and OpenAlex are recognised without it. FIELD: {', '.join(MAP_FIELDS)}.",
)
@click.option("--sheet", default=None, help="XLSX: the sheet to read. Default: the first.")
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
    files: tuple[Path, ...],
    fmt: str | None,
    source: str,
    mapping: tuple[tuple[str, str], ...],
    skip_invalid: bool,
    **kw: str | None,
) -> None:
    """Import records from a database export or spreadsheet as one search-log entry.

    RIS, BibTeX, PubMed nbib, Web of Science plain text, CSV/TSV, XLSX, EndNote
    XML and CSL-JSON; the format is detected unless --format is given. Several
    FILES are one search exported in parts (Web of Science gives 1,000 records a
    file). Every file is checked first: a damaged entry stops the import and
    nothing is stored (or --skip-invalid). Re-importing a corrected file updates
    its records and their works; the same file again is not a new search. A
    column mapped with --map file=COLUMN names files kept for the full-text
    stage.

    \b
    Example:
        review import scopus.ris --source scopus --interface "Scopus web" \\
            --strategy @scopus-strategy.txt --searched-on 2026-03-14
        review import savedrecs*.txt --source wos
        review import submissions.xlsx --source call-for-evidence \\
            --map title="Submission title" --map file=File --id-column Ref
    """
    from review import imports

    options = imports.ImportOptions(mapping=dict(mapping), skip_invalid=skip_invalid, **kw)
    with app.session() as session:
        result = imports.run(
            session, files, fmt, source, sources_dir=app.sources_dir, options=options,
            protocol_hash=app.protocol().sha256,
        )  # fmt: skip
    click.echo("\n".join(import_lines(result, " + ".join(f.name for f in files))))


def import_lines(result: ImportResult, name: str) -> list[str]:
    """What an import did, for the terminal: format, counts, fields, refusals, the run."""
    lines = [f"Read {name} as {PLATFORMS[result.fmt]} ({result.detected})."] if result.detected else []
    lines += [f"{note[0].upper()}{note[1:]}" for note in result.notes]
    stored = f"{result.new} new, {result.present} already present"
    changed = f" ({result.changed} changed)" if result.changed else ""
    lines.append(f"{_records(result.read)} read: {stored}{changed}.")
    lines += _id_lines(result)
    lines.append("Fields: " + _fields(result.fields))
    lines += _refusal_lines(result)
    if result.same_file:
        lines.append(f"Same file as search run {result.run_id} (same sha256): not a new search run.")
    else:
        lines.append(f"Search run {result.run_id}; file kept as {result.stored_as}.")
    return lines + _file_lines(result)


def _id_lines(result: ImportResult) -> list[str]:
    lines = []
    if result.repeated:
        lines.append(f"{_records(result.repeated)} repeated another in the file exactly: stored once.")
    if result.kept_apart:
        shown = ", ".join(result.kept_apart[:5]) + (", ..." if len(result.kept_apart) > 5 else "")
        lines.append(
            f"{_records(len(result.kept_apart), 'share')} an ID with a different record: both kept "
            f"(stored as {shown}); dedupe will compare them."
        )
    if result.changed:
        lines.append(
            f"{_records(result.changed)} changed since the last import: their works are updated; "
            "`review dedupe` compares them again."
        )
    return lines


def _fields(counts: dict[str, int]) -> str:
    shown = [f"{name} {n}" for name, n in counts.items() if n or name in ALWAYS_COUNTED]
    return ", ".join(shown)


def _refusal_lines(result: ImportResult) -> list[str]:
    if not result.refused:
        return []
    lines = [f"{_records(len(result.refused))} not stored (listed in `review searches`):"]
    lines += [f"  {problem}" for problem in result.refused[:MAX_REFUSALS_SHOWN]]
    if len(result.refused) > MAX_REFUSALS_SHOWN:
        lines.append(f"  ... and {len(result.refused) - MAX_REFUSALS_SHOWN} more")
    return lines


def _file_lines(result: ImportResult) -> list[str]:
    lines = []
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
