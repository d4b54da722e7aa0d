"""When may a team stop screening? Callaghan & Müller-Hansen's (2020) hypergeometric stopping test.

Two designs. The paper's own (valid, not just conservative): screen in ranked order until a
heuristic point, then screen the remaining works in a seeded random order (`start_sample` logs the
switch, and `review.screen.rank` then orders every queue at the stage randomly); the works screened
since the switch are a true random sample of the works unscreened at the switch, and the
hypergeometric test runs on that sample. `estimate` reports the heuristic point (a run of
max(HEURISTIC_RUN, HEURISTIC_SHARE of the population) excludes); the team decides when to switch.
The price of validity: with few includes the urn may hide as few as one missed include, and the
test then needs nearly the whole urn screened. Until a team switches, the ranked quasi-sampling form:

Ranked basis (Syst Rev 9:273; the ranked quasi-sampling form of their `buscar` package, bias 1): treat
the last n screened works as a random sample drawn from themselves plus every unscreened work
(the "urn"). If the recall target τ had been missed, the urn would hold at least
K_tar = ⌊r_seen / τ⌋ − (r_seen − k) + 1 includes, where r_seen is every include seen and k those
among the last n. The p-value of "recall < τ" is the hypergeometric P(X ≤ k) for n draws from an
urn with K_tar includes, minimised over n. A ranker that works puts includes early, so the recent
tail is richer in includes than the unscreened rest and the test errs on the side of screening on.

Only human decisions count; works excluded by protocol rules and never screened are outside the
urn (the rule-check sample covers them). Once a version of the review is closed (review.versions),
the estimate is per update: the population is the works first seen since, and a switch to random
order logged before the close no longer applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from review.db import utcnow
from review.decisions import final_decisions, labels
from review.errors import InputError
from review.models import ScreeningDecision, StoppingLog
from review.screen.hypergeometric import (
    HEURISTIC_RUN,
    evaluate_order,
    evaluate_sample,
    exclude_run,
    heuristic_run,
)
from review.states import Stage

if TYPE_CHECKING:
    import numpy as np

METHOD = (
    "Callaghan & Müller-Hansen 2020 (Syst Rev 9:273) hypergeometric stopping test, ranked "
    "quasi-sampling (bias 1): the last n screened works are treated as a random sample from them and "
    "the unscreened works; H0 'recall < target' is rejected when min over n of P(X <= k) for "
    "n draws from an urn holding the fewest includes that would miss the target is below "
    "1 - confidence. Unseen includes: point estimate k/n x unscreened and a one-sided upper bound "
    "at the same confidence, from the sample that gives the smallest p."
)
SAMPLE_METHOD = (
    "Callaghan & Müller-Hansen 2020 (Syst Rev 9:273) hypergeometric stopping test on a random sample: "
    "after a heuristic stop in ranked order, the works then unscreened (the urn, N) are screened in a "
    "seeded random order; the n screened since then, k of them includes, are a random sample of the urn. "
    "H0 'recall < target' is rejected when P(X <= k) for n draws from N works holding the fewest "
    "includes that would miss the target is below 1 - confidence. Unseen includes: point estimate "
    "k/n x unscreened and a one-sided hypergeometric upper bound at the same confidence."
)
SAMPLE_EVENT = "random_sample_start"  # StoppingLog.estimate["event"] of a switch to random order


@dataclass(frozen=True)
class StoppingEstimate:
    """Where screening stands against a recall target, and the basis for saying so."""

    stage: str
    recall_target: float
    confidence: float
    population: int
    screened: int
    remaining: int
    includes_seen: int
    sample_size: int
    sample_includes: int
    p_value: float
    target_met: bool
    unseen_estimate: float | None  # None before anything is screened
    unseen_upper: int
    recall_lower: float | None
    method: str = METHOD
    design: str = "ranked"  # ranked (quasi-sampling) | random-sample (after `start_sample`)
    exclude_run: int = 0  # excludes in a row at the end of the screening so far
    heuristic_run: int = HEURISTIC_RUN  # the run that suggests switching to a random sample
    scope: str = "all works"  # or the works of the update since a closed version

    def as_dict(self) -> dict[str, Any]:
        """The estimate as a plain dict (JSON)."""
        return asdict(self)


@dataclass(frozen=True)
class StopLogged:
    """A logged decision to stop."""

    log_id: int
    estimate: StoppingEstimate


@dataclass(frozen=True)
class SampleState:
    """A stage's switch to random order: from which decision, with which seed, by whom."""

    log_id: int
    after_decision: int  # decisions with a larger ID belong to the random phase
    seed: int
    reviewer: str
    urn: int  # works unscreened at the switch


def estimate(
    session: Session, stage: str, *, recall: float = 0.95, confidence: float = 0.95
) -> StoppingEstimate:
    """The stopping test on the store's screening so far at `stage` (see the module docstring).

    After `start_sample`, the test runs on the random sample screened since; before, on the
    ranked order's recent tail.
    """
    labels, population, first = _screened(session, stage)
    state = sample_state(session, stage)
    design, method = "ranked", METHOD
    if state is None:
        test, point, upper = evaluate_order(labels, population, recall=recall, confidence=confidence)
    else:
        before = sum(label for label, d in zip(labels, first, strict=True) if d <= state.after_decision)
        sample = [label for label, d in zip(labels, first, strict=True) if d > state.after_decision]
        test, point, upper = evaluate_sample(
            before, sample, population - len(labels), recall=recall, confidence=confidence
        )
        design, method = "random-sample", SAMPLE_METHOD
    seen = sum(labels)
    return StoppingEstimate(
        stage=stage,
        recall_target=recall,
        confidence=confidence,
        population=population,
        screened=len(labels),
        remaining=population - len(labels),
        includes_seen=seen,
        sample_size=test.sample_size,
        sample_includes=test.sample_includes,
        p_value=test.p_value,
        target_met=bool(labels) and test.p_value < 1 - confidence,
        unseen_estimate=point,
        unseen_upper=upper,
        recall_lower=seen / (seen + upper) if seen + upper else None,
        method=method,
        design=design,
        exclude_run=exclude_run(labels),
        heuristic_run=heuristic_run(population),
        scope=_scope_text(session),
    )


