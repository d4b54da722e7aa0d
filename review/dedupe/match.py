"""Candidate pairs: exact identifiers first, then blocking on several keys, scored in bulk.

Blocking is a sorted neighbourhood over title orders (title, reversed title, main title) plus groups
of records sharing a bibliographic address (volume and first page) or a first author and year, so a
record with a missing, translated or damaged title is still compared. The cost grows as keys ×
window × N, never N²; titles are scored in bulk with `rapidfuzz.process.cpdist`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from review.dedupe.prepare import IDENTIFIERS, Prepared, codes

CHUNK = 1_000_000  # pairs scored per cpdist call
WINDOWS = (4, 2, 2)  # places compared under each sort key: title, reversed title, main title
MAX_ID_GROUP = 50  # an "identifier" shared by more records than this is a placeholder, not an ID
MAX_BLOCK = 12  # records sharing an address or author-year key compared pairwise; bigger groups say little
SHORT_TITLE = 30  # characters: shorter titles ("Editorial", "Introduction") say little on their own
EDGE = 24  # characters of a title's start or end that, shared, make a pair worth a containment check
TITLE_LEVELS = ("exact", "high", "good", "fair", "contained", "weak", "low", "short", "missing")


@dataclass(slots=True)
class Candidate:
    """A scored pair of record positions (i < j in Prepared order) and the band it falls in."""

    i: int
    j: int
    rule: str
    band: str  # auto | review | distinct | related
    scores: dict[str, Any] = field(default_factory=dict)
    relation: str | None = None  # the kind of link when band is related


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


SORT_PREFIX = 48  # characters of a title that place it in a sort order


def _orders(prep: Prepared, titled: list[int]) -> Iterator[npt.NDArray[np.int64]]:
    """Record positions in each sort order: title, reversed title, main title (ties: first author,
    then year). Sorted by numpy on the first SORT_PREFIX bytes of each key, a fraction of the time
    and memory of sorting the strings themselves; titles equal that far are neighbours anyway."""
    keep = np.array(titled, dtype=np.int64)
    first, year = prep.coded("first_author")[keep], prep.year[keep]
    for texts in (prep.title, None, prep.main):
        if texts is None:
            key = _prefixes(prep.title[k][::-1] for k in titled)
        else:
            key = _prefixes(texts[k] for k in titled)
        yield keep[np.lexsort((year, first, key))]


def _prefixes(texts: Iterable[str]) -> npt.NDArray[np.bytes_]:
    return np.array([t.encode("utf-8")[:SORT_PREFIX] for t in texts], dtype=f"S{SORT_PREFIX}")


def neighbourhood_pairs(prep: Prepared, windows: Sequence[int] = WINDOWS) -> npt.NDArray[np.int64]:
    """Unique (i, j) position pairs, i < j, within a key's window of places under any sort key."""
    return _decode(_neighbourhood_codes(prep, windows), len(prep))


def _neighbourhood_codes(prep: Prepared, windows: Sequence[int] = WINDOWS) -> npt.NDArray[np.int64]:
    """Unique (i, j) position pairs, i < j, within a key's window of places under any sort key.

    Pairs whose titles could neither be similar (lengths alone rule out a ratio of 60) nor one
    contain the other (no shared start or end, no subtitle dropped) are left out early.
    """
    n = len(prep)
    titled = [k for k, t in enumerate(prep.title) if t]
    full_len, main_len = _lengths(prep.title), _lengths(prep.main)
    heads, tails = _edges(prep)
    chunks = []
    for order, window in zip(_orders(prep, titled), windows, strict=True):
        for k in range(1, window + 1):
            a, b = order[:-k], order[k:]
            keep = (prep.new[a] | prep.new[b]) & (
                _possible(full_len, a, b, 60.0)
                | (prep.has_sub[a] != prep.has_sub[b]) & _possible(main_len, a, b, 60.0)
                | (heads[a] == heads[b])
                | (tails[a] == tails[b])
            )
            a, b = a[keep], b[keep]
            chunks.append(np.minimum(a, b) * n + np.maximum(a, b))  # one int64 code per pair
    return _unique_codes(chunks)


def _edges(prep: Prepared) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Codes of each title's first and last EDGE characters."""
    heads = prep.coded("heads", lambda: [t[:EDGE] for t in prep.title])
    return heads, prep.coded("tails", lambda: [t[-EDGE:] for t in prep.title])


def key_pairs(prep: Prepared) -> npt.NDArray[np.int64]:
    """Pairs sharing a bibliographic address (volume + first page), or a first author, year and one
    of the two longest title words (a title damaged, cut short or reworded elsewhere keeps some)."""
    return _decode(_key_codes(prep), len(prep))


def _key_codes(prep: Prepared) -> npt.NDArray[np.int64]:
    n = len(prep)
    volume, page, first = prep.coded("volume"), prep.coded("page"), prep.coded("first_author")
    year = prep.year.astype(np.int64)
    address = np.where((volume >= 0) & (page >= 0), volume * (int(page.max()) + 1) + page, -1)
    chunks = [_block_pairs(address, prep.new, n)]
    author_year = np.where((first >= 0) & (year > 0), first * 4000 + year, -1)
    longest = [_longest(t) for t in prep.title]
    # A record with a title in another language also takes that title's longest word, so that a
    # copy giving only the other-language title meets it.
    alts = np.flatnonzero(_lengths(prep.alt) > 0)
    where = np.concatenate((np.arange(n), alts))
    longest += [_longest(prep.alt[k]) for k in alts.tolist()]
    for rank in (0, 1):
        word = codes([w[rank] if len(w) > rank and len(w[rank]) >= 4 else None for w in longest])
        author = author_year[where]
        key = np.where((author >= 0) & (word >= 0), author * (int(word.max()) + 1) + word, -1)
        chunks.append(_block_pairs(key, prep.new, n, where))
    return _unique_codes(chunks)


