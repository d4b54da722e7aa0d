"""Field-by-field comparison of many candidate pairs at once (pure, no database).

Each field's level per pair is an index into LEVELS[field]; equal values are compared as integer
codes in bulk, and only what needs judgement (author lists, journal names, double issues) is
compared pair by pair, once per distinct pair of values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from review.dedupe import people, venue
from review.dedupe.match import TITLE_LEVELS
from review.dedupe.prepare import Prepared

# Levels per field; `far` and `differ` for year and DOI are conflicts (score.py), not weights.
LEVELS: dict[str, tuple[str, ...]] = {
    "title": TITLE_LEVELS,
    "authors": ("all", "most", "some", "none", "missing"),
    "journal": ("agree", "disagree", "missing"),
    "year": ("same", "near", "far", "missing"),
    "volume": ("same", "differ", "missing"),
    "issue": ("same", "differ", "missing"),
    "pages": ("same", "overlap", "differ", "missing"),
    "doi": ("same", "differ", "missing"),
    "publisher": ("agree", "disagree", "missing"),
}
_MEETING = re.compile(r"\b(?:conference|congress|meeting|symposium|abstracts?|proceedings|workshop)\b", re.I)

Levels = dict[str, npt.NDArray[np.int8]]


@dataclass(frozen=True)
class Columns:
    """Per-record codes the bulk comparisons read, built once per run."""

    year: npt.NDArray[np.int64]
    volume: npt.NDArray[np.int64]
    issue: npt.NDArray[np.int64]
    page_start: npt.NDArray[np.int64]
    page_end: npt.NDArray[np.int64]
    doi: npt.NDArray[np.int64]
    registrant: npt.NDArray[np.int64]  # the DOI's prefix (10.1579 of 10.1579/0044-7447-34.3.205)
    journal: npt.NDArray[np.int64]
    authors: npt.NDArray[np.int64]
    doc_class: npt.NDArray[np.int64]
    meeting: npt.NDArray[np.bool_]
    supplement: npt.NDArray[np.bool_]  # in a supplement (issue `S1`, pages `S42`): where abstracts print
    orgs: npt.NDArray[np.bool_]  # has an issuing organisation and no journal

    @classmethod
    def of(cls, prep: Prepared) -> Columns:
        journals = prep.coded("journal")
        conference = _flag(prep, "doc_class", prep.coded("doc_class"), lambda c: c == "conference")
        meeting = _flag(prep, "journal", journals, lambda j: bool(j and _MEETING.search(j)))
        no_journal = _flag(prep, "journal", journals, lambda j: not j)
        return cls(
            year=prep.year.astype(np.int64),
            volume=prep.coded("volume"),
            issue=prep.coded("issue"),
            page_start=prep.page_start,
            page_end=prep.page_end,
            doi=prep.coded("doi"),
            registrant=prep.coded(
                "registrant", lambda: [d.split("/", 1)[0] if d else None for d in prep.keys["doi"]]
            ),
            journal=journals,
            authors=prep.coded("authors"),
            doc_class=prep.coded("doc_class"),
            meeting=conference | meeting,
            supplement=prep.supplement
            | _flag(prep, "issue", prep.coded("issue"), lambda i: bool(i and i.startswith("s"))),
            orgs=_flag(prep, "orgs", prep.coded("orgs"), bool) & no_journal,
        )


def _flag(
    prep: Prepared, name: str, col: npt.NDArray[np.int64], test: Callable[[Any], bool]
) -> npt.NDArray[np.bool_]:
    """test(value) per record of column `name` (coded as `col`), asked once per distinct value."""
    values = getattr(prep, name)
    per_code = np.array([test(values[k]) for k in _first_at(prep, name, col).tolist()], dtype=bool)
    found: npt.NDArray[np.bool_] = np.full(len(col), test(None), dtype=bool)
    known = col >= 0
    found[known] = per_code[col[known]]
    return found


def _index(name: str, level: str) -> int:
    return LEVELS[name].index(level)


def same_code(
    coded: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    """1 where both records have the same value, -1 where both have different values, 0 if missing."""
    both = (coded[a] >= 0) & (coded[b] >= 0)
    return np.where(both, np.where(coded[a] == coded[b], 1, -1), 0).astype(np.int8)


def _equal(
    col: npt.NDArray[np.int64], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], name: str
) -> npt.NDArray[np.int8]:
    """same / differ / missing levels from codes (-1: missing)."""
    by_code = np.array([_index(name, x) for x in ("differ", "missing", "same")], dtype=np.int8)
    return by_code[same_code(col, a, b) + 1]


def _judged(
    keys_a: npt.NDArray[np.int64],
    keys_b: npt.NDArray[np.int64],
    todo: npt.NDArray[np.bool_],
    judge: Callable[[int, int], int],
) -> npt.NDArray[np.int8]:
    """judge(key_a, key_b) for the pairs marked `todo`, once per distinct pair of keys."""
    out = np.zeros(len(keys_a), dtype=np.int8)
    idx = np.flatnonzero(todo)
    if not len(idx):
        return out
    stacked = np.stack([keys_a[idx], keys_b[idx]], axis=1)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    verdicts = np.array([judge(int(x), int(y)) for x, y in unique.tolist()], dtype=np.int8)
    out[idx] = verdicts[inverse.ravel()]
    return out


def _first_at(prep: Prepared, name: str, col: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Where each code of column `name` first appears (codes from `prepare.codes`: 0, 1, ... in order
    of first appearance, -1 for none), made once per run: the record whose value a code stands for."""

    def make() -> npt.NDArray[np.int64]:
        codes, first = np.unique(col, return_index=True)
        at = np.zeros(int(codes.max()) + 1 if len(codes) and codes.max() >= 0 else 0, dtype=np.int64)
        valid = codes >= 0
        at[codes[valid]] = first[valid]
        return at

    found: npt.NDArray[np.int64] = prep.cached(f"first:{name}", make)
    return found


