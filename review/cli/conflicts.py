"""`review conflicts`, `review agreement` and `review log`: disagreements, agreement, and history."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app, stage_option
from review.states import Stage

if TYPE_CHECKING:
    from sqlmodel import Session

    from review.cli.terminal import Card, Choice
    from review.conflicts import Conflict


@cli.group("conflicts", invoke_without_command=True)
@stage_option
@click.pass_context
def conflicts_cmd(ctx: click.Context, stage: Stage) -> None:
    """List records where screeners disagree (include against exclude; at full text, reasons too).

    A conflict shows only once every assigned screener has decided. Adjudicated records drop off.

    \b
    Example:
        review conflicts --stage title-abstract
        review conflicts resolve --reviewer adjudicator
    """
    if ctx.invoked_subcommand is not None:
        return
    from review.conflicts import list_conflicts
    from review.conflicts.render import conflict_list

    app = ctx.find_object(App)
    assert app is not None
    with app.session() as session:
        click.echo(conflict_list(list_conflicts(session, stage), stage))


@conflicts_cmd.command("resolve")
@click.option("--reviewer", required=True, help="The adjudicator: a reviewer named in the protocol.")
@stage_option
@click.option(
    "--work", "--record", "work_id", type=int, default=None, help="Resolve only this work (the ID it lists)."
)
@click.option(
    "--decision",
    type=click.Choice(["include", "exclude", "maybe"]),
    default=None,
    help="Decide without the interactive screen (needs --work).",
)
@click.option(
    "--reason", default=None, help="Exclusion reason code from the protocol (with --decision exclude)."
)
@click.option("--note", default=None, help="Why you decided so (kept in the log).")
@pass_app
def resolve_cmd(
    app: App,
    reviewer: str,
    stage: Stage,
    work_id: int | None,
    decision: str | None,
    reason: str | None,
    note: str | None,
) -> None:
    """Adjudicate conflicts: see both screeners' decisions, reasons and notes, then decide.

    Keys: i include, e exclude (then the reason's key, 1-9), m maybe (title-abstract only),
    s skip, n note, ? criteria, space / b next / previous page, q quit. Each decision is saved
    at once, so quitting loses nothing.
    A screener cannot adjudicate their own conflict unless the protocol sets
    screening.allow_screener_adjudication.

    \b
    Example:
        review conflicts resolve --reviewer adjudicator
        review conflicts resolve --reviewer adjudicator --work 12 --decision exclude --reason E-TOPIC
    """
    app.check_reviewer(reviewer)
    if decision is None:
        _interactive(app, stage, reviewer, work_id)
    elif work_id is None:
        raise click.UsageError("--decision needs --work: say which work you are deciding.")
    else:
        _resolve_one(app, stage, reviewer, work_id, (decision, reason, note))


def _resolve_one(
    app: App, stage: Stage, reviewer: str, work_id: int, given: tuple[str, str | None, str | None]
) -> None:
    from review.conflicts import resolve

    decision, reason, note = given
    with app.session() as session:
        done = resolve(
            session, app.protocol(), stage, work_id, reviewer, decision=decision, reason=reason, note=note
        )
    reason_text = f" ({done.reason_code})" if done.reason_code else ""
    click.echo(f"Work {done.work_id}: {done.decision}{reason_text} by {reviewer}, saved.")


def _interactive(app: App, stage: Stage, reviewer: str, work_id: int | None) -> None:
    from review.cli.terminal import run_terminal
    from review.conflicts import ADJUDICATION_DECISIONS, queue
    from review.conflicts.render import card_lines, criteria_help

    protocol = app.protocol()
    with app.session() as session:
        found, own = queue(session, protocol, stage, reviewer, work_id)
    if own:
        click.echo(f"{own} conflict(s) you screened yourself are left for another adjudicator.")
    if not found:
        click.echo(f"No open conflicts at {stage.cli}.")
        return
    saved: list[int] = []

    def decide(choice: Choice) -> None:
        _save(app, stage, reviewer, choice)
        saved.append(choice.work_id)

    def note(work_id: int, text: str) -> None:
        # Kept the moment it is typed (as in screening), and again with the adjudication.
        from review.screen import decide as screen_decide

        with app.session() as session:
            screen_decide.add_note(session, work_id, stage, reviewer, text)

    result = run_terminal(
        (_card(c, card_lines(c)) for c in found),
        reasons=[(c.code, c.text) for c in protocol.criteria.exclude],
        on_decide=decide,
        on_note=note,
        decisions=ADJUDICATION_DECISIONS[stage],
        status=lambda: (
            f"Adjudicating as {reviewer} · {stage.cli}: "
            f"{len(found) - len(saved)} of {len(found)} conflict(s) left · in work order"
        ),
        criteria_help=criteria_help(protocol),
        include_terms=protocol.highlight.include,
        exclude_terms=protocol.highlight.exclude,
    )
    click.echo(
        f"{result.decided} conflict(s) resolved. `review conflicts --stage {stage.cli}` lists what is left."
    )


def _card(conflict: Conflict, lines: list[str]) -> Card:
    from review.cli.terminal import Card

    meta = f"Conflict at {Stage(conflict.stage).cli} ({conflict.kind}) | Year: {conflict.year or '-'}"
    return Card(conflict.work_id, conflict.title or "(no title)", meta, conflict.abstract, tuple(lines))


def _save(app: App, stage: Stage, reviewer: str, choice: Choice) -> None:
    from review.conflicts import resolve

    with app.session() as session:
        resolve(
            session,
            app.protocol(),
            stage,
            choice.work_id,
            reviewer,
            decision=choice.decision,
            reason=choice.reason_code,
            note=choice.note,
        )


@conflicts_cmd.command("export")
@click.option("--reviewer", required=True, help="The adjudicator who will fill in the sheet.")
@stage_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="xlsx",
    show_default=True,
    help="Sheet format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (its .csv/.xlsx suffix wins). Default: extracted/conflicts-STAGE-REVIEWER.FORMAT.",
)
@pass_app
def export_cmd(app: App, reviewer: str, stage: Stage, fmt: str, output: Path | None) -> None:
    """Write the open conflicts to a spreadsheet for an adjudicator to fill in offline.

    Each screener's decision, reason and note sit side by side; fill in decision (include or
    exclude), reason_code and note, then run `review conflicts import FILE`.

    \b
    Example:
        review conflicts export --reviewer adjudicator --format xlsx
    """
    from review.conflicts.sheets import export

    app.check_reviewer(reviewer)
    path = output or app.extracted_dir / f"conflicts-{stage.cli}-{reviewer}.{fmt}"
    with app.session() as session:
        result = export(session, app.protocol(), stage, reviewer, path)
    own = f" ({result.own} you screened yourself left out)" if result.own else ""
    click.echo(f"Wrote {result.rows} conflict(s) to {result.path}{own}.")


@conflicts_cmd.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def import_cmd(app: App, file: Path) -> None:
    """Apply the decisions in an adjudication sheet; every row is checked before any is applied.

    Rows without a decision are skipped; importing the same sheet twice changes nothing.

    \b
    Example:
        review conflicts import extracted/conflicts-title-abstract-adjudicator.xlsx
    """
    from review.conflicts.sheets import import_sheet

    with app.session() as session:
        result = import_sheet(session, app.protocol(), file)
    click.echo(
        f"Applied {result.applied} decision(s); {result.blank} row(s) without a decision; "
        f"{result.unchanged} already applied."
    )


@cli.command("agreement")
@stage_option
@click.option(
    "--by",
    type=click.Choice(["pair", "reason"]),
    default=None,
    help="One row per pair of screeners, or exclusion reasons per screener.",
)
@click.option("--pilot", is_flag=True, help="Only the pilot set.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def agreement_cmd(app: App, stage: Stage, by: str | None, pilot: bool, as_json: bool) -> None:
    """Report agreement between screeners: n, observed agreement, kappa, PABAK and AC1 with 95% CIs.

    "maybe" counts as include. Intervals are a seeded bootstrap over records (the protocol's
    screening.seed); kappa also gets an analytic interval. With a pilot set at the stage, the pilot
    gate says whether agreement reached the protocol's threshold and what to do next.

    \b
    Example:
        review agreement --stage title-abstract --by pair
    """
    with app.session() as session:
        click.echo(_agreement_text(app, session, stage, by, pilot, as_json))


def _agreement_text(
    app: App, session: Session, stage: Stage, by: str | None, pilot: bool, as_json: bool
) -> str:
    from review import agreement
    from review.agreement import render

    if by == "reason":
        found = agreement.reason_agreement(session, stage, pilot=pilot)
        return (
            _json([asdict(r) | {"po": r.po} for r in found]) if as_json else render.reason_text(found, stage)
        )
    protocol = app.protocol()
    report = agreement.stage_agreement(session, protocol, stage, pilot=pilot)
    gate = agreement.pilot_gate(session, protocol, stage) if agreement.pilot_works(session, stage) else None
    if as_json:
        return _json({"agreement": asdict(report), "pilot_gate": asdict(gate) if gate else None})
    return render.stage_text(report, by == "pair", gate)


def _json(data: object) -> str:
    return json.dumps(data, indent=2, default=str)


@cli.command("log")
@click.argument("record", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@pass_app
def log_cmd(app: App, record: int, as_json: bool) -> None:
    """Show RECORD's whole history: searches, merges, rules, every decision, conflict and resolution.

    RECORD is a work ID. Times are UTC.

    \b
    Example:
        review log 12
    """
    from review import audit

    with app.session() as session:
        log = audit.run(session, record)
    click.echo(_json([e.as_dict() for e in log.events]) if as_json else audit.render(log))
