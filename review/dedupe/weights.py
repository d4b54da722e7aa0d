"""Fellegi-Sunter match weights: how much each field's comparison level says about two records
being one work, as log2(m/u), where m is the share of true duplicate pairs and u the share of
different-work pairs (among blocked candidates) at that level.

Estimated by `python -m tests.bench dedupe_fit` on the labelled candidate pairs of the shared sets
(see ESTIMATED_ON), with add-one smoothing; the methods text prints them. A missing field weighs 0:
it is no evidence either way.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

ESTIMATED_ON = "asysd_diabetes, cytology_screening (ASySD and bib-dedupe gold groups)"

CLIP = 9.0  # bits: no one field level decides a pair alone
MIN_SEEN = 30  # pairs: a level seen less often among the labelled pairs keeps its set value
# Set by judgement, not estimated: levels too rare in the labelled sets (short titles are generic,
# "Editorial" in any journal; one title contained in the other is a translation or a truncation),
# and the publisher, which the labelled sets do not carry. Compared only for records outside
# journals (reports, guidance), where the issuing organisation is part of the address.
SET_VALUES = {
    "title": {"short": 1.0, "contained": 2.0},
    "publisher": {"agree": 2.0, "disagree": -3.0},
}

# log2 prior odds that a blocked candidate pair is one work
PRIOR = -2.1

# Estimated with `python -m tests.bench dedupe_fit` (18,731 blocked pairs, 3,464 of them duplicates).
WEIGHTS: dict[str, dict[str, float]] = {
    "title": {"exact": 7.2, "high": 2.4, "good": -0.8, "fair": -4.9, "contained": 2.0, "weak": -8.2,
              "low": -9.0, "short": 1.0, "missing": 0.0},
    "authors": {"all": 4.4, "most": -3.0, "some": -8.2, "none": -8.3, "missing": 0.0},
    "journal": {"agree": 4.6, "disagree": -7.1, "missing": 0.0},
    "year": {"same": 2.9, "near": -5.6, "missing": 0.0},
    "volume": {"same": 5.7, "differ": -5.4, "missing": 0.0},
    "issue": {"same": 4.0, "differ": -8.9, "missing": 0.0},
    "pages": {"same": 7.1, "overlap": -1.9, "differ": -6.7, "missing": 0.0},
    "doi": {"same": 8.5, "missing": 0.0},
    "publisher": {"agree": 2.0, "disagree": -3.0, "missing": 0.0},
}  # fmt: skip
LEVELS = {name: tuple(levels) for name, levels in WEIGHTS.items()}


def probability(total: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Total weights (log2 odds) as the probabilities that the pairs are one work."""
    p: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp2(-total))
    return p


def kept(p: float) -> float:
    """A probability as stored and shown: four decimals, cut rather than rounded, so a pair that fell
    short of the automatic threshold (0.99895 against 0.999) never reads as having reached it."""
    return math.floor(p * 10_000) / 10_000


def text(p: float) -> str:
    """ "match probability 0.9987", for a person deciding the pair."""
    return f"match probability {kept(p):.4f}"


def bits(p: float) -> float:
    """The total weight a probability needs (its log2 odds)."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log2(p / (1 - p))


def best(name: str) -> float:
    """The highest weight a field can add (for bounding a pair before it is fully compared)."""
    return max(WEIGHTS[name].values())


def describe() -> str:
    """The weights as one line per field, for the methods text."""
    rows = []
    for name, levels in WEIGHTS.items():
        shown = ", ".join(f"{level} {w:+.1f}" for level, w in levels.items() if level != "missing")
        rows.append(f"{name}: {shown}")
    return "; ".join(rows)
