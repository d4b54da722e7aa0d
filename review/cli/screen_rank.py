"""`review screen simulate | stopping | sample | stop`: prioritisation checks and stopping guidance."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.base import App, pass_app, stage_option
from review.cli.screen import screen_cmd
from review.states import Stage

if TYPE_CHECKING:
    from review.screen.simulate import SimulationResult
    from review.screen.stopping import SampleState, StoppingEstimate

_RECALL = click.option(
    "--recall", type=click.FloatRange(0.5, 1, max_open=True), default=0.95, show_default=True,
    help="Recall target (share of all includes that must have been found).",
)  # fmt: skip
_CONFIDENCE = click.option(
    "--confidence", type=click.FloatRange(0.5, 1, max_open=True), default=0.95, show_default=True,
    help="Confidence that the recall target has been reached.",
)  # fmt: skip


@screen_cmd.command("simulate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--label-column", required=True, help="Column holding 1/0 (include/exclude) labels.")
@click.option("--title-column", default="title", show_default=True, help="Column holding titles.")
@click.option("--abstract-column", default="abstract", show_default=True, help="Column holding abstracts.")
@click.option(
    "--seed", type=int, default=2026, show_default=True, help="Seed for the start and random orders."
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def simulate_cmd(
    file: Path, label_column: str, title_column: str, abstract_column: str, seed: int, as_json: bool
) -> None:
    """Replay a labelled CSV through the ranker and report the work it would have saved.

    Starts from one include and one exclude drawn with the seed; compares with random orders
    from the same start. Needs no review store.

    \b
    Example:
        review screen simulate labelled.csv --label-column label_included --json
    """
    from review.screen import simulate

    data = simulate.read_labelled_csv(
        file, label_column, title_column=title_column, abstract_column=abstract_column
    )
    result = simulate.simulate(data, seed=seed)
    click.echo(json.dumps(result.as_dict(), indent=2) if as_json else _simulation_table(result))


@screen_cmd.command("stopping")
@stage_option
@_RECALL
@_CONFIDENCE
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@pass_app
def stopping_cmd(app: App, stage: Stage, recall: float, confidence: float, as_json: bool) -> None:
    """Estimate the includes still unseen and test whether the recall target is met.

    Callaghan & Müller-Hansen's (2020) hypergeometric stopping test; the method is printed.

    \b
    Example:
        review screen stopping --stage title-abstract --recall 0.95
    """
    from review.screen import stopping

    with app.session() as session:
        result = stopping.estimate(session, stage, recall=recall, confidence=confidence)
    click.echo(json.dumps(result.as_dict(), indent=2) if as_json else _estimate_text(result))


@screen_cmd.command("stop")
@click.option("--reviewer", required=True, help="Who records the team's decision to stop.")
@stage_option
@_RECALL
@_CONFIDENCE
@pass_app
def stop_cmd(app: App, reviewer: str, stage: Stage, recall: float, confidence: float) -> None:
    """Log the team's decision to stop screening, with the stopping estimate and its basis.

    \b
    Example:
        review screen stop --reviewer reviewer1 --stage title-abstract
    """
    from review.screen import stopping

    name = app.check_reviewer(reviewer)
    with app.session() as session:
        logged = stopping.log_stop(session, stage, name, recall=recall, confidence=confidence)
    click.echo(_estimate_text(logged.estimate))
    click.echo(f"Logged decision to stop (stopping log #{logged.log_id}) by {name}.")


@screen_cmd.command("sample")
@click.option("--reviewer", required=True, help="Who records the team's decision to switch.")
@stage_option
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed for the random order.")
@pass_app
def sample_cmd(app: App, reviewer: str, stage: Stage, seed: int) -> None:
    """Screen the rest of the stage in random order, so the stopping test rests on a random sample.

    Callaghan & Müller-Hansen's design: after a heuristic stop in ranked order, every queue at
    the stage switches to one seeded random order; `review screen stopping` then tests on the
    works screened since. Logged in the stopping log; it cannot be undone.

    \b
    Example:
        review screen sample --reviewer reviewer1 --stage title-abstract
    """
    from review.screen import stopping

    name = app.check_reviewer(reviewer)
    with app.session() as session:
        state = stopping.start_sample(session, stage, name, seed=seed)
    click.echo(_sample_text(state))


def _sample_text(state: SampleState) -> str:
    return (
        f"From now on every queue at this stage is in random order (seed {state.seed}); the stopping test "
        f"runs on the works screened from here, a random sample of the {state.urn} unscreened "
        f"(stopping log #{state.log_id}, by {state.reviewer})."
    )


def _simulation_table(result: SimulationResult) -> str:
    m, r = result.ranked, result.random
    start = (
        f"{m.records} records, {m.includes} includes; start: lines {result.prior[0] + 2} (include) and "
        f"{result.prior[1] + 2} (exclude) of the file, seed {result.seed}; {result.retrain}."
    )
    rows = [
        *textwrap.wrap(start, width=78),
        f"{'':14}{'ranked':>10}{'random':>10}",
        f"{'WSS@95':14}{m.wss95:>10.3f}{r['wss95']:>10.3f}",
        f"{'RRF@10':14}{m.rrf10:>10.3f}{r['rrf10']:>10.3f}",
        f"{'n to 95%':14}{m.n95:>10}{r['n95']:>10.1f}",
        f"{'n to 100%':14}{m.n100:>10}{r['n100']:>10.1f}",
        f"random: mean of {int(r['runs'])} random orders from the same start",
        *textwrap.wrap(f"model: {result.model}.", width=78, subsequent_indent="  "),
    ]
    return "\n".join(rows)


def _estimate_text(e: StoppingEstimate) -> str:
    from review.screen.curve import estimate_lines

    return "\n".join([*estimate_lines(e), f"Method: {e.method}"])
