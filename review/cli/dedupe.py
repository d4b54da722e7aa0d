"""`review dedupe` commands: run, review the queue, undo a merge, export the record-to-work table."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from review.cli.base import App, cli, pass_app

if TYPE_CHECKING:
    from review.dedupe import PairView

KEYS = {"m": "merge", "k": "keep_both", "s": "skip", "q": "quit"}


@cli.group("dedupe", invoke_without_command=True)
@click.pass_context
def dedupe_cmd(ctx: click.Context) -> None:
    """Group records into works: the same study from several searches is screened once.

    Without a subcommand, compares new records with everything stored: sure duplicates are
    merged, likely ones are queued for `review dedupe review`, and every record gets a work.

    \b
    Example:
        review dedupe
        review dedupe review --reviewer alice
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(run_cmd)


@dedupe_cmd.command("run")
@pass_app
def run_cmd(app: App) -> None:
    """Compare new records with stored ones and merge sure duplicates (same as `review dedupe`).

    \b
    Example:
        review dedupe run
    """
    from review import dedupe
    from review.report.methods import count

    protocol = app.protocol()
    with app.session() as session:
        res = dedupe.run(session, policy=dedupe.Policy.of(protocol.dedupe), protocol_hash=protocol.sha256)
    changed = f", {res.changed} changed by a re-import" if res.changed else ""
    click.echo(
        textwrap.fill(
            f"{count(res.examined, 'record')} ({res.new - res.changed:,} new{changed}): "
            f"{count(res.auto_merges, 'pair')} merged automatically,",
            SUMMARY_WIDTH,
        )
    )
    waits = "pair waits" if res.queued == 1 else "pairs wait"
    works = f"{count(res.works, 'work')} ({res.works_created:,} new)"
    click.echo(f"{res.queued:,} {waits} for a person; {works}.")
    if res.related:
        from review.dedupe.relations import counts_text

        click.echo(
            textwrap.fill(
                f"Kept apart but linked as related items: {counts_text(res.related)}.", SUMMARY_WIDTH
            )
        )
    for a, b in res.flagged:
        click.echo(f"Warning: records {a} and {b} match but both works are screened; queued.", err=True)
    if res.queued:
        click.echo("Check the queue with: review dedupe review --reviewer NAME")


SUMMARY_WIDTH = 79  # words wrapped before an 80-column terminal's edge, not split by it


def _show(view: PairView, width: int = 80) -> None:
    """The pair's evidence, then each field whole, wrapped to the terminal: once when both records
    agree, as A and B (marked *) when they differ, so an erratum and its article never look alike."""
    click.echo("\n" + textwrap.fill(f"Pair {view.pair_id} ({view.rule}): {_evidence(view.scores)}", width))
    for name in view.left:
        left, right = _cell(view.left[name]), _cell(view.right[name])
        if left == right:
            click.echo(_wrapped(f"  {name:<9} | ", left, width))
        else:
            click.echo(_wrapped(f"* {name:<9} A ", left, width))
            click.echo(_wrapped(f"  {'':<9} B ", right, width))


def _wrapped(head: str, text: str, width: int) -> str:
    return textwrap.fill(text or "-", width, initial_indent=head, subsequent_indent=" " * len(head))


def _evidence(scores: dict[str, Any]) -> str:
    """The match probability and each compared field's level, in words (missing fields left out)."""
    from review.dedupe import weights

    levels = scores.get("levels") or {}
    shown = [f"{name} {level}" for name, level in levels.items() if level != "missing"]
    head = weights.text(float(scores["p"])) if "p" in scores else ""
    extra = [f"{k} {v}" for k, v in scores.items() if k not in ("levels", "p", "weight", "title")]
    parts = (head, ", ".join(shown), ", ".join(map(str, extra)))
    return "; ".join(x for x in parts if x) or json.dumps(scores)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


@dedupe_cmd.command("review")
@click.option("--reviewer", required=True, help="Your name, as listed in the protocol's reviewers.")
@pass_app
def review_cmd(app: App, reviewer: str) -> None:
    """Decide queued pairs one by one, one key each: [m]erge, [k]eep both, [s]kip, [q]uit.

    \b
    Example:
        review dedupe review --reviewer alice
    """
    from review import dedupe

    app.check_reviewer(reviewer)
    skipped: set[int] = set()
    while True:
        with app.session() as session:
            view = dedupe.next_pending(session, skipped)
            if view is None:
                return click.echo("No pairs left to review.")
            _show(view)
            action = _choose()
            if action == "quit":
                return None
            if action == "skip":
                skipped.add(view.pair_id)
                continue
            dedupe.decide(session, view.pair_id, action, reviewer)


def _choose() -> str:
    """One key per decision, no Enter (as the screening terminal takes them)."""
    from review.cli.terminal import QUIT_KEYS, read_key

    click.echo("[m]erge, [k]eep both, [s]kip, [q]uit: ", nl=False)
    while True:
        key = read_key().lower()
        if key in QUIT_KEYS or key in KEYS:
            action = KEYS.get(key, "quit")
            click.echo(action.replace("_", " "))
            return action
        if not key.isspace():  # Enter or a stray space does nothing; anything else gets the keys again
            click.echo("\nKeys: m merge, k keep both, s skip, q quit: ", nl=False)


@dedupe_cmd.command("undo")
@click.argument("work_id", type=int)
@click.option("--record", "records", type=int, multiple=True, help="Split off only this record (repeatable).")
@click.option("--reviewer", required=True, help="Your name, as listed in the protocol's reviewers.")
@pass_app
def undo_cmd(app: App, work_id: int, records: tuple[int, ...], reviewer: str) -> None:
    """Split a merged work again: each record (or each --record) becomes a work of its own.

    The work keeps its ID (and any screening); split-off records get new works, and the pairs
    that joined them are marked undone so later runs never merge them again.

    \b
    Example:
        review dedupe undo 42 --reviewer alice
        review dedupe undo 42 --record 1301 --reviewer alice
    """
    from review import dedupe

    app.check_reviewer(reviewer)
    with app.session() as session:
        res = dedupe.undo(session, work_id, reviewer, records)
    moved = zip(res.split_records, res.new_work_ids, strict=True)
    pairs = ", ".join(f"record {r} → work {w}" for r, w in moved)
    click.echo(f"Split from work {res.work_id}: {pairs}.")


@dedupe_cmd.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@pass_app
def export_cmd(app: App, file: Path) -> None:
    """Write each source record with its source, its own ID and its work as CSV.

    \b
    Example:
        review dedupe export extracted/dedupe.csv
    """
    from review import dedupe

    with app.session() as session:
        count = dedupe.export(session, file)
    click.echo(f"{count} records written to {file}.")