def warm_columns(prep: Prepared, cols: Columns) -> None:
    """Make the cached look-ups `compare` reads (before worker processes are forked)."""
    _first_at(prep, "authors", cols.authors)
    _first_at(prep, "journal", cols.journal)
    _first_at(prep, "issue", cols.issue)


def compare(
    prep: Prepared, cols: Columns, pairs: npt.NDArray[np.int64], title: npt.NDArray[np.int8]
) -> Levels:
    """Every field's level for every pair."""
    a, b = pairs[:, 0], pairs[:, 1]
    lv = {
        "title": title,
        "authors": _authors(prep, cols, a, b),
        "journal": _journals(prep, cols, a, b),
        "volume": _equal(cols.volume, a, b, "volume"),
        "issue": _issues(prep, cols, a, b),
        "pages": _pages(cols, a, b),
    }
    lv["year"] = _years(cols, a, b, lv)
    return {**lv, "doi": _dois(cols, a, b, lv), "publisher": _publishers(prep, cols, a, b)}


def _dois(
    cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], lv: Levels
) -> npt.NDArray[np.int8]:
    """DOIs are the same, differ, or are missing. One article can carry two DOIs from two
    registrants (its publisher's and an archive's such as BioOne or JSTOR): DOIs of different
    registrants at one address (journal, volume, issue when both give one, and first page) are no
    evidence either way."""
    level = _equal(cols.doi, a, b, "doi")
    address = (
        (lv["journal"] == _index("journal", "agree"))
        & (lv["volume"] == _index("volume", "same"))
        & (lv["issue"] != _index("issue", "differ"))
        & (lv["pages"] == _index("pages", "same"))
    )
    two = (level == _index("doi", "differ")) & (cols.registrant[a] != cols.registrant[b]) & address
    return np.where(two, _index("doi", "missing"), level).astype(np.int8)


