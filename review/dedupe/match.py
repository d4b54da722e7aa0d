"""Candidate pairs: exact identifiers first, then blocking on several keys, scored in bulk.

Blocking is a sorted neighbourhood over title orders (title, reversed title, main title) plus groups
of records sharing a bibliographic address (volume and first page) or a first author and year, so a
record with a missing, translated or damaged title is still compared. The cost grows as keys ×
window × N, never N²; titles are scored in bulk with `rapidfuzz.process.cpdist`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from review.dedupe import parallel
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


SORT_PREFIX = 48  # characters of a title that place it in a sort order (a multiple of 8: `_sort_words`)


def _order(prep: Prepared, which: int) -> npt.NDArray[np.int64]:
    """Titled record positions in sort order `which`: title, reversed title, main title (ties: first
    author, then year). Sorted by numpy on the first SORT_PREFIX bytes of each key, a fraction of the
    time and memory of sorting the strings themselves; titles equal that far are neighbours anyway."""
    titled = np.flatnonzero(lengths(prep, "title") > 0)
    first, year = prep.coded("first_author")[titled], prep.year[titled]
    texts = prep.title if len(titled) == len(prep) else [prep.title[k] for k in titled.tolist()]
    if which == 0:
        key = _prefixes(texts)
    elif which == 1:
        key = _prefixes(t[::-1] for t in texts)
    else:  # the main title: the start of the title
        ends = np.minimum(prep.main_len[titled], SORT_PREFIX).tolist()
        key = _prefixes(t[:end] for t, end in zip(texts, ends, strict=True))
    keys: list[npt.NDArray[Any]] = [year, first, *_sort_words(key)]
    return titled[np.lexsort(keys)]


def _prefixes(texts: Iterable[str]) -> npt.NDArray[np.bytes_]:
    # A character is one UTF-8 byte or more, so the first SORT_PREFIX characters hold the bytes kept.
    return np.array([t[:SORT_PREFIX].encode("utf-8")[:SORT_PREFIX] for t in texts], dtype=f"S{SORT_PREFIX}")


def _sort_words(key: npt.NDArray[np.bytes_]) -> list[npt.NDArray[np.uint64]]:
    """Sort keys of SORT_PREFIX bytes as big-endian 8-byte integers, the last most significant (as
    `np.lexsort` takes them): integers compare as the bytes do, and sorting them takes about half
    the time of comparing the byte strings."""
    words = np.ascontiguousarray(key).view(">u8").reshape(len(key), SORT_PREFIX // 8)
    return [words[:, k] for k in range(SORT_PREFIX // 8 - 1, -1, -1)]


def neighbourhood_pairs(prep: Prepared, windows: Sequence[int] = WINDOWS) -> npt.NDArray[np.int64]:
    """Unique (i, j) position pairs, i < j, within a key's window of places under any sort key."""
    chunks = [_order_codes(prep, which, window) for which, window in enumerate(windows)]
    return decode(unique_codes(chunks), len(prep))


def _order_codes(prep: Prepared, which: int, window: int) -> npt.NDArray[np.int64]:
    """Unique (i, j) position pairs, i < j, within `window` places under sort order `which`, as
    one int64 code each.

    Pairs whose titles could neither be similar (lengths alone rule out a ratio of 60) nor one
    contain the other (no shared start or end, no subtitle dropped) are left out early.
    """
    n = len(prep)
    full_len, main_len = lengths(prep, "title"), lengths(prep, "main")
    heads, tails = _edges(prep)
    order = _order(prep, which)
    chunks = []
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
    return unique_codes(chunks)


def _edges(prep: Prepared) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Codes of each title's first and last EDGE characters."""
    heads = prep.coded("heads", lambda: [t[:EDGE] for t in prep.title])
    return heads, prep.coded("tails", lambda: [t[-EDGE:] for t in prep.title])


def key_pairs(prep: Prepared) -> npt.NDArray[np.int64]:
    """Pairs sharing a bibliographic address (volume + first page), or a first author, year and one
    of the two longest title words (a title damaged, cut short or reworded elsewhere keeps some)."""
    return decode(_key_codes(prep), len(prep))


