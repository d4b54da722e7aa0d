"""`review extract` commands: the terminal form, verification, conflicts and the sheet round trip."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app

if TYPE_CHECKING:
    from review.extract import Entry, FormItem

ROLE_CHOICE = click.Choice(["extractor", "verifier"])
REVIEWER = click.option("--reviewer", required=True, help="Your name as listed in the protocol.")


class _RecordGroup(click.Group):
    """`review extract 12 ...` means `review extract record 12 ...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["record", *args]
        return super().parse_args(ctx, args)


@cli.group("extract", cls=_RecordGroup)
def extract_group() -> None:
    """Extract data from included studies into tables writers can query.

    `review extract RECORD --reviewer NAME` opens the form for one record.

    \b
    Example:
        review extract 12 --reviewer reviewer1
        review extract verify 12 --reviewer reviewer2
    """


@extract_group.command("record")
@click.argument("record", type=int)
@REVIEWER
@pass_app
def record_cmd(app: App, record: int, reviewer: str) -> None:
    """Fill in the extraction form for one record (Enter accepts the suggestion shown).

    \b
    Example:
        review extract record 12 --reviewer reviewer1
    """
    _run_form(app, record, app.check_reviewer(reviewer), "extractor")


@extract_group.command("verify")
@click.argument("record", type=int)
@REVIEWER
@pass_app
def verify_cmd(app: App, record: int, reviewer: str) -> None:
    """Check the first extractor's values for one record: Enter accepts, or type a correction.

    \b
    Example:
        review extract verify 12 --reviewer reviewer2
    """
    _run_form(app, record, app.check_reviewer(reviewer), "verifier")


def _run_form(app: App, record: int, reviewer: str, role: str) -> None:
    from review import extract

    protocol = app.protocol()
    with app.session() as session:
        items = extract.begin(session, protocol, record, reviewer, role)
        click.echo(
            f"Record {record}: {len(items)} fields. Enter keeps the value in [brackets]; '-' clears it; "
            f"{STOP} saves what you have entered and stops."
        )
        entries = _answers(items)
        result = extract.save(session, protocol, record, reviewer, role, entries)
    tables = result.tables
    assert tables is not None
    click.echo(
        f"Saved {result.written} value(s) for record {record} ({reviewer}, {role}). "
        f"{tables.conflicts} conflicting field(s) on this record; {tables.table}: {tables.rows} row(s)."
    )
    if len(entries) < len(items):
        click.echo(
            f"Stopped after {len(entries)} of {len(items)} fields: the same command carries on, "
            "each answer so far offered in [brackets]."
        )


STOP = ":q"  # typed as an answer: save the answers so far and stop (Ctrl-C and end of input too)


def _answers(items: list[FormItem]) -> list[Entry]:
    """The person's answers field by field, until the form ends or they stop."""
    entries: list[Entry] = []
    for item in items:
        try:
            entry = _ask(item)
        except click.Abort:  # Ctrl-C or the end of input: keep what was answered
            click.echo()
            break
        if entry is None:
            break
        entries.append(entry)
    return entries


def _ask(item: FormItem) -> Entry | None:
    from review.errors import ExtractionError
    from review.extract import answer
    from review.extract.values import show

    field = item.field
    click.echo(f"\n{item.key} ({field.type}{', required' if field.required else ''})")
    for line in _hints(item):
        click.echo(f"  {line}")
    default = show(item.default.value) if item.default is not None else ""
    while True:
        raw = click.prompt(f"  {field.name}", default=default, show_default=bool(default))
        if raw.strip() == STOP:
            return None
        try:
            return answer(item, raw)
        except ExtractionError as exc:
            click.echo(f"  Error: {exc}", err=True)


def _hints(item: FormItem) -> list[str]:
    field, lines = item.field, []
    if field.help:
        lines.append(field.help)
    if field.choices:
        several = " (several: separate with ;)" if field.type == "choices" else ""
        lines.append(f"allowed: {' | '.join(field.choices)}{several}")
    if item.default is not None and item.origin:
        where = "title/abstract" if item.default.page_no is None else f"p. {item.default.page_no}"
        quote = f' ({where}: "{item.default.quote}")' if item.default.quote else ""
        lines.append(f"{item.origin}{quote}")
    return lines


@extract_group.command("conflicts")
@pass_app
def conflicts_cmd(app: App) -> None:
    """List fields where the extractor and verifier (or two extractors) gave different values.

    \b
    Example:
        review extract conflicts
    """
    from review import extract
    from review.extract.values import show

    with app.session() as session:
        found = extract.conflicts(session)
    for s in found:
        given = "; ".join(f"{r}: {show(v) or '(blank)'}" for r, v in s.by_reviewer.items())
        click.echo(f"{s.work_id}\t{s.field}\t{given}")
    click.echo(f"{len(found)} conflicting field(s).", err=True)


@extract_group.command("resolve")
@click.argument("record", type=int)
@click.argument("field")
@click.argument("value")
@REVIEWER
@pass_app
def resolve_cmd(app: App, record: int, field: str, value: str, reviewer: str) -> None:
    """Record the agreed value of a conflicting field (FIELD as section.field or field).

    \b
    Example:
        review extract resolve 12 design.design "cohort" --reviewer adjudicator
    """
    from review import extract

    with app.session() as session:
        result = extract.resolve(session, app.protocol(), record, field, value, app.check_reviewer(reviewer))
    click.echo(f"Record {record}: {result.field} agreed. {result.remaining} conflicting field(s) left.")


@extract_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@REVIEWER
@click.option("--role", type=ROLE_CHOICE, default="extractor", show_default=True, help="Extract or verify.")
@pass_app
def export_cmd(app: App, file: Path, reviewer: str, role: str) -> None:
    """Write the form as a sheet (.csv or .xlsx) to fill in offline, one row per study.

    \b
    Example:
        review extract export mine.xlsx --reviewer reviewer1
    """
    from review.extract.sheet import export_sheet

    with app.session() as session:
        result = export_sheet(session, app.protocol(), file, app.check_reviewer(reviewer), role)
    click.echo(f"Wrote {result.works} record(s) to {file}.")


@extract_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@REVIEWER
@click.option("--role", type=ROLE_CHOICE, default="extractor", show_default=True, help="Extract or verify.")
@pass_app
def import_cmd(app: App, file: Path, reviewer: str, role: str) -> None:
    """Read a filled-in sheet; every cell is checked first and nothing is saved if one is wrong.

    \b
    Example:
        review extract import mine.xlsx --reviewer reviewer1
    """
    from review.extract.sheet import import_sheet

    with app.session() as session:
        result = import_sheet(session, app.protocol(), file, app.check_reviewer(reviewer), role)
    click.echo(f"Imported {result.values} value(s) for {result.works} record(s) from {file}.")


@extract_group.command("prefill")
@pass_app
def prefill_cmd(app: App) -> None:
    """Suggest values from the full texts of all included studies (design, sample, places...).

    \b
    Example:
        review extract prefill
    """
    from review import extract

    with app.session() as session:
        result = extract.prefill(session, app.protocol(), extract.included_works(session))
    click.echo(f"{result.suggestions} new suggestion(s) for {result.works} included record(s).")


@extract_group.command("tables")
@pass_app
def tables_cmd(app: App) -> None:
    """Rebuild the writers' tables from the extraction log (after editing the form).

    \b
    Example:
        review extract tables
    """
    from review import extract

    with app.session() as session:
        result = extract.materialise(session, app.protocol())
    added = f"; new column(s): {', '.join(result.columns_added)}" if result.columns_added else ""
    click.echo(f"{result.table}: {result.rows} row(s), {result.conflicts} conflicting field(s){added}.")