def _scope_text(session: Session) -> str:
    from review import versions

    found = versions.latest(session)
    return "all works" if found is None else f"works first seen since version {found.name} closed"


def log_stop(
    session: Session, stage: str, reviewer: str, *, recall: float = 0.95, confidence: float = 0.95
) -> StopLogged:
    """Record a team's decision to stop screening at `stage`, with the estimate and its basis."""
    result = estimate(session, stage, recall=recall, confidence=confidence)
    row = StoppingLog(
        stage=stage,
        reviewer=reviewer,
        screened=result.screened,
        remaining=result.remaining,
        estimate=result.as_dict(),
        method=result.method,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return StopLogged(row.id, result)


def screening_order(session: Session, stage: str) -> tuple[list[int], int]:
    """Labels (1 include or maybe, 0 exclude) of screened works in first-decision order, and the population.

    The population is every work in scope at the stage except rule exclusions nobody screened.
    """
    labels, population, _ = _screened(session, stage)
    return labels, population


def _screened(session: Session, stage: str) -> tuple[list[int], int, list[int]]:
    # labels in first-decision order, the population, and each work's first decision ID
    from review import versions

    found = labels(session, stage)
    scope = versions.open_scope(session)
    if scope is not None:  # per update: only the works first seen since the latest closed version
        found = {w: label for w, label in found.items() if w in scope}
    first: dict[int, int] = {}
    q = select(ScreeningDecision.id, ScreeningDecision.work_id).where(ScreeningDecision.stage == stage)
    for decision_id, work_id in session.exec(q.order_by(col(ScreeningDecision.id))):
        if decision_id is not None:
            first.setdefault(work_id, decision_id)
    finals = final_decisions(session, stage)
    in_scope = {w for w, f in finals.items() if (f.basis != "automation" or w in found)}
    if scope is not None:
        in_scope &= scope
    screened = sorted((w for w in found if w in in_scope), key=lambda w: first[w])
    return [found[w] for w in screened], len(in_scope), [first[w] for w in screened]


def start_sample(session: Session, stage: str, reviewer: str, *, seed: int = 2026) -> SampleState:
    """Switch `stage` to random order from now on, so the stopping test runs on a true random sample.

    Logged (who, when, the estimate at the switch) in the stopping log. Every queue at the stage is
    then ordered by `sample_order` with `seed`; the ranking no longer applies.

    Raises:
        InputError: the stage has already switched, or nothing has been screened yet.
    """
    current = sample_state(session, stage)
    if current is not None:
        raise InputError(
            f"{Stage(stage).label} screening already switched to random order "
            f"(stopping log #{current.log_id}, "
            f"by {current.reviewer}); run `review screen stopping` to see the test on the sample."
        )
    result = estimate(session, stage)
    last = session.exec(select(func.max(ScreeningDecision.id)).where(ScreeningDecision.stage == stage)).one()
    if last is None:
        shown = Stage(stage).label
        raise InputError(f"Nothing has been screened at {shown} yet: screen in ranked order first.")
    event = {"event": SAMPLE_EVENT, "after_decision": last, "seed": seed, "urn": result.remaining}
    row = StoppingLog(
        stage=stage,
        reviewer=reviewer,
        screened=result.screened,
        remaining=result.remaining,
        estimate=result.as_dict() | event,
        method=SAMPLE_METHOD,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return SampleState(row.id, last, seed, reviewer, result.remaining)


def sample_state(session: Session, stage: str) -> SampleState | None:
    """The stage's switch to random order, if a team has made it (the latest logged switch) since
    the latest closed version: an update is ranked afresh."""
    from review import versions

    q = select(StoppingLog).where(StoppingLog.stage == stage).order_by(col(StoppingLog.id).desc())
    since = versions.cutoff(session)
    if since is not None:
        q = q.where(col(StoppingLog.created_at) > since)
    for row in session.exec(q):
        e = row.estimate or {}
        if e.get("event") == SAMPLE_EVENT and row.id is not None:
            return SampleState(row.id, int(e["after_decision"]), int(e["seed"]), row.reviewer, int(e["urn"]))
    return None


def sample_order(work_ids: Sequence[int], seed: int) -> list[int]:
    """`work_ids` in a seeded random order in which each work keeps its place whatever the others.

    Each work's key is a hash of (seed, work ID) (splitmix64), so two reviewers, or one queue
    re-ordered as it shrinks, walk the works in the same relative order.
    """
    import numpy as np

    ids = np.asarray(sorted(set(work_ids)), dtype=np.int64)
    return [int(w) for w in ids[np.argsort(_mix(ids, seed), kind="stable")]]


def _mix(ids: np.ndarray, seed: int) -> np.ndarray:
    import numpy as np

    with np.errstate(over="ignore"):  # the hash relies on wrap-around multiplication
        z = ids.astype(np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return np.asarray(z ^ (z >> np.uint64(31)))
