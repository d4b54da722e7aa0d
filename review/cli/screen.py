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
from review.states import Stage

if TYPE_CHECKING:
    from review.screen.assign import AssignResult
    from review.screen.progress import Progress
    from review.screen.queue import Item
    from review.screen.rank import FeatureCache, Ranking
    from review.screen.rules import RulesResult

# Retraining costs ~0.2 s at 100,000 works: re-rank the queue after every few decisions, not each.
RERANK_EVERY = 5
ORDERINGS = {
    "model": "ranked by the model",
    "like-includes": "ranked by likeness to the includes",
    "protocol-terms": "ranked by the protocol's terms",
    "id": "in record order",
    "random-sample": "random order (stopping sample)",
}
# What a ranking learned from, on the status line: a screener should see that their queue is blinded.
LEARNED_FROM = {
    "pooled": "learned from all screeners' decisions",
    "blinded": "learned from your own and settled decisions only (blinded)",
}


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
    """Connects the terminal loop to the store: one committed transaction per action."""

    def __init__(self, app: App, protocol: Protocol, reviewer: str, stage: Stage) -> None:
        self.app, self.protocol, self.reviewer, self.stage = app, protocol, reviewer, stage
        self.since_rank = RERANK_EVERY  # decisions since the queue was last ordered: order it first
        self.ordering = ""  # how the queue is ordered now, for the status line
        self.features: FeatureCache | None = None  # the works' text features, built at the first ranking

    def cards(self, pending: Sequence[int]) -> Iterator[Card]:
        """One card at a time; the rest of the queue is re-ranked every RERANK_EVERY decisions."""
        from review.screen import queue, rank

        self.features = self.features or rank.FeatureCache()
        remaining = list(pending)
        while remaining:
            if self.since_rank >= RERANK_EVERY:
                with self.app.session() as session:
                    ranking = rank.rank(
                        session,
                        self.stage,
                        remaining,
                        protocol=self.protocol,
                        reviewer=self.reviewer,
                        cache=self.features,
                    )
                remaining, self.ordering = list(ranking.order), _ordering(ranking)
                self.since_rank = 0
            work_id = remaining.pop(0)
            with self.app.session() as session:
                if queue.is_decided(session, self.reviewer, self.stage, work_id):
                    continue
                items = queue.items(session, [work_id], self.stage, self.reviewer)
            yield from (_card(item) for item in items)

    def decide(self, choice: Choice) -> None:
        from review.screen import decide

        with self.app.session() as session:
            decide.record(
                session, self.protocol, work_id=choice.work_id, stage=self.stage, reviewer=self.reviewer,
                decision=choice.decision, reason_code=choice.reason_code, note=choice.note,
            )  # fmt: skip
        self.since_rank += 1

    def undo(self) -> Card | None:
        from review.screen import decide, queue

        with self.app.session() as session:
            undone = decide.undo(session, self.reviewer, self.stage)
            items = queue.items(session, [undone.work_id], self.stage, self.reviewer) if undone else []
        return _card(items[0]) if items else None

    def note(self, work_id: int, text: str) -> None:
        from review.screen import decide

        with self.app.session() as session:
            decide.add_note(session, work_id, self.stage, self.reviewer, text)

    def status(self) -> str:
        # The kept counts (review.tally) cost well under a millisecond at a million works, and
        # reading them every card shows the other screeners' effect on a shared queue too.
        from review.screen import queue

        with self.app.session() as session:
            c = queue.counts(session, self.reviewer, self.stage)
        where = self.stage.label
        line = f"{self.reviewer} · {where}: {c.done}/{c.assigned} done, {c.included} included"
        return f"{line} · {self.ordering}" if self.ordering else line


def _ordering(ranking: Ranking) -> str:
    """How the queue is ordered and what from, in the screener's words (the ranking never
    excludes anything)."""
    if ranking.basis == "model" and ranking.detail.get("exploring"):
        how = "ranked, with random picks (no include for a while)"
    else:
        how = ORDERINGS.get(ranking.basis, ranking.basis)
    if ranking.basis in ("model", "like-includes"):
        return f"{how}, {LEARNED_FROM[ranking.learned_from]}"
    if ranking.basis == "protocol-terms" and ranking.learned_from == "blinded":
        # others may have found includes already: say why the order does not show them
        return f"{how} (blinded: no include yet among your own and settled decisions)"
    return how


def _screen(app: App, reviewer: str, stage: Stage) -> None:
    from review.screen import queue

    protocol = app.protocol()
    with app.session() as session:
        q = queue.build(session, reviewer, stage, ordered=False)  # cards() ranks it first
    if q.assigned == 0:
        raise InputError(
            f"Nothing is assigned to {reviewer} at {stage.cli}: "
            f"run `review screen assign --stage {stage.cli}` first."
        )
    link = _ScreenSession(app, protocol, reviewer, stage)
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
    venue = f" ({item.venue})" if item.venue else ""
    source = f"Source: {', '.join(item.sources) or '-'}{venue}"
    meta = f"{source} | Year: {item.year or '-'} | Type: {item.doc_type or '-'}"
    extra = [f"Checking a rule exclusion: {d}" for d in item.rule_details]
    if item.stage == Stage.FULL_TEXT:
        extra += _document_lines(item)
    if item.note:
        extra.append(f"Your note: {item.note}")
    extra += _related_lines(item)
    return Card(item.work_id, item.title or "(no title)", meta, item.abstract, tuple(extra))


def _related_lines(item: Item, most: int = 3) -> list[str]:
    """`Related: erratum or correction of work 40 "Title"`, at most `most` lines (the last says how
    many more): context for the decision, not a second queue."""
    links = item.related
    shown = links if len(links) <= most else links[: most - 1]
    lines = [
        f'Related: {r.label} work {r.other_work_id} "{_clip(r.other_title or "(no title)")}"' for r in shown
    ]
    return lines + ([f"Related: +{len(links) - len(shown)} more"] if len(shown) < len(links) else [])


def _clip(title: str, width: int = 60) -> str:
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"


def _document_lines(item: Item) -> list[str]:
    if not item.documents:
        return [click.style("Full text not retrieved: decide from the title and abstract.", fg="yellow")]
    lines = []
    for d in item.documents:
        pages = f", {d.pages} pages" if d.pages else ""
        where = f": {d.path}" if d.path else ""
        why = f" ({d.reason})" if d.reason else ""
        lines.append(f"Full text {d.status}{pages}{where}{why}")
    return lines


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
