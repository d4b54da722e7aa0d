"""Prioritisation metrics for a screening order (methods.md section 6; Cohen et al. 2006).

An *order* is the list of labels (1 include, 0 exclude) in the order records were screened.
Every record is counted, including the seeded start, so the numbers are what a screener would do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class OrderMetrics:
    """How quickly an order finds the includes."""

    records: int
    includes: int
    wss95: float  # work saved over sampling at 95% recall: (N - n95)/N - 0.05
    rrf10: float  # share of includes found after screening 10% of records
    n95: int  # records screened when 95% of includes have been found
    n100: int  # records screened when the last include is found
    loss: float  # ASReview's loss: area between this recall curve and the perfect one, 0 is best

    def as_dict(self) -> dict[str, float | int]:
        """The metrics as a plain dict (JSON keys)."""
        return asdict(self)


def records_to_recall(labels: Sequence[int], recall: float) -> int:
    """Records screened when at least `recall` of all includes have been found.

    Args:
        labels: 1/0 labels in screening order.
        recall: target share of includes, in (0, 1].

    Raises:
        ValueError: if the order holds no include.
    """
    total = sum(labels)
    if total == 0:
        raise ValueError("the order holds no include")
    # the tiny margin keeps 0.95 * 20 = 19 from rounding up to 20 in floating point
    needed = math.ceil(recall * total - 1e-9)
    found = 0
    for position, label in enumerate(labels, start=1):
        found += label
        if found >= needed:
            return position
    raise AssertionError("unreachable: all includes are in the order")


def wss(labels: Sequence[int], recall: float = 0.95) -> float:
    """Work saved over sampling at `recall`: (N - n)/N - (1 - recall)."""
    n = len(labels)
    return (n - records_to_recall(labels, recall)) / n - (1 - recall)


def rrf(labels: Sequence[int], percent: float = 10) -> float:
    """Share of includes found after screening `percent`% of the records (rounded up)."""
    cutoff = math.ceil(len(labels) * percent / 100 - 1e-9)
    return sum(labels[:cutoff]) / sum(labels)


def loss(labels: Sequence[int]) -> float:
    """ASReview 2's loss: 0 when every include comes first, 1 when every include comes last."""
    n, k = len(labels), sum(labels)
    found, area = 0, 0
    for label in labels:
        found += label
        area += found
    return (k * (n - (k - 1) / 2) - area) / (k * (n - k))


def evaluate(labels: Sequence[int]) -> OrderMetrics:
    """All metrics for one screening order (labels of every record, in screening order)."""
    if 0 in (sum(labels), len(labels) - sum(labels)):
        raise ValueError("the order needs at least one include and one exclude")
    return OrderMetrics(
        records=len(labels),
        includes=sum(labels),
        wss95=wss(labels, 0.95),
        rrf10=rrf(labels, 10),
        n95=records_to_recall(labels, 0.95),
        n100=records_to_recall(labels, 1.0),
        loss=loss(labels),
    )