def _authors(
    prep: Prepared, cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    missing = (cols.authors[a] < 0) | (cols.authors[b] < 0)
    same = cols.authors[a] == cols.authors[b]
    at = _first_at(prep, "authors", cols.authors)
    names = LEVELS["authors"]

    def judge(x: int, y: int) -> int:
        i, j = int(at[x]), int(at[y])
        found = people.author_agreement(
            (prep.surnames[i], prep.givens[i]), (prep.surnames[j], prep.givens[j])
        )
        return names.index(found)

    judged = _judged(cols.authors[a], cols.authors[b], ~missing & ~same, judge)
    return np.where(
        missing, _index("authors", "missing"), np.where(same, _index("authors", "all"), judged)
    ).astype(np.int8)


def _journals(
    prep: Prepared, cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    """Journal names agree (either may abbreviate); two meetings' names are not compared: proceedings
    go by acronyms and editions ("AMCIS 2017 Proceedings", "Americas Conference on Information Systems")."""
    at = _first_at(prep, "journal", cols.journal)
    missing = (cols.journal[a] < 0) | (cols.journal[b] < 0)
    same = cols.journal[a] == cols.journal[b]

    def judge(x: int, y: int) -> int:
        verdict = venue.journals_agree(prep.journal[int(at[x])], prep.journal[int(at[y])])
        return _index("journal", "missing" if verdict is None else "agree" if verdict else "disagree")

    judged = _judged(cols.journal[a], cols.journal[b], ~missing & ~same, judge)
    level = np.where(
        missing, _index("journal", "missing"), np.where(same, _index("journal", "agree"), judged)
    )
    meetings = cols.meeting[a] & cols.meeting[b]
    return np.where(
        meetings & (level == _index("journal", "disagree")), _index("journal", "missing"), level
    ).astype(np.int8)


def _years(
    cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], lv: Levels
) -> npt.NDArray[np.int8]:
    """Years are the same, one apart (near), further apart, or missing. At one journal and volume a
    year one apart is no evidence either way: the volume already dates the item, and databases
    differ by one between an issue's cover year and its online or meeting year."""
    ya, yb = cols.year[a], cols.year[b]
    gap = np.abs(ya - yb)
    one_volume = (lv["journal"] == _index("journal", "agree")) & (lv["volume"] == _index("volume", "same"))
    level = np.select(
        [(ya == 0) | (yb == 0) | ((gap == 1) & one_volume), gap == 0, gap == 1], [3, 0, 1], default=2
    )
    return level.astype(np.int8)


def _issues(
    prep: Prepared, cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    level = _equal(cols.issue, a, b, "issue")
    at = _first_at(prep, "issue", cols.issue)
    values = prep.issue
    differ = level == _index("issue", "differ")

    def judge(x: int, y: int) -> int:
        agree = venue.issues_agree(values[int(at[x])] or "", values[int(at[y])] or "")
        return _index("issue", "same" if agree else "differ")

    # A double issue ("3-4") or a supplement ("S2") can agree with an issue written otherwise.
    judged = _judged(cols.issue[a], cols.issue[b], differ, judge)
    return np.where(differ, judged, level).astype(np.int8)


def _pages(cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    sa, sb, ea, eb = cols.page_start[a], cols.page_start[b], cols.page_end[a], cols.page_end[b]
    level = np.select(
        [(sa < 0) | (sb < 0), sa == sb, (sa <= eb) & (sb <= ea)],
        [_index("pages", "missing"), _index("pages", "same"), _index("pages", "overlap")],
        default=_index("pages", "differ"),
    )
    return level.astype(np.int8)


def other_ends(cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whole page ranges that end apart (5-11 and 5-7); a lone page (`240`, `240-240`) has no end to
    tell, and ends agreeing or unknown are no sign either way."""
    sa, sb, ea, eb = cols.page_start[a], cols.page_start[b], cols.page_end[a], cols.page_end[b]
    ends: npt.NDArray[np.bool_] = (ea > sa) & (eb > sb) & (ea != eb)
    return ends


def one_address(
    cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], lv: Levels
) -> npt.NDArray[np.bool_]:
    """The same page range, first and last page, in one issue where both give one: where a
    translation of one article sits, and not two abstracts printed on one page (1676-1677 and
    1676) nor two proceedings papers numbered from page 1 (1-13 and 1-10)."""
    same_range = (lv["pages"] == _index("pages", "same")) & (cols.page_end[a] == cols.page_end[b])
    found: npt.NDArray[np.bool_] = same_range & (lv["issue"] != _index("issue", "differ"))
    return found


def one_article(
    cols: Columns, a: npt.NDArray[np.int64], lv: Levels, address: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """One article's whole address: `one_address` (given) with a range of several pages, in one
    journal, volume and year. Two different articles cannot both fill it; a title in another language
    can (Industrielle Beziehungen 27(2) 205-226, in German and in English)."""
    several = cols.page_end[a] > cols.page_start[a]  # the same range on both sides (`address`)
    venue = (lv["journal"] == _index("journal", "agree")) & (lv["volume"] == _index("volume", "same"))
    found: npt.NDArray[np.bool_] = address & several & venue & (lv["year"] == _index("year", "same"))
    return found


def _publishers(
    prep: Prepared, cols: Columns, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    """Issuing organisations, compared only for records outside journals (reports, guidance)."""
    out = np.full(len(a), _index("publisher", "missing"), dtype=np.int8)
    for k in np.flatnonzero(cols.orgs[a] & cols.orgs[b]).tolist():
        shared = prep.orgs[int(a[k])] & prep.orgs[int(b[k])]
        out[k] = _index("publisher", "agree" if shared else "disagree")
    return out


def named(lv: Levels, k: int) -> dict[str, str]:
    """Pair k's levels by name, for the stored explanation. Pairs with the same levels share one
    dict (read it, do not change it): a million candidates hold a few thousand, not one each."""
    return _named(tuple((name, int(levels[k])) for name, levels in lv.items()))


@lru_cache(maxsize=8192)
def _named(key: tuple[tuple[str, int], ...]) -> dict[str, str]:
    return {name: LEVELS[name][level] for name, level in key}


def is_level(lv: Levels, name: str, *levels: str) -> npt.NDArray[np.bool_]:
    """Where field `name` is at any of `levels`."""
    return np.isin(lv[name], [LEVELS[name].index(x) for x in levels])
