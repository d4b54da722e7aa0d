"""Candidate pairs and their scores: exact identifiers first, then blocked fuzzy title matching.

Blocking is a sorted neighbourhood over several sort keys (title, reversed title, main title), so the
cost grows as keys × window × N, never N²; titles are scored in bulk with `rapidfuzz.process.cpdist`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from review.dedupe.prepare import IDENTIFIERS, Prepared

CHUNK = 1_000_000  # pairs scored per cpdist call
WINDOWS = (6, 4, 4)  # places compared under each sort key: title, reversed title, main title
MAX_ID_GROUP = 50  # an "identifier" shared by more records than this is a placeholder, not an ID
MIN_AUTO_TITLE = 30  # characters: shorter titles ("Editorial", "Introduction") need a person


@dataclass(frozen=True)
class Thresholds:
    """Title similarity (0-100, rapidfuzz ratio on normalised titles) bounding the three bands."""

    auto: float = 95.0
    review: float = 85.0


@dataclass(slots=True)
class Candidate:
    """A scored pair of record positions (i < j in Prepared order) and the band it falls in."""

    i: int
    j: int
    rule: str
    band: str  # auto | review | distinct
    scores: dict[str, Any] = field(default_factory=dict)


def identifier_pairs(prep: Prepared) -> Iterator[tuple[int, int, str]]:
    """Pairs sharing an identifier: each record of a group is linked to the group's first old record."""
    for name in IDENTIFIERS:
        values = prep.keys[name]
        counts = Counter(v for v in values if v is not None)
        shared = {v for v, c in counts.items() if 1 < c <= MAX_ID_GROUP}
        if not shared:
            continue
        groups: dict[str, list[int]] = {}
        for pos, value in enumerate(values):
            if value in shared:
                groups.setdefault(value, []).append(pos)
        for members in groups.values():
            if not prep.new[members].any():
                continue
            old = [m for m in members if not prep.new[m]]
            anchor = old[0] if old else members[0]
            for m in members:
                if m != anchor and prep.new[m]:
                    yield min(m, anchor), max(m, anchor), name


def _orders(prep: Prepared, titled: list[int]) -> Iterator[npt.NDArray[np.int64]]:
    """Record positions in each sort order: title, reversed title, main title (ties: author, year).

    Stable two-pass sorts on the existing strings: building `title|author|year` keys would cost
    as much memory as the titles themselves.
    """
    first = [s[0] if s else "" for s in prep.surnames]
    tie = sorted(titled, key=lambda k: (first[k], int(prep.year[k])))
    yield np.array(sorted(tie, key=prep.title.__getitem__), dtype=np.int64)
    reversed_titles = [t[::-1] for t in prep.title]
    yield np.array(sorted(titled, key=reversed_titles.__getitem__), dtype=np.int64)
    del reversed_titles
    yield np.array(sorted(tie, key=prep.main.__getitem__), dtype=np.int64)


def neighbourhood_pairs(
    prep: Prepared, windows: Sequence[int] = WINDOWS, cutoff: float = 0.0
) -> npt.NDArray[np.int64]:
    """Unique (i, j) position pairs, i < j, within a key's window of places under any sort key.

    With a cutoff, pairs whose title lengths alone rule out a ratio that high are left out early.
    """
    n = len(prep)
    titled = [k for k, t in enumerate(prep.title) if t]
    full_len, main_len = _lengths(prep.title), _lengths(prep.main)
    chunks = []
    for order, window in zip(_orders(prep, titled), windows, strict=True):
        for k in range(1, window + 1):
            a, b = order[:-k], order[k:]
            keep = (prep.new[a] | prep.new[b]) & (
                _possible(full_len, a, b, cutoff)
                | ((prep.has_sub[a] != prep.has_sub[b]) & _possible(main_len, a, b, cutoff))
            )
            a, b = a[keep], b[keep]
            chunks.append(np.minimum(a, b) * n + np.maximum(a, b))  # one int64 code per pair
    codes = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
    del chunks
    if not len(codes):
        return np.empty((0, 2), dtype=np.int64)
    codes.sort()
    codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    pairs = np.empty((len(codes), 2), dtype=np.int64)
    np.floor_divide(codes, n, out=pairs[:, 0])
    np.remainder(codes, n, out=pairs[:, 1])
    return pairs


def _possible(
    lengths: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], cutoff: float
) -> npt.NDArray[np.bool_]:
    # ratio = 2·LCS/(la+lb) <= 2·min/(la+lb): lengths alone can rule a pair out.
    la, lb = lengths[a], lengths[b]
    possible: npt.NDArray[np.bool_] = 200.0 * np.minimum(la, lb) >= cutoff * np.maximum(la + lb, 1)
    return possible


def _ratio(
    texts: list[str],
    lengths: npt.NDArray[np.int64],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    cutoff: float,
) -> npt.NDArray[np.float32]:
    out = np.zeros(len(a), dtype=np.float32)
    idx = np.flatnonzero(_possible(lengths, a, b, cutoff))
    arr = np.array(texts, dtype=object)
    for start in range(0, len(idx), CHUNK):  # chunks bound the object arrays cpdist needs
        part = idx[start : start + CHUNK]
        out[part] = process.cpdist(
            arr[a[part]], arr[b[part]], scorer=fuzz.ratio, score_cutoff=cutoff, workers=-1, dtype=np.float32
        )
    return out


def title_scores(
    prep: Prepared, pairs: npt.NDArray[np.int64], cutoff: float = 0.0
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Full-title and main-title ratios per pair (main only where one subtitle is missing); 0 below cutoff."""
    a, b = pairs[:, 0], pairs[:, 1]
    full = _ratio(prep.title, _lengths(prep.title), a, b, cutoff)
    dropped = np.flatnonzero(prep.has_sub[a] != prep.has_sub[b])
    main = np.zeros(len(a), dtype=np.float32)
    main[dropped] = _ratio(prep.main, _lengths(prep.main), a[dropped], b[dropped], cutoff)
    return full, main


def _lengths(texts: list[str]) -> npt.NDArray[np.int64]:
    return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
