"""The arithmetic of the stopping test (Callaghan & Müller-Hansen 2020, Syst Rev 9:273), apart
from the store: the hypergeometric p-value of "recall below the target" for a ranked order's
recent tail or for a random sample, the upper bound of includes unseen, and the heuristic point at
which to switch to a random sample. review.screen.stopping applies it to the store's screening;
the simulation and the benchmarks apply it to labelled orders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

HEURISTIC_RUN = 50  # the heuristic stop: this many excludes in a row ...
HEURISTIC_SHARE = 0.05  # ... or this share of the population, whichever is more


@dataclass(frozen=True)
class TailTest:
    """The test's outcome on one screening order."""

    p_value: float
    sample_size: int  # n: the last n screened records
    sample_includes: int  # k: includes among them


def k_target(includes_seen: int, sample_includes: int, recall: float) -> int:
    """Fewest includes the urn must hold for recall to be below `recall`."""
    return int(k_targets(includes_seen, sample_includes, recall))


def k_targets(includes_seen: Any, sample_includes: Any, recall: float) -> np.ndarray:
    """`k_target` for each pair of (arrays of) includes seen and includes in the sample."""
    import numpy as np

    seen, k = np.asarray(includes_seen), np.asarray(sample_includes)
    # the tiny margin keeps 19 / 0.95 = 20 from rounding down to 19 in floating point
    return np.asarray(np.floor(seen / recall + 1e-9) - (seen - k) + 1, dtype=np.int64)


def p_missed(urn: int, sample: int, sample_includes: int, includes_seen: int, recall: float) -> float:
    """P-value of H0 "recall < `recall`" from one sample of `sample` records drawn from `urn` records."""
    return float(p_values(urn, sample, sample_includes, includes_seen, recall))


def p_values(urn: Any, sample: Any, sample_includes: Any, includes_seen: Any, recall: float) -> np.ndarray:
    """`p_missed` for each sample (arguments are numbers or arrays of them, broadcast together)."""
    import numpy as np
    from scipy.stats import hypergeom

    k_tar = k_targets(includes_seen, sample_includes, recall)
    p = hypergeom.cdf(sample_includes, urn, np.minimum(k_tar, urn), sample)
    return np.asarray(np.where(k_tar > urn, 0.0, p))  # an urn too small to hold them: none missed


def ranked_test(labels: Sequence[int], population: int, recall: float) -> TailTest:
    """The test over every tail of a screening order (labels 1/0 in screening order).

    Args:
        labels: labels of the screened records, in the order they were screened.
        population: all records that could be screened (screened + unscreened).
        recall: the recall target, e.g. 0.95.
    """
    import numpy as np

    if not labels:
        return TailTest(1.0, 0, 0)
    tail = np.asarray(labels[::-1], dtype=np.int64)
    n = np.arange(1, len(tail) + 1)
    k = np.cumsum(tail)
    p = p_values(population - len(tail) + n, n, k, int(tail.sum()), recall)
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


def evaluate_sample(
    includes_before: int,
    sample: Sequence[int],
    unscreened: int,
    *,
    recall: float = 0.95,
    confidence: float = 0.95,
) -> tuple[TailTest, float | None, int]:
    """The test on a random sample: labels of the works screened since the switch, in any order.

    Args:
        includes_before: includes found before the switch to random order.
        sample: labels (1/0) of the works screened since the switch.
        unscreened: works still unscreened; with the sample they make the urn.
        recall: the recall target.
        confidence: confidence for the test and the upper bound.
    """
    n, k = len(sample), int(sum(sample))
    if n == 0:
        return TailTest(1.0, 0, 0), None, unscreened
    p = p_missed(unscreened + n, n, k, includes_before + k, recall)
    return TailTest(p, n, k), k / n * unscreened, unseen_upper(unscreened, n, k, confidence)


def sample_stop(
    includes_before: int, order: Sequence[int], *, recall: float = 0.95, confidence: float = 0.95
) -> int | None:
    """Works screened in a random order (labels `order`, all the urn) when the test first says stop.

    The same test as `evaluate_sample`, after every work at once; None if it never says stop.
    """
    import numpy as np

    if not order:
        return None
    k = np.cumsum(np.asarray(order, dtype=np.int64))
    n = np.arange(1, len(k) + 1)
    p = p_values(len(k), n, k, includes_before + k, recall)
    below = np.flatnonzero(p < 1 - confidence)
    return int(below[0]) + 1 if below.size else None


def heuristic_run(population: int) -> int:
    """Excludes in a row after which ranked screening has likely found most includes."""
    return max(HEURISTIC_RUN, math.ceil(HEURISTIC_SHARE * population))


def exclude_run(labels: Sequence[int]) -> int:
    """Excludes in a row at the end of `labels` (0 before the first include)."""
    if 1 not in labels:
        return 0
    return len(labels) - 1 - max(i for i, label in enumerate(labels) if label == 1)
