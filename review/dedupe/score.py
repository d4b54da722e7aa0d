"""Field-aware acceptance: turn a title match into a band, with the evidence that decided it.

Precision first (methods §5): a merge needs the title and agreeing fields; any conflicting field
(year apart by more than one, different DOIs, volumes, first pages, document classes or notices)
keeps the pair from automatic merging.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from review.dedupe.match import MIN_AUTO_TITLE, Candidate, Thresholds
from review.dedupe.prepare import Prepared

GOVUK = "govuk"


def _authors(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    if not a or not b:
        return "unknown"
    if a[0] == b[0] or fuzz.ratio(a[0], b[0]) >= 80:
        return "agree"
    shared = len(set(a) & set(b))
    return "agree" if shared and shared / min(len(set(a)), len(set(b))) >= 0.5 else "disagree"


def _abbreviates(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Each word of `short` starts a later word of `long`, in order (`curr opin` ~ `current opinion`)."""
    k = 0
    for word in short:
        while k < len(long) and not long[k].startswith(word):
            k += 1
        if k == len(long):
            return False
        k += 1
    return True


@lru_cache(maxsize=65536)
def journal_agreement(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    """`agree`, `disagree` or `unknown`: abbreviations and small spelling differences agree."""
    if not a or not b:
        return "unknown"
    short, long = sorted((a, b), key=len)
    if _abbreviates(short, long) or fuzz.token_set_ratio(" ".join(a), " ".join(b)) >= 85:
        return "agree"
    return "disagree"


def _same(x: str | None, y: str | None) -> bool | None:
    return None if x is None or y is None else x == y


def conflicts(prep: Prepared, i: int, j: int) -> list[str]:
    """Fields on which two records contradict each other (empty when none does)."""
    out = []
    year_i, year_j = int(prep.year[i]), int(prep.year[j])
    if year_i and year_j and abs(year_i - year_j) > 1:
        out.append("year")
    for name, col in (("doi", prep.keys["doi"]), ("volume", prep.volume), ("pages", prep.page)):
        if _same(col[i], col[j]) is False:
            out.append(name)
    if _same(prep.doc_class[i], prep.doc_class[j]) is False:
        out.append("doc_type")
    if prep.notice[i] != prep.notice[j]:
        out.append("notice")
    return out


def _org_evidence(prep: Prepared, i: int, j: int) -> str:
    a, b = prep.orgs[i], prep.orgs[j]
    if not a or not b:
        return "unknown"
    return "agree" if a & b else "disagree"


def score_pair(prep: Prepared, i: int, j: int, full: float, main: float, limits: Thresholds) -> Candidate:
    """The band of a title-matched pair, with the scores and fields that put it there."""
    title = max(full, main)
    scores: dict[str, Any] = {"title": round(float(full), 1)}
    if main > full:
        scores["main_title"] = round(float(main), 1)
    authors = _authors(prep.surnames[i], prep.surnames[j])
    scores["authors"] = authors
    scores["journal"] = journal_agreement(prep.journal[i], prep.journal[j])
    clash = conflicts(prep, i, j)
    if clash:
        scores["conflicts"] = clash
    rule = "fuzzy_title+year+authors"
    govuk = (prep.source[i] == GOVUK) != (prep.source[j] == GOVUK)
    if govuk:
        rule = "govuk_title+year+publisher"
        scores["publisher"] = _org_evidence(prep, i, j)
    band = _band(prep, i, j, title, scores, limits, govuk)
    return Candidate(i, j, rule, band, scores)


def _band(
    prep: Prepared, i: int, j: int, title: float, scores: dict[str, Any], limits: Thresholds, govuk: bool
) -> str:
    clash = scores.get("conflicts", [])
    if title < limits.review or "year" in clash or "notice" in clash:
        return "distinct"
    short = min(len(prep.title[i]), len(prep.title[j])) < MIN_AUTO_TITLE
    if "main_title" in scores and len(prep.main[i]) < 2 * MIN_AUTO_TITLE:
        short = True  # a short main title alone says too little
    if short or not (prep.year[i] and prep.year[j]):
        return "review"
    if govuk:
        agree = scores["publisher"] == "agree" and title >= max(limits.auto, 97) and not clash
        return "auto" if agree else "review"
    return "auto" if _corroborated(prep, i, j, title, scores, limits) else "review"


def _corroborated(
    prep: Prepared, i: int, j: int, title: float, scores: dict[str, Any], limits: Thresholds
) -> bool:
    """Enough agreeing fields beside the title to merge without a person (tiers, strictest first)."""
    clash = scores.get("conflicts", [])
    authors = scores["authors"] == "agree"
    if scores["journal"] == "disagree":
        # The same abstract at two meetings looks like this: only identical author lists and year pass.
        return (
            not clash and title >= limits.auto and prep.year[i] == prep.year[j] and _same_authors(prep, i, j)
        )
    if not clash:
        if title >= limits.auto and (authors or (title >= 98 and _located(prep, i, j))):
            return True
        # A near-identical title (a lost Greek letter, a typo) backed by authors and journal address
        return title >= limits.auto - 5 and authors and _located(prep, i, j)
    # A typo in the page field: identical title, authors, year and volume outweigh it
    return (
        clash == ["pages"]
        and title >= 98
        and authors
        and len(prep.surnames[i]) > 1
        and prep.year[i] == prep.year[j]
        and prep.volume[i] is not None
        and prep.volume[i] == prep.volume[j]
    )


def _same_authors(prep: Prepared, i: int, j: int) -> bool:
    a, b = prep.surnames[i], prep.surnames[j]
    if not a or not b or a[0] != b[0]:
        return False
    return len(set(a) & set(b)) / len(set(a) | set(b)) >= 0.8


def _located(prep: Prepared, i: int, j: int) -> bool:
    """Both records give the same volume and first page: an address in a journal, as good as authors."""
    return (
        prep.volume[i] is not None
        and prep.volume[i] == prep.volume[j]
        and _same(prep.page[i], prep.page[j]) is True
    )


def score_identifier(prep: Prepared, i: int, j: int, name: str, full: float, main: float) -> Candidate:
    """A pair sharing an identifier: merged unless the titles or years say it is a different item."""
    scores: dict[str, Any] = {name: prep.keys[name][i], "title": round(float(max(full, main)), 1)}
    clash = [c for c in conflicts(prep, i, j) if c not in ("pages", "volume", "doc_type", name)]
    if clash:
        scores["conflicts"] = clash
    titled = bool(prep.title[i]) and bool(prep.title[j])
    band = "review" if clash or (titled and max(full, main) < 60) else "auto"
    return Candidate(i, j, name, band, scores)
