"""Simulate prioritised screening on a labelled CSV: how much work would the ranker have saved?

The simulation starts from one include and one exclude drawn with the seed, then repeatedly
screens the first unscreened record in the ranker's order (retraining after each decision, or in
batches on large sets; the same `rank.explore` as a store's queue, seeded with the seed), and
compares the order with random orders that start from the same two records.
Once every include is found the rest of the order cannot change any metric, so it stops there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review.errors import InputError
from review.formats.sheet import read_csv_file
from review.screen import learners, metrics
from review.screen.learners import Learner, Scorer
from review.screen.rank import MODEL_TEXT, describe, explore

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

EVERY_DECISION_MAX = 3000  # sets up to this size retrain after every decision
BATCH_SHARE = 0.02  # larger sets retrain after every 2% of the records screened so far
RANDOM_RUNS = 10
POSITIVE = {"1", "1.0", "true", "yes", "y", "include", "included"}
NEGATIVE = {"0", "0.0", "false", "no", "n", "exclude", "excluded"}


@dataclass(frozen=True)
class LabelledSet:
    """Texts and their 1/0 labels, read from a CSV."""

    texts: tuple[str, ...]
    labels: tuple[int, ...]


@dataclass(frozen=True)
class SimulationResult:
    """The ranker's metrics and the mean of random orders from the same start."""

    ranked: metrics.OrderMetrics
    random: dict[str, float]
    seed: int
    prior: tuple[int, int]  # row numbers (0-based) of the seeded include and exclude
    retrain: str
    order: tuple[int, ...]  # row numbers in the simulated screening order
    model: str = MODEL_TEXT  # the methods text of the model simulated

    def as_dict(self) -> dict[str, Any]:
        """JSON form: records, includes, wss95, rrf10, n95, n100, loss, random {...}, and the method."""
        return {
            **self.ranked.as_dict(),
            "random": self.random,
            "seed": self.seed,
            "prior_rows": list(self.prior),
            "retrain": self.retrain,
            "model": self.model,
        }


def read_labelled_csv(
    path: Path, label_column: str, *, title_column: str = "title", abstract_column: str = "abstract"
) -> LabelledSet:
    """Title + abstract texts and labels from a CSV; every row must have a readable label.

    Raises:
        InputError: a column is missing, a label is not one of 1/0, true/false, yes/no,
            include/exclude, or the file has no include or no exclude.
    """
    table = read_csv_file(path)
    columns = table[0] if table else []
    missing = [c for c in (label_column, title_column) if c not in columns]
    if missing:
        raise InputError(
            f"{path} has no column {', '.join(map(repr, missing))}; its columns are "
            f"{', '.join(columns)}. Name the columns with --label-column / --title-column."
        )
    rows = [dict(zip(columns, r, strict=False)) for r in table[1:] if r]
    labels = [_label(row.get(label_column), path, number) for number, row in enumerate(rows, start=2)]
    if 0 in (sum(labels), len(labels) - sum(labels)):
        raise InputError(f"{path} needs at least one include and one exclude in {label_column!r}.")
    texts = [f"{r.get(title_column) or ''} {r.get(abstract_column) or ''}" for r in rows]
    return LabelledSet(tuple(texts), tuple(labels))


def _label(value: str | None, path: Path, line: int) -> int:
    text = (value or "").strip().lower()
    if text in POSITIVE:
        return 1
    if text in NEGATIVE:
        return 0
    raise InputError(
        f"{path} line {line}: label {value!r} is not include/exclude (1/0, true/false, yes/no). "
        "Fix or remove the row."
    )


def simulate(
    data: LabelledSet, *, seed: int = 2026, random_runs: int = RANDOM_RUNS, learner: Learner | None = None
) -> SimulationResult:
    """Run the ranker's model (or `learner`) over a labelled set from a seeded start of one include
    and one exclude."""
    import numpy as np

    learner = learner or learners.DEFAULT
    labels = np.asarray(data.labels, dtype=np.int64)
    prior = seeded_start(labels, seed)
    screened = simulate_order(learner.featurise(data.texts), labels, prior, seed=seed, scorer=learner.scores)
    order = [*screened, *sorted(set(range(len(labels))) - set(screened))]
    return SimulationResult(
        ranked=metrics.evaluate(labels[order].tolist()),
        random=random_baseline(labels, prior, seed, random_runs),
        seed=seed,
        prior=prior,
        retrain=retrain_text(len(labels)),
        order=tuple(order),
        model=describe(learner.text),
    )


def seeded_start(labels: np.ndarray, seed: int) -> tuple[int, int]:
    """One include and one exclude (row numbers) drawn with `seed`."""
    import numpy as np

    rng = np.random.default_rng(seed)
    include = int(rng.choice(np.flatnonzero(labels == 1)))
    exclude = int(rng.choice(np.flatnonzero(labels == 0)))
    return include, exclude


def batch_size(screened: int, records: int) -> int:
    """How many top-ranked records to screen before retraining."""
    if records <= EVERY_DECISION_MAX:
        return 1
    return max(1, math.floor(screened * BATCH_SHARE))


def retrain_text(records: int) -> str:
    """How the simulation retrained, for the output."""
    if records <= EVERY_DECISION_MAX:
        return "retrained after every decision"
    return f"retrained after every {BATCH_SHARE:.0%} of records screened so far ({records} records)"


def simulate_order(
    matrix: csr_matrix,
    labels: np.ndarray,
    prior: Sequence[int],
    *,
    seed: int = 0,
    scorer: Scorer = learners.DEFAULT.scores,
) -> list[int]:
    """Rows in simulated screening order, until every include is found (`seed`: exploration draws)."""
    import numpy as np

    order = list(prior)
    seen = np.zeros(len(labels), dtype=bool)
    seen[list(prior)] = True
    found, total = int(labels[list(prior)].sum()), int(labels.sum())
    run = 0 if labels[order[-1]] else 1  # excludes since the last include
    while found < total:
        train = np.asarray(order)
        pool = np.flatnonzero(~seen)
        scores = scorer(matrix, train, labels[train], pool)
        take = min(batch_size(len(order), len(labels)), len(pool))
        ranked = explore(pool[np.argsort(-scores, kind="stable")], run, len(order), seed)
        for row in ranked[:take].tolist():
            order.append(row)
            seen[row] = True
            found += int(labels[row])
            run = 0 if labels[row] else run + 1
            if found == total:
                break
    return order


def random_baseline(labels: np.ndarray, prior: tuple[int, int], seed: int, runs: int) -> dict[str, float]:
    """Mean metrics of `runs` random orders that start with the same two records."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rest = np.setdiff1d(np.arange(len(labels)), prior)
    results = []
    for _ in range(runs):
        order = [*prior, *rng.permutation(rest).tolist()]
        results.append(metrics.evaluate(labels[order].tolist()).as_dict())
    keys = ("wss95", "rrf10", "n95", "n100", "loss")
    return {k: float(np.mean([r[k] for r in results])) for k in keys} | {"runs": runs}
