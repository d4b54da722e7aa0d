"""When may a team stop screening? Callaghan & Müller-Hansen's (2020) hypergeometric stopping test.

Basis (Syst Rev 9:273; the ranked quasi-sampling form of their `buscar` package, bias 1): treat
the last n screened works as a random sample drawn from themselves plus every unscreened work
(the "urn"). If the recall target τ had been missed, the urn would hold at least
K_tar = ⌊r_seen / τ⌋ − (r_seen − k) + 1 includes, where r_seen is every include seen and k those
among the last n. The p-value of "recall < τ" is the hypergeometric P(X ≤ k) for n draws from an
urn with K_tar includes, minimised over n. A ranker that works puts includes early, so the recent
tail is richer in includes than the unscreened rest and the test errs on the side of screening on.

Only human decisions count; works excluded by protocol rules and never screened are outside the
urn (the rule-check sample covers them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session, col, select

from review.db import utcnow
from review.decisions import final_decisions
from review.models import ScreeningDecision, StoppingLog

METHOD = (
    "Callaghan & Müller-Hansen 2020 (Syst Rev 9:273) hypergeometric stopping test, ranked "
    "quasi-sampling (bias 1): the last n screened works are treated as a random sample from them and "
    "the unscreened works; H0 'recall < target' is rejected when min over n of P(X <= k) for "
    "n draws from an urn holding the fewest includes that would miss the target is below "
    "1 - confidence. Unseen includes: point estimate k/n x unscreened and a one-sided upper bound "
    "at the same confidence, from the sample that gives the smallest p."
)


@dataclass(frozen=True)
class TailTest:
    """The test's outcome on one screening order."""

    p_value: float
    sample_size: int  # n: the last n screened records
    sample_includes: int  # k: includes among them


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

    def as_dict(self) -> dict[str, Any]:
        """The estimate as a plain dict (JSON)."""
        return asdict(self)


@dataclass(frozen=True)
class StopLogged:
    """A logged decision to stop."""

    log_id: int
    estimate: StoppingEstimate


def k_target(includes_seen: int, sample_includes: int, recall: float) -> int:
    """Fewest includes the urn must hold for recall to be below `recall`."""
    return math.floor(includes_seen / recall + 1e-9) - (includes_seen - sample_includes) + 1


def p_missed(urn: int, sample: int, sample_includes: int, includes_seen: int, recall: float) -> float:
    """P-value of H0 "recall < `recall`" from one sample of `sample` records drawn from `urn` records."""
    from scipy.stats import hypergeom

    k_tar = k_target(includes_seen, sample_includes, recall)
    if k_tar > urn:  # the urn cannot hold that many includes: the target cannot have been missed
        return 0.0
    return float(hypergeom.cdf(sample_includes, urn, k_tar, sample))


def ranked_test(labels: Sequence[int], population: int, recall: float) -> TailTest:
    """The test over every tail of a screening order (labels 1/0 in screening order).

    Args:
        labels: labels of the screened records, in the order they were screened.
        population: all records that could be screened (screened + unscreened).
        recall: the recall target, e.g. 0.95.
    """
    import numpy as np
    from scipy.stats import hypergeom

    if not labels:
        return TailTest(1.0, 0, 0)
    tail = np.asarray(labels[::-1], dtype=np.int64)
    n = np.arange(1, len(tail) + 1)
    k = np.cumsum(tail)
    seen = int(tail.sum())
    urn = population - len(tail) + n
    k_tar = np.floor(seen / recall + 1e-9) - (seen - k) + 1
    impossible = k_tar > urn
    p = hypergeom.cdf(k, urn, np.minimum(k_tar, urn), n)
    p = np.where(impossible, 0.0, p)
    best = int(np.argmin(p))
    return TailTest(float(p[best]), int(n[best]), int(k[best]))


def unseen_upper(unscreened: int, sample: int, sample_includes: int, confidence: float) -> int:
    """One-sided upper bound on includes among `unscreened` records at `confidence`."""
    from scipy.stats import hypergeom

    alpha = 1 - confidence
    urn = unscreened + sample
    low, high = 0, unscreened
    while low < high:  # the largest K with P(X <= k | K) >= alpha; P falls as K grows
        mid = (low + high + 1) // 2
        if hypergeom.cdf(sample_includes, urn, sample_includes + mid, sample) >= alpha:
            low = mid
        else:
            high = mid - 1
    return low


def evaluate_order(
    labels: Sequence[int], population: int, *, recall: float = 0.95, confidence: float = 0.95
) -> tuple[TailTest, float | None, int]:
    """The test, the point estimate and the upper bound of unseen includes for one order."""
    test = ranked_test(labels, population, recall)
    remaining = population - len(labels)
    if test.sample_size == 0:
        return test, None, remaining
    point = test.sample_includes / test.sample_size * remaining
    return test, point, unseen_upper(remaining, test.sample_size, test.sample_includes, confidence)


def estimate(
    session: Session, stage: str, *, recall: float = 0.95, confidence: float = 0.95
) -> StoppingEstimate:
    """The stopping test on the store's screening so far at `stage` (see the module docstring)."""
    labels, population = screening_order(session, stage)
    test, point, upper = evaluate_order(labels, population, recall=recall, confidence=confidence)
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
    )


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
        method=METHOD,
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
    from review.screen.rank import training_labels

    labels = training_labels(session, stage)
    first: dict[int, int] = {}
    q = select(ScreeningDecision.work_id).where(ScreeningDecision.stage == stage)
    for position, work_id in enumerate(session.exec(q.order_by(col(ScreeningDecision.id)))):
        first.setdefault(work_id, position)
    finals = final_decisions(session, stage)
    in_scope = {w for w, f in finals.items() if f.basis != "automation" or w in labels}
    screened = sorted((w for w in labels if w in in_scope), key=lambda w: first[w])
    return [labels[w] for w in screened], len(in_scope)