def _key_codes(prep: Prepared) -> npt.NDArray[np.int64]:
    n = len(prep)
    volume, page, first = prep.coded("volume"), prep.coded("page"), prep.coded("first_author")
    year = prep.year.astype(np.int64)
    address = np.where((volume >= 0) & (page >= 0), volume * (int(page.max()) + 1) + page, -1)
    chunks = [_block_pairs(address, prep.new, n)]
    author_year = np.where((first >= 0) & (year > 0), first * 4000 + year, -1)
    # A record with a title in another language also takes that title's longest words, so that a
    # copy giving only the other-language title meets it.
    alts = np.flatnonzero(lengths(prep, "alt") > 0)
    where = np.concatenate((np.arange(n), alts))
    words = _longest_words(itertools.chain(prep.title, (prep.alt[k] for k in alts.tolist())))
    for ranked in words:
        word = codes(ranked)
        del ranked[:]
        author = author_year[where]
        key = np.where((author >= 0) & (word >= 0), author * (int(word.max()) + 1) + word, -1)
        chunks.append(_block_pairs(key, prep.new, n, where))
    return unique_codes(chunks)


def _longest_words(titles: Iterable[str]) -> tuple[list[str | None], list[str | None]]:
    """Each title's longest word and second longest (the earlier of equal lengths first), None when
    missing or under four letters."""
    first: list[str | None] = []
    second: list[str | None] = []
    for title in titles:
        words = sorted(title.split(), key=len, reverse=True)
        first.append(words[0] if words and len(words[0]) >= 4 else None)
        second.append(words[1] if len(words) > 1 and len(words[1]) >= 4 else None)
    return first, second


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


