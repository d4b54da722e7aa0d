"""The includes-found curve: includes found against works screened, in screening order, with the
stopping estimate beside it.

The order and the labels are the stopping test's own (review.screen.stopping.screening_order: each
work at its first human decision, include or maybe counting as found), so the curve is the data
the estimate was computed from. A ranker that works rises steeply and then flattens; a curve still
climbing at the end says the includes are not all found yet. Both the curve and the estimate pool
every screener's decisions: a screener still screening blind must not be shown them (the status
page withholds them, as it withholds the others' include counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from sqlmodel import Session

from review.screen import stopping
from review.screen.stopping import StoppingEstimate
from review.states import Stage

MOST_POINTS = 200  # a small chart needs no more: at 100,000 works one point per 500 screened


@dataclass(frozen=True)
class Curve:
    """Includes found against works screened at a stage, thinned to a few points, and the estimate."""

    stage: str
    points: tuple[tuple[int, int], ...]  # (works screened, includes found); (0, 0) and the last kept
    screened: int
    found: int
    population: int  # works in scope at the stage (the x axis runs to it)
    estimate: StoppingEstimate


def curve(
    session: Session, stage: str, *, recall: float = 0.95, confidence: float = 0.95, most: int = MOST_POINTS
) -> Curve:
    """The curve at `stage` as the store stands, with the stopping estimate at `recall` and `confidence`."""
    labels, population = stopping.screening_order(session, stage)
    found = list(accumulate(labels, initial=0))  # found[i]: includes among the first i screened
    return Curve(
        stage=stage,
        points=tuple((i, found[i]) for i in thinned(len(labels), most)),
        screened=len(labels),
        found=found[-1],
        population=population,
        estimate=stopping.estimate(session, stage, recall=recall, confidence=confidence),
    )


def thinned(n: int, most: int) -> list[int]:
    """At most `most` (at least 2) positions from 0 to `n`, evenly spread, both ends kept."""
    most = max(most, 2)
    if n + 1 <= most:
        return list(range(n + 1))
    return sorted({round(j * n / (most - 1)) for j in range(most)})


def estimate_lines(e: StoppingEstimate) -> tuple[str, ...]:
    """The estimate in words, a sentence a line: what the terminal (`review screen stopping`, with
    the method after) and the status page beside the curve both show."""
    shown = Stage(e.stage).label
    head = (
        f"{e.screened} of {e.population} works screened at {shown}, {e.includes_seen} includes found; "
        f"{e.remaining} unscreened."
    )
    if e.unseen_estimate is None:
        random = e.design == "random-sample"
        waiting = "nothing sampled since the switch to random order" if random else "screen some works first"
        return head, f"Nothing to estimate from yet: {waiting}."
    bound = f"{e.recall_lower:.1%}" if e.recall_lower is not None else "n/a"
    verdict = "met" if e.target_met else "not met: keep screening"
    since = " since the switch to random order" if e.design == "random-sample" else ""
    sample = (
        f"the {'' if since else 'last '}{e.sample_size} screened{since} held {e.sample_includes} includes"
    )
    lines = [
        head,
        f"Includes still unseen: about {e.unseen_estimate:.1f}, at most {e.unseen_upper} "
        f"({e.confidence:.0%} confidence); recall at least {bound}.",
        f"Recall target {e.recall_target:.0%}: {verdict} (p = {e.p_value:.4f}; {sample}).",
    ]
    if e.design == "ranked" and e.exclude_run >= e.heuristic_run:
        lines.append(
            f"The last {e.exclude_run} screened were all excludes (heuristic stop: {e.heuristic_run}): "
            "switching to random order (`review screen sample`) gives the test a true random sample."
        )
    return tuple(lines)