def _longest(title: str) -> list[str]:
    return sorted(title.split(), key=len, reverse=True)[:2]


def _block_pairs(
    key: npt.NDArray[np.int64],
    new: npt.NDArray[np.bool_],
    n: int,
    where: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """Every pair within each group of 2 to MAX_BLOCK records sharing a key (-1: no key), one of
    them new, as one int64 code per pair. `where` gives each key's record position when a record
    has more than one key (default: key k is record k's)."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    if where is not None:
        order = where[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sizes = np.diff(np.append(starts, len(ordered)))
    usable = (sizes > 1) & (sizes <= MAX_BLOCK) & (ordered[starts] >= 0)
    chunks = [np.empty(0, dtype=np.int64)]
    for size in np.unique(sizes[usable]).tolist():
        members = order[starts[usable & (sizes == size)][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, k=1)
        a, b = members[:, first].ravel(), members[:, second].ravel()
        keep = (new[a] | new[b]) & (a != b)
        chunks.append(np.minimum(a, b)[keep] * n + np.maximum(a, b)[keep])
    return np.concatenate(chunks)


def _unique_codes(chunks: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    """The pair codes (i * n + j) of all chunks, sorted, each once."""
    flat = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
    del chunks[:]
    flat.sort()
    return flat[np.concatenate(([True], flat[1:] != flat[:-1]))] if len(flat) else flat


def _decode(flat: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    pairs = np.empty((len(flat), 2), dtype=np.int64)
    np.floor_divide(flat, n, out=pairs[:, 0])
    np.remainder(flat, n, out=pairs[:, 1])
    return pairs


def candidate_pairs(prep: Prepared) -> npt.NDArray[np.int64]:
    """Every blocked pair, once, i < j (kept as one code per pair until the end: half the memory)."""
    return _decode(_unique_codes([_neighbourhood_codes(prep), _key_codes(prep)]), len(prep))


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


def _partial(texts: list[str], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """100 where the shorter title is the start or the end of the longer one (a truncated title, a
    translation appended, a heading or group name before it), else 0. Exact, after normalising:
    a fuzzy alignment costs more than the rest of the matching on large sets."""
    out = np.zeros(len(a), dtype=np.float32)
    for k, (i, j) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        short, long = sorted((texts[i], texts[j]), key=len)
        if long.startswith(short) or long.endswith(short):
            out[k] = 100.0
    return out


def title_levels(
    prep: Prepared, pairs: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """Each pair's title level (an index into TITLE_LEVELS) and its best title ratio."""
    a, b = pairs[:, 0], pairs[:, 1]
    full_len = _lengths(prep.title)
    full = _ratio(prep.title, full_len, a, b, 60.0)
    # One record without the other's subtitle: compare the main titles, unless the whole titles
    # already agree.
    dropped = np.flatnonzero((prep.has_sub[a] != prep.has_sub[b]) & (full < 95))
    main = np.zeros(len(a), dtype=np.float32)
    main[dropped] = _ratio(prep.main, _lengths(prep.main), a[dropped], b[dropped], 60.0)
    alts = np.flatnonzero(_lengths(prep.alt)[a] + _lengths(prep.alt)[b] > 0)
    if len(alts):  # a parallel title in another language: compared with the other record's title
        pool = prep.title + prep.alt
        n = len(prep.title)
        ab, ba = (
            _ratio(pool, _lengths(pool), a[alts] + n, b[alts], 60.0),
            _ratio(pool, _lengths(pool), a[alts], b[alts] + n, 60.0),
        )
        full[alts] = np.maximum(full[alts], np.maximum(ab, ba))
    la, lb = full_len[a], full_len[b]
    shorter = np.minimum(la, lb)
    best = np.maximum(full, main)
    partial = np.zeros(len(a), dtype=np.float32)
    # Only titles sharing their first or last characters can be one inside the other (a truncated
    # title, a translation appended, a heading before it): partial_ratio is too dear for every pair.
    heads, tails = _edges(prep)
    edge = (heads[a] == heads[b]) | (tails[a] == tails[b])
    check = np.flatnonzero((best < 90) & (shorter >= 20) & (shorter < 0.8 * np.maximum(la, lb)) & edge)
    partial[check] = _partial(prep.title, a[check], b[check])
    same = prep.coded("title", lambda: prep.title)
    long_main = _lengths(prep.main)[np.where(prep.has_sub[a], a, b)] >= SHORT_TITLE
    # Strongest first: one title inside the other (a subtitle dropped, a title cut short or given a
    # heading) says more than a middling ratio over the whole.
    tests = {
        "missing": shorter == 0,
        "short": (shorter < SHORT_TITLE) & (best >= 90),
        "exact": same[a] == same[b],
        "high": full >= 95,
        "contained": ((main >= 95) & long_main) | (partial >= 95),
        "good": best >= 90,
        "fair": best >= 80,
        "weak": (best >= 60) | (partial >= 80),
    }
    level = np.select(
        list(tests.values()), [TITLE_LEVELS.index(x) for x in tests], default=TITLE_LEVELS.index("low")
    ).astype(np.int8)
    return level, np.maximum(best, partial)


def _lengths(texts: list[str]) -> npt.NDArray[np.int64]:
    return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
