"""The matching pipeline on prepared columns (pure, no database): candidates, bands, clusters."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from review.dedupe import parallel, weights
from review.dedupe.cluster import Clusters
from review.dedupe.compare import Columns, same_code, warm_columns
from review.dedupe.match import (
    BLOCKING,
    TITLE_LEVELS,
    Candidate,
    blocked,
    decode,
    identifier_pairs,
    title_levels,
    unique_codes,
    warm_edges,
    warm_titles,
)
from review.dedupe.prepare import IDENTIFIERS, Prepared, codes
from review.dedupe.score import PREPRINT_DOI, SAME_TITLE, SIMILAR, Policy, score_identifiers, score_pairs

_RULE_ORDER = {name: rank for rank, name in enumerate(IDENTIFIERS)}
# Title levels worth a full comparison whatever the cheap bound says: they may be related items.
_SIMILAR = np.array([lv in SIMILAR for lv in TITLE_LEVELS])


def find_candidates(prep: Prepared, policy: Policy | None = None, workers: int = 1) -> list[Candidate]:
    """Every pair worth keeping (auto, review, related, or a near miss marked distinct), one per pair.

    Blocking and scoring run as tasks in `workers` processes (`parallel.Pool`): the sort orders and
    keys, then chunks of the blocked pairs. Forked once the columns every task reads are made, the
    workers share them; any number of workers gives the same candidates in the same order."""
    policy = policy or Policy()
    cols = _warm(prep, workers)
    with parallel.Pool(partial(_task, prep, cols, policy), workers) as pool:
        # Pairs an identifier decided are blocked again too; their scores are dropped below (cheaper
        # than filtering ten million pairs against them: np.isin held ~300 MB at a million records).
        # Pairs sharing an identifier are scored while the other tasks block.
        keys, identified, *blocks = pool.map([BLOCKING[0], _IDENTIFIED, *BLOCKING[1:]], depth=1)
        blocks.append(keys)
        by_pair = {(c.i, c.j): c for c in identified}
        pairs = unique_codes(blocks)  # a code per pair, each chunk decoded by its task
        chunks = (pairs[start : start + PAIR_CHUNK] for start in range(0, len(pairs), PAIR_CHUNK))
        for found in pool.map(chunks):
            for cand in found:
                by_pair.setdefault((cand.i, cand.j), cand)
    return list(by_pair.values())


PAIR_CHUNK = 250_000  # blocked pairs screened and scored per task: bounds the per-pair arrays


_IDENTIFIED = ("identifiers", 0)


def _task(prep: Prepared, cols: Columns, policy: Policy, task: Any) -> Any:
    """One task of `find_candidates`: the pairs sharing an identifier, scored; a blocking task
    (`match.BLOCKING`), giving pair codes; or a chunk of pair codes, giving the candidates among them."""
    if isinstance(task, tuple):
        return _identified(prep, cols, policy) if task == _IDENTIFIED else blocked(prep, task)
    pairs = decode(task, len(prep))
    level, ratio = title_levels(prep, pairs)
    hits = np.flatnonzero(_worth_scoring(prep, pairs, level, policy))
    return score_pairs(prep, cols, pairs[hits], level[hits], ratio[hits], policy)


def _identified(prep: Prepared, cols: Columns, policy: Policy) -> list[Candidate]:
    """Pairs sharing an identifier, each scored once (the first identifier that links them)."""
    found = list({(i, j): (i, j, name) for i, j, name in reversed(list(identifier_pairs(prep)))}.values())
    if not found:
        return []
    arr = np.array([(i, j) for i, j, _ in found], dtype=np.int64)
    level, ratio = title_levels(prep, arr)
    return score_identifiers(prep, cols, found, level, ratio, policy)


def _warm(prep: Prepared, workers: int) -> Columns:
    """Make the cached columns that blocking and scoring read, so forked workers inherit them: the
    coded ones as two tasks shared by `workers` processes (~3 s each at a million records, which
    one process took one after the other), then the rest here (object arrays: passing them between
    processes would copy a million strings)."""
    with parallel.Pool(prep.made_by, workers) as pool:
        for made in pool.map(_WARMING, depth=1):
            prep.keep(made)
    cols = Columns.of(prep)  # from the cache
    warm_titles(prep)
    warm_columns(prep, cols)
    return cols


def _warm_fields(prep: Prepared) -> None:
    Columns.of(prep)


def _warm_people_and_titles(prep: Prepared) -> None:
    # Not the columns `Columns.of` codes: both tasks run at once.
    for name in ("page", "first_author"):
        prep.coded(name)
    _surname_masks(prep)
    _versioned_dois(prep)
    warm_edges(prep)


_WARMING = (_warm_fields, _warm_people_and_titles)  # about 3.4 and 2.8 s at a million records


def _worth_scoring(
    prep: Prepared, pairs: npt.NDArray[np.int64], level: npt.NDArray[np.int8], policy: Policy
) -> npt.NDArray[np.bool_]:
    """Pairs worth comparing in full: those whose weight could reach the review band (a low title
    also needs the same first page, `score.bands`), and similar titles that may be related items."""
    a, b = pairs[:, 0], pairs[:, 1]
    same_page = same_code(prep.coded("page"), a, b) == 1
    reach = _bound(prep, a, b, level, same_page) >= weights.bits(policy.review)
    # A low title reaches a person only at the same page and by the same people (`score.bands`).
    masks = _surname_masks(prep)
    same_people = (same_code(prep.coded("first_author"), a, b) == 1) | ((masks[a] & masks[b]) != 0)
    low_ok = (level != TITLE_LEVELS.index("low")) | (same_page & same_people)
    worth: npt.NDArray[np.bool_] = (reach & low_ok) | _may_be_related(prep, pairs, level)
    return worth


def _may_be_related(
    prep: Prepared, pairs: npt.NDArray[np.int64], level: npt.NDArray[np.int8]
) -> npt.NDArray[np.bool_]:
    """Similar titles that `score.relations` could link: one title (a column, a new version, another
    venue), or a notice, series marks, DOIs or document kinds that differ."""
    a, b = pairs[:, 0], pairs[:, 1]
    same_title = np.isin(level, [TITLE_LEVELS.index(x) for x in SAME_TITLE])
    similar = _SIMILAR[level] & ~same_title
    maybe = same_title.copy()
    versioned = _versioned_dois(prep)  # a preprint's DOI or a Cochrane version's
    other_doi = same_code(prep.coded("doi"), a[similar], b[similar]) == -1
    other_kind = same_code(prep.coded("doc_class"), a[similar], b[similar]) == -1
    maybe[similar] = (other_doi & (versioned[a[similar]] | versioned[b[similar]])) | other_kind
    rest = np.flatnonzero(similar & ~maybe)
    if len(rest):  # notices and marks are read from the titles, only for these records
        notes = _lazy_codes(prep, np.unique(pairs[rest].ravel()))
        maybe[rest] = notes[a[rest]] != notes[b[rest]]
    return maybe


def _versioned_dois(prep: Prepared) -> npt.NDArray[np.bool_]:
    """Records whose DOI is a preprint server's or a Cochrane version's (cached on prep)."""

    def versioned(doi: str | None) -> bool:
        return bool(doi) and (str(doi).startswith(PREPRINT_DOI) or ".pub" in str(doi))

    found: npt.NDArray[np.bool_] = prep.cached(
        "versioned_doi",
        lambda: np.fromiter(map(versioned, prep.keys["doi"]), dtype=np.bool_, count=len(prep)),
    )
    return found


def _lazy_codes(prep: Prepared, records: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """For the given records, a code of (notice, series marks): equal codes, no relation to find."""
    found: dict[tuple[str | None, frozenset[str]], int] = {}
    out = np.full(len(prep), -1, dtype=np.int64)
    for k in records.tolist():
        out[k] = found.setdefault((prep.notice(k), prep.marks(k)), len(found))
    return out


def _bound(
    prep: Prepared,
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    level: npt.NDArray[np.int8],
    same_page: npt.NDArray[np.bool_],
) -> npt.NDArray[Any]:
    """The most weight a pair could reach from what is compared in bulk: authors count as agreeing
    when the lists share a surname, journals, issues and publishers as agreeing unless missing."""
    w = weights.WEIGHTS
    total = weights.PRIOR + np.array([w["title"][lv] for lv in TITLE_LEVELS])[level]
    first = same_code(prep.coded("first_author"), a, b)
    masks = _surname_masks(prep)  # cached on prep
    shared = (masks[a] & masks[b]) != 0
    listed = (masks[a] != 0) & (masks[b] != 0)
    # No surname in common: at best "most" (spelling variants of every name are rare).
    authors = np.where((first == 1) | shared, w["authors"]["all"], w["authors"]["most"])
    total += np.where(listed, authors, 0.0)
    total += weights.best("journal") + weights.best("issue")
    outside = prep.coded("journal") < 0  # the publisher is compared only outside journals
    total += np.where(outside[a] & outside[b], weights.best("publisher"), 0.0)
    for name, agree, other in (
        ("year", "same", "near"),
        ("volume", "same", "differ"),
        ("doi", "same", "missing"),
    ):
        same = same_code(prep.coded(name), a, b)
        total += np.where(same == 1, w[name][agree], np.where(same == -1, w[name][other], 0.0))
    pages = same_code(prep.coded("page"), a, b)
    total += np.where(same_page, w["pages"]["same"], np.where(pages == -1, w["pages"]["overlap"], 0.0))
    return total


def _surname_masks(prep: Prepared) -> npt.NDArray[np.uint64]:
    """Each record's surnames as a 64-bit set (a bit per surname, by order of first appearance: not
    `hash`, which differs from process to process): two records with no bit in common share no
    surname."""

    def make() -> npt.NDArray[np.uint64]:
        counts = np.fromiter(map(len, prep.surnames), dtype=np.int64, count=len(prep))
        names = codes(list(itertools.chain.from_iterable(prep.surnames)))
        bits = np.left_shift(np.uint64(1), (names & 63).astype(np.uint64))
        masks = np.zeros(len(prep), dtype=np.uint64)
        named = np.flatnonzero(counts)
        if len(named):
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[named]
            masks[named] = np.bitwise_or.reduceat(bits, starts)
        return masks

    masks: npt.NDArray[np.uint64] = prep.cached("surname_masks", make)
    return masks


def _strength(c: Candidate) -> tuple[int, float]:
    rank = _RULE_ORDER.get(c.rule, len(_RULE_ORDER))
    return rank, -float(c.scores.get("title", 0.0))


def _twin_dois(prep: Prepared, candidates: Sequence[Candidate]) -> Iterator[frozenset[str]]:
    """The DOI pairs of automatic matches: two DOIs of one article (`compare._dois`)."""
    dois = prep.keys["doi"]
    for c in candidates:
        a, b = dois[c.i], dois[c.j]
        if c.band == "auto" and a and b and a != b:
            yield frozenset((a, b))


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
    clusters = Clusters(prep.year, prep.keys["doi"], anchored, _twin_dois(prep, candidates))
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
