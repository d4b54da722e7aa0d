"""The matching pipeline on prepared columns (pure, no database): candidates, bands, clusters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from review.dedupe.cluster import Clusters
from review.dedupe.match import (
    Candidate,
    Thresholds,
    identifier_pairs,
    neighbourhood_pairs,
    title_scores,
)
from review.dedupe.prepare import IDENTIFIERS, Prepared
from review.dedupe.score import score_identifier, score_pair

_RULE_ORDER = {name: rank for rank, name in enumerate(IDENTIFIERS)}


def find_candidates(prep: Prepared, limits: Thresholds | None = None) -> list[Candidate]:
    """Every pair worth keeping (auto, review, or a near miss marked distinct), one per record pair."""
    limits = limits or Thresholds()
    by_pair: dict[tuple[int, int], Candidate] = {}
    id_pairs = list(identifier_pairs(prep))
    if id_pairs:
        arr = np.array([(i, j) for i, j, _ in id_pairs], dtype=np.int64)
        full, main = title_scores(prep, arr)
        for (i, j, name), f, m in zip(id_pairs, full, main, strict=True):
            if (i, j) not in by_pair:
                by_pair[(i, j)] = score_identifier(prep, i, j, name, float(f), float(m))
    pairs = neighbourhood_pairs(prep, cutoff=limits.review)
    full, main = title_scores(prep, pairs, cutoff=limits.review)
    # Years more than one apart: a different work (annual reports, re-used titles), not worth a row.
    ya, yb = prep.year[pairs[:, 0]], prep.year[pairs[:, 1]]
    same_time = (ya == 0) | (yb == 0) | (np.abs(ya - yb) <= 1)
    hits = np.flatnonzero((np.maximum(full, main) >= limits.review) & same_time)
    for k in hits:
        i, j = int(pairs[k, 0]), int(pairs[k, 1])
        if (i, j) not in by_pair:
            by_pair[(i, j)] = score_pair(prep, i, j, float(full[k]), float(main[k]), limits)
    return list(by_pair.values())


def _strength(c: Candidate) -> tuple[int, float]:
    rank = _RULE_ORDER.get(c.rule, len(_RULE_ORDER))
    return rank, -float(c.scores.get("title", 0.0))


@dataclass(frozen=True)
class Clustering:
    roots: npt.NDArray[np.int64]  # component representative per position
    merged: list[Candidate]  # auto pairs that joined (or confirmed) a component
    refused: list[tuple[Candidate, str]]  # auto pairs a guard refused, with the guard's name


def cluster(
    prep: Prepared,
    candidates: Sequence[Candidate],
    groups: Iterable[Sequence[int]] = (),
    apart: Iterable[tuple[int, int]] = (),
    anchored: npt.NDArray[np.bool_] | None = None,
) -> Clustering:
    """Join auto pairs strongest first, starting from existing works (`groups`), with guards."""
    clusters = Clusters(prep.year, prep.keys["doi"], anchored)
    for members in groups:
        for m in members[1:]:
            clusters.union(members[0], m, force=True)
    clusters.keep_apart(apart)
    merged, refused = [], []
    for cand in sorted((c for c in candidates if c.band == "auto"), key=_strength):
        reason = clusters.union(cand.i, cand.j)
        if reason:
            refused.append((cand, reason))
        else:
            merged.append(cand)
    return Clustering(clusters.roots(), merged, refused)