def unique_codes(chunks: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    """The pair codes (i * n + j) of all chunks, sorted, each once (the list is emptied)."""
    # Chunks each in order already (the blocking tasks' results) are merged: a stable sort of their
    # concatenation finds the runs (0.06 s against 0.6 s for nine million codes).
    merge = all(len(c) < 2 or bool((c[1:] >= c[:-1]).all()) for c in chunks)
    flat = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
    del chunks[:]
    flat.sort(kind="stable" if merge else "quicksort")
    return flat[np.concatenate(([True], flat[1:] != flat[:-1]))] if len(flat) else flat


def decode(flat: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    """Pair codes (i * n + j) as (i, j) rows."""
    pairs = np.empty((len(flat), 2), dtype=np.int64)
    np.floor_divide(flat, n, out=pairs[:, 0])
    np.remainder(flat, n, out=pairs[:, 1])
    return pairs


# Blocking tasks, each a set of pairs: the keys (the most work) and the sort orders.
BLOCKING = (("keys", -1), *((f"order {k}", k) for k in range(len(WINDOWS))))


def blocked(prep: Prepared, task: tuple[str, int]) -> npt.NDArray[np.int64]:
    """The pairs of one blocking task (BLOCKING), as codes: a sort order's windows, or the keys."""
    _, which = task
    return _key_codes(prep) if which < 0 else _order_codes(prep, which, WINDOWS[which])


def candidate_pairs(
    prep: Prepared,
    run: Callable[[Iterable[tuple[str, int]]], Iterable[npt.NDArray[np.int64]]] | None = None,
) -> npt.NDArray[np.int64]:
    """Every blocked pair, once, i < j. `run` maps the blocking tasks (`blocked`) in worker
    processes; by default they run here."""
    return decode(candidate_codes(prep, run), len(prep))


def candidate_codes(
    prep: Prepared,
    run: Callable[[Iterable[tuple[str, int]]], Iterable[npt.NDArray[np.int64]]] | None = None,
) -> npt.NDArray[np.int64]:
    """`candidate_pairs` as one code per pair (i * n + j, ascending): half the memory of the pairs."""
    tasks = run(BLOCKING) if run is not None else (blocked(prep, task) for task in BLOCKING)
    return unique_codes(list(tasks))


def _possible(
    lengths: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], cutoff: float
) -> npt.NDArray[np.bool_]:
    # ratio = 2·LCS/(la+lb) <= 2·min/(la+lb): lengths alone can rule a pair out.
    la, lb = lengths[a], lengths[b]
    possible: npt.NDArray[np.bool_] = 200.0 * np.minimum(la, lb) >= cutoff * np.maximum(la + lb, 1)
    return possible


def _ratio(
    texts: Callable[[npt.NDArray[np.int64]], Sequence[str]],
    lengths: npt.NDArray[np.int64],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    cutoff: float,
) -> npt.NDArray[np.float32]:
    """rapidfuzz ratios of texts(a) and texts(b) pair by pair, 0 below `cutoff` (`texts` gives the
    texts at the positions it is given)."""
    out = np.zeros(len(a), dtype=np.float32)
    idx = np.flatnonzero(_possible(lengths, a, b, cutoff))
    threads = parallel.threads()
    for start in range(0, len(idx), CHUNK):  # chunks bound the object arrays cpdist needs
        part = idx[start : start + CHUNK]
        out[part] = process.cpdist(
            texts(a[part]),
            texts(b[part]),
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            workers=threads,
            dtype=np.float32,
        )
    return out


def _partial(
    texts: list[str], lengths: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """100 where the shorter title is the start or the end of the longer one (a truncated title, a
    translation appended, a heading or group name before it), else 0. Exact, after normalising:
    a fuzzy alignment costs more than the rest of the matching on large sets."""
    out = np.zeros(len(a), dtype=np.float32)
    swap = lengths[a] > lengths[b]  # of equal lengths, a's title counts as the shorter
    shorts = map(texts.__getitem__, np.where(swap, b, a).tolist())
    longs = map(texts.__getitem__, np.where(swap, a, b).tolist())
    inside = [
        k
        for k, (short, long) in enumerate(zip(shorts, longs, strict=True))
        if long.startswith(short) or long.endswith(short)
    ]
    out[inside] = 100.0
    return out


def title_levels(
    prep: Prepared, pairs: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """Each pair's title level (an index into TITLE_LEVELS) and its best title ratio."""
    a, b = pairs[:, 0], pairs[:, 1]
    full_len = lengths(prep, "title")
    titles = _objects(prep, "title")
    full = _ratio(titles.__getitem__, full_len, a, b, 60.0)
    exact = full == 100.0  # a ratio of 100 is equal titles (cheaper than coding every title)
    # One record without the other's subtitle: compare the main titles, unless the whole titles
    # already agree.
    dropped = np.flatnonzero((prep.has_sub[a] != prep.has_sub[b]) & (full < 95))
    main = np.zeros(len(a), dtype=np.float32)
    main[dropped] = _ratio(prep.mains, lengths(prep, "main"), a[dropped], b[dropped], 60.0)
    alt_len = lengths(prep, "alt")
    alts = np.flatnonzero(alt_len[a] + alt_len[b] > 0)
    if len(alts):  # a parallel title in another language: compared with the other record's title
        pool = np.concatenate((titles, _objects(prep, "alt")))
        pool_len = np.concatenate((full_len, alt_len))
        n = len(prep.title)
        ab, ba = (
            _ratio(pool.__getitem__, pool_len, a[alts] + n, b[alts], 60.0),
            _ratio(pool.__getitem__, pool_len, a[alts], b[alts] + n, 60.0),
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
    partial[check] = _partial(prep.title, full_len, a[check], b[check])
    long_main = lengths(prep, "main")[np.where(prep.has_sub[a], a, b)] >= SHORT_TITLE
    # Strongest first: one title inside the other (a subtitle dropped, a title cut short or given a
    # heading) says more than a middling ratio over the whole.
    tests = {
        "missing": shorter == 0,
        "short": (shorter < SHORT_TITLE) & (best >= 90),
        "exact": exact,
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


def lengths(prep: Prepared, name: str) -> npt.NDArray[np.int64]:
    """The lengths of a title column (`title`, `main` or `alt`), made once per run."""

    def make() -> npt.NDArray[np.int64]:
        return prep.main_len.astype(np.int64) if name == "main" else _lengths(getattr(prep, name))

    found: npt.NDArray[np.int64] = prep.cached(f"len:{name}", make)
    return found


def _objects(prep: Prepared, name: str) -> npt.NDArray[np.object_]:
    """A title column as a numpy object array (what cpdist takes, indexed in bulk), made once."""
    found: npt.NDArray[np.object_] = prep.cached(f"obj:{name}", lambda: np.array(getattr(prep, name), object))
    return found


def warm_edges(prep: Prepared) -> None:
    """Make the codes of title starts and ends that blocking and `title_levels` read."""
    _edges(prep)


def warm_titles(prep: Prepared) -> None:
    """Make the cached title columns `title_levels` reads (before worker processes are forked)."""
    for name in ("title", "main", "alt"):
        lengths(prep, name)
    _objects(prep, "title")
    _objects(prep, "alt")
    _edges(prep)
