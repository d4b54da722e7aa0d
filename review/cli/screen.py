"""`review screen` commands: the keyboard screen, rules, queues, progress and spreadsheets."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app, stage_option
from review.cli.terminal import Card, Choice, run_terminal
from review.errors import InputError
from review.protocol import Protocol
from review.screen.features import FeatureCache
from review.states import Stage

if TYPE_CHECKING:
    from review.screen.assign import AssignResult
    from review.screen.progress import Progress
    from review.screen.queue import Item
    from review.screen.rules import RulesResult
    from review.screen.sitting import Sitting


@cli.group("screen", invoke_without_command=True)
@click.option("--reviewer", help="Who is screening (a name from the protocol's [review] reviewers).")
@stage_option
@click.option("--explain", type=int, metavar="RECORD", help="Show which protocol rules fired for a record.")
@click.pass_context
def screen_cmd(ctx: click.Context, reviewer: str | None, stage: Stage, explain: int | None) -> None:
    """Screen works one at a time from the keyboard (blind to other reviewers).

    Keys: i include, e exclude (then the reason's key, 1-9), m maybe, u undo, s skip, n note,
    ? criteria, space / b next / previous page, q quit. Each decision is saved at once; the
    next start resumes.

    \b
    Example:
        review screen assign
        review screen --reviewer reviewer1
        review screen --explain 42
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.ensure_object(App)
    if explain is not None:
        click.echo(_explain(app, explain))
    elif reviewer is None:
        raise click.UsageError("Give --reviewer NAME to screen, --explain RECORD, or a subcommand.")
    else:
        _screen(app, app.check_reviewer(reviewer), stage)


@screen_cmd.command("rules")
@stage_option
@pass_app
def rules_cmd(app: App, stage: Stage) -> None:
    """Apply the protocol's [rules]: automatic, reasoned exclusions (safe to re-run).

    \b
    Example:
        review screen rules --stage title-abstract
    """
    from review.screen import rules

    with app.session() as session:
        result = rules.run(session, app.protocol(), stage)
    click.echo(_rules_line(result))


@screen_cmd.command("assign")
@stage_option
@click.option("--reviewers", help="Comma-separated screeners (default: those already screening, else all).")
@pass_app
def assign_cmd(app: App, stage: Stage, reviewers: str | None) -> None:
    """Apply the rules, then fill reviewers' queues by the protocol's screening design.

    Safe to re-run: after a pilot it checks the agreement gate; with single+verify it gives
    new excludes to a second screener.

    \b
    Example:
        review screen assign --stage title-abstract --reviewers reviewer1,reviewer2
    """
    from review.screen import assign, rules

    team = [r.strip() for r in reviewers.split(",") if r.strip()] if reviewers else None
    with app.session() as session:
        ruled = rules.run(session, app.protocol(), stage)
        result = assign.run(session, app.protocol(), stage, team)
    click.echo(_rules_line(ruled))
    click.echo(_assign_lines(result))


@screen_cmd.command("progress")
@stage_option
@pass_app
def progress_cmd(app: App, stage: Stage) -> None:
    """Show where each reviewer stands, and the stage's final decisions so far.

    \b
    Example:
        review screen progress --stage full-text
    """
    from review.screen import progress

    with app.session() as session:
        result = progress.run(session, app.protocol(), stage)
    click.echo(_progress_lines(result))


@screen_cmd.command("export")
@click.option("--reviewer", required=True, help="Whose queue to write.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True,
              help="Spreadsheet format.")  # fmt: skip
@stage_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: in extracted/).",
)
@pass_app
def export_cmd(app: App, reviewer: str, fmt: str, stage: Stage, output: Path | None) -> None:
    """Write a reviewer's queue to a spreadsheet to screen in Excel or LibreOffice.

    Fill in decision (include, exclude, maybe), reason_code (for excludes) and note, then
    bring it back with `review screen import FILE`.

    \b
    Example:
        review screen export --reviewer reviewer1 --format xlsx
    """
    from review.screen import sheets

    path = output or app.extracted_dir / f"screening-{reviewer}-{stage.cli}.{fmt}"
    if path.suffix.lower() != f".{fmt}":
        raise InputError(f"--output {path} does not end in .{fmt}: name the file *.{fmt} or change --format.")
    with app.session() as session:
        result = sheets.export(session, app.protocol(), app.check_reviewer(reviewer), stage, path)
    click.echo(f"Wrote {result.rows} records ({result.decided} already decided) to {result.path}")


