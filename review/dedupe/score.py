"""Candidate pairs, compared field by field: the non-duplicate policy, the weight of the evidence,
and the band each pair falls in.

Policy before weights (methods §5): an erratum or comment and its article, items of a series, numbered
parts, a conference and a journal version, a preprint and its publication, a review and its update
are different items, kept apart and linked (`related`); different DOIs, years far apart, different
issues of one volume, disjoint pages in one issue, or (for reports with nothing else to compare) a
title word put for an unrelated one are different works (`distinct`). Neither ever
reaches a person's queue. Everything else is weighed (`weights.py`) into a match probability: merged
automatically at or above `auto`, queued for a person at or above `review`; but two clearly different
titles, or different people, are never merged automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from review.dedupe import fields, weights
from review.dedupe.compare import (
    LEVELS,
    Columns,
    Levels,
    compare,
    is_level,
    named,
    one_address,
    one_article,
    other_ends,
)
from review.dedupe.match import TITLE_LEVELS, Candidate
from review.dedupe.prepare import Prepared
from review.protocol import Dedupe as DedupeSettings
from review.states import Band

# Title levels close enough for two items to be versions, parts or notices of one another.
SIMILAR = ("exact", "high", "good", "fair", "contained", "short")
SAME_TITLE = ("exact", "high", "short")
BARE = ("authors", "journal", "volume", "issue", "pages", "doi")  # all missing: a report's evidence
# Preprint servers' DOI prefixes: bioRxiv/medRxiv, arXiv, Research Square, SSRN, PsyArXiv/OSF, Preprints.
PREPRINT_DOI = ("10.1101/", "10.48550/", "10.21203/", "10.2139/", "10.31234/", "10.31235/", "10.20944/")
BANDS = tuple(Band)


@dataclass(frozen=True)
class Policy:
    """Match probabilities bounding the bands, and which related items count as one work."""

    auto: float = 0.999
    review: float = 0.2
    preprint_is_work: bool = False  # a preprint and its published version as one work
    conference_is_work: bool = False  # a conference paper/abstract and the journal article as one work

    @classmethod
    def of(cls, settings: DedupeSettings) -> Policy:
        """The protocol's `[dedupe]` settings as a policy."""
        return cls(
            settings.auto_merge, settings.review, settings.preprint_is_work, settings.conference_is_work
        )


def total_weight(lv: Levels) -> npt.NDArray[np.float64]:
    """Each pair's weight in bits: the prior plus each field's level weight (conflict levels weigh 0)."""
    total = np.full(len(lv["title"]), weights.PRIOR)
    for name, levels in lv.items():
        table = np.array([weights.WEIGHTS[name].get(level, 0.0) for level in LEVELS[name]])
        total += table[levels]
    return total


def _another_issue(lv: Levels, ends: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Different issues (the pages not agreeing) or disjoint pages in one issue, of one volume. Pages
    agree only as ranges: a first page shared by whole ranges that end apart (5-11 and 5-7, each
    issue's editorial) does not outweigh the issues."""
    pages = ~is_level(lv, "pages", "same") | ends
    possible = ~is_level(lv, "year", "far") & ~is_level(lv, "volume", "differ") & pages
    issue_differs = is_level(lv, "issue", "differ")
    return possible & (issue_differs | (is_level(lv, "issue", "same") & is_level(lv, "pages", "differ")))


def relations(
    prep: Prepared,
    cols: Columns,
    pairs: npt.NDArray[np.int64],
    lv: Levels,
    policy: Policy,
    ends: npt.NDArray[np.bool_],
) -> npt.NDArray[Any]:
    """The kind of link per pair when its records are different items of one work (else None);
    `ends` marks whole page ranges that end apart (`compare.other_ends`)."""
    a, b = pairs[:, 0], pairs[:, 1]
    out = np.full(len(a), None, dtype=object)
    similar = is_level(lv, "title", *SIMILAR)
    same_title = is_level(lv, "title", *SAME_TITLE)
    # Filled from the weakest reason to the strongest, so the strongest is what remains.
    meetings = cols.meeting[a].astype(int) + cols.meeting[b]
    # A meeting's abstract in a journal's supplement and the same title in another journal: the
    # article, or the abstract given at a second meeting (one paper at two conferences).
    held = cols.meeting | cols.supplement
    elsewhere = is_level(lv, "volume", "differ") | is_level(lv, "pages", "differ")
    # The same pages (first and last) in one journal: one item, whatever the volumes say (an export
    # that writes a supplement's number as the volume: `1` for 62 Suppl. 1).
    same_pages = is_level(lv, "pages", "same") & ~ends
    # In one journal too, in another volume and year at other pages (an ATS abstract, the paper a
    # year later); in one year, a differing volume is likelier an export's supplement number.
    later = is_level(lv, "volume", "differ") & ~same_pages & ~is_level(lv, "year", "same")
    apart = is_level(lv, "journal", "disagree") | later
    abstract = (held[a] | held[b]) & apart
    venues = same_title & elsewhere & ((meetings == 2) | abstract)
    # One title issued by one organisation (outside journals) in different years: a series' releases
    # ("Ad Hoc Alcohol Monitoring Statistics", 2021 and 2022). One year apart only within one source:
    # between sources it is as likely one report dated two ways (GOV.UK's release, OpenAlex's year).
    reissued = same_title & cols.orgs[a] & cols.orgs[b] & ~is_level(lv, "publisher", "disagree")
    out[reissued & is_level(lv, "year", "far")] = "series"
    _each(out, reissued & is_level(lv, "year", "near"), pairs, lambda i, j: _one_source_series(prep, i, j))
    # One title by the same people years apart: a new version or edition (a review's update).
    out[same_title & is_level(lv, "year", "far") & is_level(lv, "authors", "all", "most")] = "update"
    # One title in successive volumes of one journal, each dated by its own year: a recurring
    # column (unless one is a meeting's abstract: then the article, below).
    volumes = is_level(lv, "journal", "agree") & is_level(lv, "volume", "differ") & ~same_pages
    out[same_title & volumes & is_level(lv, "year", "near")] = "series"
    if not policy.conference_is_work:
        out[venues] = "conference_version"
    out[same_title & ~is_level(lv, "journal", "disagree") & _another_issue(lv, ends)] = "series"
    kinds = (
        similar
        & (cols.doc_class[a] >= 0)
        & (cols.doc_class[b] >= 0)
        & (cols.doc_class[a] != cols.doc_class[b])
    )
    _each(out, kinds, pairs, lambda i, j: _kind_relation(prep.doc_class[i], prep.doc_class[j], policy))
    doi = similar & is_level(lv, "doi", "differ")
    _each(
        out,
        doi,
        pairs,
        lambda i, j: _doi_relation(prep.keys["doi"][i] or "", prep.keys["doi"][j] or "", policy),
    )
    _each(
        out,
        similar & (lv["title"] != TITLE_LEVELS.index("exact")),
        pairs,
        lambda i, j: _marks_relation(prep, i, j),
    )
    _each(
        out,
        similar,
        pairs,
        lambda i, j: _notice_relation(prep.notice(i), prep.notice(j)),
    )
    return out


def _notice_relation(a: str | None, b: str | None) -> str | None:
    """The notice one record is and the other is not (each title read once: at a million records
    most pairs have similar titles, and reading each twice cost ~2 CPU s)."""
    return (a or b) if a != b else None


def _each(out: npt.NDArray[Any], where: npt.NDArray[np.bool_], pairs: npt.NDArray[np.int64], fn: Any) -> None:
    """out[k] = fn(i, j) for the pairs `where` marks, when fn finds a relation."""
    for k in np.flatnonzero(where).tolist():
        found = fn(int(pairs[k, 0]), int(pairs[k, 1]))
        if found:
            out[k] = found


def _bare(lv: Levels) -> npt.NDArray[np.bool_]:
    """Pairs with nothing to compare but titles, years and publishers (reports, web pages)."""
    bare = np.ones(len(lv["title"]), dtype=bool)
    for name in BARE:
        bare &= is_level(lv, name, "missing")
    return bare


def _swapped(prep: Prepared, i: int, j: int) -> str | None:
    """`title` when a word of one title is put for an unrelated word in the other: with nothing
    else to compare, that word is all that tells two reports apart, so it decides."""
    return "title" if fields.swapped_words(prep.title[i], prep.title[j]) else None


def _one_source_series(prep: Prepared, i: int, j: int) -> str | None:
    return "series" if prep.source[i] == prep.source[j] else None


def _marks_relation(prep: Prepared, i: int, j: int) -> str | None:
    found = fields.marks_relation(prep.marks(i), prep.marks(j))
    return found if found and fields.same_series(prep.title[i], prep.title[j]) else None


def _kind_relation(a: str | None, b: str | None, policy: Policy) -> str | None:
    kinds = {a, b}
    if "preprint" in kinds and not policy.preprint_is_work:
        return "preprint"
    # A paper in proceedings printed as a book series (LNCS, CCIS) is a chapter in one database's
    # terms and a conference paper in another's: one item, not a version of the other.
    if "conference" in kinds and "chapter" not in kinds and not policy.conference_is_work:
        return "conference_version"
    return None


def _doi_relation(a: str, b: str, policy: Policy) -> str | None:
    if a.startswith(PREPRINT_DOI) != b.startswith(PREPRINT_DOI):
        return None if policy.preprint_is_work else "preprint"
    if ".pub" in a + b and a.split(".pub")[0] == b.split(".pub")[0]:
        return "update"  # Cochrane: CD012345.pub2 updates CD012345
    return None


def _subject(prep: Prepared, i: int, j: int, relation: str, scores: dict[str, Any]) -> None:
    """Name the record a directed relation describes (relations.SUBJECT): the erratum or comment, the
    preprint or conference version, the later version; series and parts have no direction."""
    if relation in ("erratum", "comment", "announcement"):
        pick = i if prep.notice(i) == relation else j if prep.notice(j) == relation else None
    elif relation in ("preprint", "conference_version"):
        kind = "preprint" if relation == "preprint" else "conference"
        doi_i = (prep.keys["doi"][i] or "").startswith(PREPRINT_DOI)
        pick = i if prep.doc_class[i] == kind or (relation == "preprint" and doi_i) else None
        pick = j if pick is None and (prep.doc_class[j] == kind or relation == "preprint") else pick
    elif relation == "update":
        pick = (
            i
            if int(prep.year[i]) > int(prep.year[j])
            or (prep.keys["doi"][i] or "") > (prep.keys["doi"][j] or "")
            else j
        )
    else:
        pick = None
    if pick is not None:
        scores["subject"] = int(prep.ids[pick])


def conflicts(lv: Levels, ends: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """The field that makes two records different works, whatever else agrees (else None); `ends`
    marks whole page ranges that end apart (`compare.other_ends`)."""
    out = np.full(len(lv["title"]), None, dtype=object)
    another = _another_issue(lv, ends)
    out[another & is_level(lv, "issue", "same")] = "pages"
    out[another & is_level(lv, "issue", "differ")] = "issue"
    out[is_level(lv, "year", "far")] = "year"
    out[is_level(lv, "doi", "differ")] = "doi"
    return out


def bands(
    lv: Levels,
    p: npt.NDArray[np.float64],
    policy: Policy,
    address: npt.NDArray[np.bool_],
    article: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int8]:
    """Bands by probability; but two clearly different titles are never merged automatically, however
    much else agrees (abstracts printed on one page of a supplement), nor records by different
    people; records with different titles reach a person only when the same people wrote both, and,
    for titles that share almost nothing (a translation, or another paper by the group), at one
    `address` (`compare.one_address`). One exception: the same people at one `article`'s whole
    address (`compare.one_article`) are one article whatever language its title is in."""
    reach = p >= policy.review
    unlike = is_level(lv, "title", "low", "weak")
    located = is_level(lv, "title", "weak") | address
    same_people = is_level(lv, "authors", "all", "most")
    other_people = is_level(lv, "authors", "some", "none")
    band = np.select(
        [
            unlike & article & is_level(lv, "authors", "all") & (p >= policy.auto),
            unlike & reach & same_people & located,
            unlike,
            other_people & reach,
            other_people,
            p >= policy.auto,
            reach,
        ],
        [0, 1, 2, 1, 2, 0, 1],
        default=2,
    )
    return band.astype(np.int8)


def score_pairs(
    prep: Prepared,
    cols: Columns,
    pairs: npt.NDArray[np.int64],
    title: npt.NDArray[np.int8],
    ratio: npt.NDArray[np.float32],
    policy: Policy,
) -> list[Candidate]:
    """Candidates worth keeping (merged, queued, related, or a near miss with a similar title)."""
    lv = compare(prep, cols, pairs, title)
    total = total_weight(lv)
    p = weights.probability(total)
    a, b = pairs[:, 0], pairs[:, 1]
    ends, address = other_ends(cols, a, b), one_address(cols, a, b, lv)
    band = bands(lv, p, policy, address, one_article(cols, a, lv, address))
    link, clash = relations(prep, cols, pairs, lv, policy, ends), conflicts(lv, ends)
    bare = (band == BANDS.index("review")) & (clash == None) & _bare(lv)  # noqa: E711 (elementwise)
    _each(clash, bare, pairs, lambda i, j: _swapped(prep, i, j))
    band[clash != None] = BANDS.index("distinct")  # noqa: E711 (elementwise)
    band[link != None] = BANDS.index("related")  # noqa: E711
    # Near misses are kept to explain them: one title with a conflict, or a fair chance.
    near = (clash != None) & is_level(lv, "title", *SAME_TITLE) | (p >= 0.05)  # noqa: E711
    keep = (band != BANDS.index("distinct")) | near
    out = []
    for k in np.flatnonzero(keep).tolist():
        scores: dict[str, Any] = {"title": round(float(ratio[k]), 1), "levels": named(lv, k)}
        scores.update(weight=round(float(total[k]), 2), p=weights.kept(float(p[k])))
        if link[k] is not None:
            scores["relation"] = link[k]
            _subject(prep, int(pairs[k, 0]), int(pairs[k, 1]), link[k], scores)
        elif clash[k] is not None:
            scores["conflicts"] = [clash[k]]
        out.append(
            Candidate(int(pairs[k, 0]), int(pairs[k, 1]), "match_score", BANDS[band[k]], scores, link[k])
        )
    return out


def score_identifiers(
    prep: Prepared,
    cols: Columns,
    found: list[tuple[int, int, str]],
    title: npt.NDArray[np.int8],
    ratio: npt.NDArray[np.float32],
    policy: Policy,
) -> list[Candidate]:
    """Pairs sharing an identifier: merged unless the item differs (an erratum, another edition on one
    landing page, another year) or the titles disagree; an identifier a whole supplement shares, with
    nothing else agreeing, is no match."""
    pairs = np.array([(i, j) for i, j, _ in found], dtype=np.int64).reshape(-1, 2)
    lv = compare(prep, cols, pairs, title)
    a, b = pairs[:, 0], pairs[:, 1]
    link = relations(prep, cols, pairs, lv, policy, other_ends(cols, a, b))
    lv_id = {**lv, "doi": np.full(len(pairs), LEVELS["doi"].index("same"), dtype=np.int8)}
    p = weights.probability(total_weight(lv_id))
    address = one_address(cols, a, b, lv_id)
    band = bands(lv_id, p, policy, address, one_article(cols, a, lv_id, address))
    far, unlike = is_level(lv, "year", "far").tolist(), is_level(lv, "title", "low", "weak").tolist()
    # Another journal, volume and pages all at once: an identifier a database attached to the wrong
    # item (a meeting abstract given its later article's DOI) is likelier than three slips.
    elsewhere = (
        is_level(lv, "journal", "disagree")
        & is_level(lv, "volume", "differ")
        & is_level(lv, "pages", "differ")
    ).tolist()
    out = []
    for k, (i, j, name) in enumerate(found):
        scores: dict[str, Any] = {
            name: prep.keys[name][i],
            "title": round(float(ratio[k]), 1),
            "levels": named(lv, k),
        }
        if link[k] not in (
            None,
            "conference_version",
            "preprint",
        ):  # one identifier: one item, whatever its type
            scores["relation"] = link[k]
            _subject(prep, i, j, link[k], scores)
            out.append(Candidate(i, j, name, "related", scores, link[k]))
        elif far[k] or elsewhere[k]:
            scores["conflicts"] = ["year"] if far[k] else ["journal", "volume", "pages"]
            out.append(Candidate(i, j, name, "review", scores))
        elif not unlike[k]:
            out.append(Candidate(i, j, name, "auto", scores))
        else:
            scores["p"] = weights.kept(float(p[k]))
            out.append(Candidate(i, j, name, BANDS[band[k]], scores))
    return out