@screen_cmd.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reviewer", help="Whose decisions the file holds (default: the file's reviewer column).")
@pass_app
def import_cmd(app: App, file: Path, reviewer: str | None) -> None:
    """Read decisions back from a screening spreadsheet: all rows, or none if any is bad.

    \b
    Example:
        review screen import extracted/screening-reviewer1-title-abstract.xlsx
    """
    from review.screen import sheets

    with app.session() as session:
        result = sheets.import_file(session, app.protocol(), file, reviewer and app.check_reviewer(reviewer))
    click.echo(
        f"Imported {file} for {result.reviewer}: {result.applied} new decision(s), {result.unchanged} "
        f"unchanged, {result.blank} without a decision ({result.notes} note(s) kept)."
    )


# --- the keyboard screen ------------------------------------------------------------------


class _ScreenSession:
    """Connects the terminal loop to the sitting (review.screen.sitting): one transaction per action."""

    def __init__(self, sitting: Sitting) -> None:
        self.sitting = sitting

    def cards(self, pending: Sequence[int]) -> Iterator[Card]:
        """One card at a time; the rest of the queue is re-ranked as the sitting says (`due`)."""
        remaining = list(pending)
        while remaining:
            if self.sitting.due():
                remaining = self.sitting.rank(remaining)
            item = self.sitting.item(remaining.pop(0))
            if item is not None:
                yield _card(item)

    def decide(self, choice: Choice) -> None:
        self.sitting.decide(choice.work_id, choice.decision, choice.reason_code, choice.note)

    def undo(self) -> Card | None:
        undone = self.sitting.undo()
        item = self.sitting.item(undone.work_id) if undone else None
        return _card(item) if item else None

    def note(self, work_id: int, text: str) -> None:
        self.sitting.note(work_id, text)

    def status(self) -> str:
        return self.sitting.status()


def _screen(app: App, reviewer: str, stage: Stage) -> None:
    from review.screen import queue, sitting

    protocol = app.protocol()
    with app.session() as session:
        q = queue.build(session, reviewer, stage, ordered=False)  # cards() ranks it first
    if q.assigned == 0:
        raise InputError(
            f"Nothing is assigned to {reviewer} at {stage.cli}: "
            f"run `review screen assign --stage {stage.cli}` first."
        )
    link = _ScreenSession(sitting.Sitting(app.session, protocol, reviewer, stage, FeatureCache()))
    result = run_terminal(
        link.cards(q.pending),
        reasons=[(c.code, c.text) for c in protocol.criteria.exclude],
        on_decide=link.decide,
        on_undo=link.undo,
        on_note=link.note,
        status=link.status,
        criteria_help=_criteria_help(protocol),
        include_terms=protocol.highlight.include,
        exclude_terms=protocol.highlight.exclude,
    )
    click.echo(f"{result.decided} decision(s) saved this session. {link.status()}.")


def _card(item: Item) -> Card:
    """The terminal's card: the shared words (review.screen.card), a warning in yellow, the note
    among the context lines, and at most three related works with clipped titles."""
    from review.screen.card import card_text

    text = card_text(item, most_related=3, title_width=60)
    extra = [*text.checks]
    extra += [click.style(text.not_retrieved, fg="yellow")] if text.not_retrieved else []
    extra += [*text.documents, *([f"Your note: {text.note}"] if text.note else []), *text.related]
    return Card(item.work_id, text.title, text.meta, item.abstract, tuple(extra))


def _criteria_help(protocol: Protocol) -> str:
    lines = ["Include when:"] + [f"  {c.code}: {c.text}" for c in protocol.criteria.include]
    lines += ["Exclude (e, then the reason's key):"]
    lines += [f"  {n}. {c.code}: {c.text}" for n, c in enumerate(protocol.criteria.exclude, start=1)]
    return "\n".join(lines)


# --- rendering ----------------------------------------------------------------------------


def _explain(app: App, work_id: int) -> str:
    from review.screen import rules

    with app.session() as session:
        found = rules.explain(session, app.protocol(), work_id)
    lines = [f"Work {found.work_id}: {found.title or '(no title)'}", "Stored rule results:"]
    for r in found.stored:
        state = (
            "active"
            if r.active
            else f"overturned by decision {r.overturned_by}"
            if r.overturned_by
            else "inactive"
        )
        lines.append(f"  {Stage(r.stage).cli}: {r.rule} -> {r.reason_code} ({state}): {r.detail}")
    if not found.stored:
        lines.append("  none: no rule has excluded this work.")
    lines.append("The protocol's rules applied now:")
    lines += [
        f"  {v.rule}: {'EXCLUDE ' + v.reason_code if v.fires else 'keep'} - {v.detail}"
        for v in found.verdicts
    ]
    if not found.verdicts:
        lines.append("  none: the protocol's [rules] is empty.")
    return "\n".join(lines)


def _rules_line(result: RulesResult) -> str:
    if not result.configured:
        return "The protocol's [rules] sets no rules: nothing excluded automatically."
    by_rule = ", ".join(f"{rule} {n}" for rule, n in result.by_rule) or "none"
    return (
        f"Rules at {Stage(result.stage).cli}: {result.examined} works checked; "
        f"{result.excluded} excluded by rule ({by_rule}); {result.added} new, {result.cleared} cleared."
    )


def _assign_lines(result: AssignResult) -> str:
    added = ", ".join(f"{p} {n}" for p, n in result.added) or "none"
    return "\n".join(
        [
            f"Design {result.design} at {Stage(result.stage).cli}; screeners {', '.join(result.reviewers)}.",
            f"{result.eligible} works to screen, {result.rule_excluded} excluded by rule.",
            f"New assignments: {added}.",
            result.message,
        ]
    )


def _progress_lines(result: Progress) -> str:
    lines = [
        f"{Stage(result.stage).cli} ({result.design}): {result.in_scope} works, "
        f"{result.rule_excluded} excluded by rule, {result.unassigned} not yet in a queue.",
        "Final: " + ", ".join(f"{s} {n}" for s, n in result.finals),
        "",
        f"{'reviewer':<16} {'done':>6} {'assigned':>9} {'left':>6} {'incl':>6} {'excl':>6} {'maybe':>6}"
        "  queues",
    ]
    for r in result.reviewers:
        queues = ", ".join(f"{p} {n}" for p, n in r.by_purpose)
        lines.append(
            f"{r.reviewer:<16} {r.done:>6} {r.assigned:>9} {r.remaining:>6} {r.includes:>6} "
            f"{r.excludes:>6} {r.maybes:>6}  {queues}"
        )
    if not result.reviewers:
        lines.append("(nobody has a queue yet: run `review screen assign`)")
    return "\n".join(lines)
