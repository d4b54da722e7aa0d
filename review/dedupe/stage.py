"""`review dedupe` run: compare new records with everything stored, merge, queue, and log the run."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Text, or_, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from review import __version__
from review.db import utcnow, write_lock
from review.dedupe import weights, works
from review.dedupe.decisions import pending_count
from review.dedupe.engine import Clustering, cluster, find_candidates
from review.dedupe.match import MAX_BLOCK, SHORT_TITLE, WINDOWS, Candidate
from review.dedupe.prepare import FIELDS, Prepared, from_columns
from review.dedupe.score import Policy
from review.models import DedupePair, Record
from review.runtime import collector_paused
from review.stagerun import StageRunHandle, stage_run

STAGE = "dedupe"
AUTOMATION = "automation"


def method_text(policy: Policy) -> str:
    """How duplicates were found, for the report's PRISMA-S "deduplication method and software"."""
    apart = [
        "an erratum or comment and its article",
        "items of a series or numbered parts (titles differing only in years, quarters, editions or numbers)",
        "a review and its update",
    ]
    if not policy.preprint_is_work:
        apart.append("a preprint and its publication")
    if not policy.conference_is_work:
        apart.append("a conference version and the journal article")
    set_by_hand = "; ".join(f"{f} {lv}" for f, levels in weights.SET_VALUES.items() for lv in levels)
    return (
        f"review {__version__} dedupe: records sharing a DOI, OpenAlex ID, PMID, GOV.UK path or content "
        f"ID, or landing page were merged unless their titles, years or notices disagreed. Other pairs "
        f"were blocked on several keys (sorted neighbourhoods of title, reversed title and main title, "
        f"windows {'/'.join(map(str, WINDOWS))}; volume with first page; first author with year and one "
        f"of the two longest title words, or of an other-language title given with it; groups of up to "
        f"{MAX_BLOCK}), compared field by field and "
        f"weighed with Fellegi-Sunter weights (log2 m/u, estimated on the blocked pairs of "
        f"{weights.ESTIMATED_ON} with add-one smoothing, clipped at {weights.CLIP:g} bits; levels seen in "
        f"fewer than {weights.MIN_SEEN} pairs set by judgement: {set_by_hand}; a missing field weighs 0; "
        f"prior {weights.PRIOR:+.1f}; {weights.describe()}; title levels by rapidfuzz ratio on normalised "
        f"titles: exact equal, high 95+, contained (one title the start or end of the other, or a "
        f"subtitle dropped), good 90+, fair 80+, weak 60+, low below, short under {SHORT_TITLE} characters "
        f"and 90+; a title in another language given with a title, after `<ORIGINAL>` or in trailing "
        f"brackets, compared too; an erratum's citation of the corrected article left out of its title). "
        f"Two DOIs of different registrants (prefixes) at one journal, volume and first page were taken "
        f"for one article's (a publisher's and an archive's) and weighed as missing. Pairs with a match "
        f"probability of "
        f"{policy.auto:g} or more were merged automatically and from {policy.review:g} were decided by "
        f"a person, except that records with clearly different titles or by different people were "
        f"never merged automatically. Never merged, whatever the weights: records with different DOIs "
        f"(but for the two registrants above), "
        f"years more than one apart, different issues of one volume, or disjoint pages in one issue; "
        f"kept apart but linked as related items: {'; '.join(apart)}."
    )


@dataclass(frozen=True)
class DedupeResult:
    """What a run did; `flagged` holds record pairs that would join two screened works (queued instead)."""

    run_id: int
    examined: int
    new: int  # records compared with everything stored: new ones and those a re-import changed
    auto_merges: int
    queued: int
    works: int
    works_created: int
    works_merged: int
    flagged: tuple[tuple[int, int], ...]
    changed: int = 0  # of `new`, records a re-import changed (they had works already)
    related: dict[str, int] = dataclasses.field(default_factory=dict)  # links stored this run, by kind


def _load(session: Session) -> dict[str, list[Any]]:
    # Columns, not a dict per row: half the memory for a million records; rows are fetched a batch
    # at a time (yield_per), not all buffered first (~300 MB less at a million records).
    table = Record.__table__  # type: ignore[attr-defined]
    names = (*FIELDS, "work_id", "recompare")
    cols: dict[str, list[Any]] = {name: [] for name in names}
    appends = [cols[name].append for name in names]
    # Author lists as their JSON text, decoded when normalised: a list of strings per record would
    # hold ~200 MB more at a million records.
    columns = [type_coerce(table.c[n], Text) if n == "authors" else table.c[n] for n in names]
    query = select(*columns).order_by(table.c.id)
    for row in session.execute(query.execution_options(yield_per=20_000)):
        for append, value in zip(appends, row, strict=True):
            append(value)
    return cols


def _kept_apart(session: Session, pos: dict[int, int]) -> list[tuple[int, int]]:
    pair = DedupePair.__table__  # type: ignore[attr-defined]
    query = select(pair.c.record_a, pair.c.record_b).where(
        or_(pair.c.decision == "keep_both", pair.c.undone_at.is_not(None))
    )
    return [(pos[a], pos[b]) for a, b in session.execute(query) if a in pos and b in pos]


def _save_pairs(session: Session, prep: Prepared, cands: Sequence[Candidate]) -> None:
    now = utcnow()
    rows = []
    for c in cands:
        merged = c.band == "auto"
        rows.append(
            {
                "record_a": int(prep.ids[c.i]),
                "record_b": int(prep.ids[c.j]),
                "rule": c.rule,
                "scores": c.scores,
                "band": c.band,
                "relation": c.relation,
                "decision": "merge" if merged else None,
                "decided_by": AUTOMATION if merged else None,
                "decided_at": now if merged else None,
                "created_at": now,
            }
        )
    table = DedupePair.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), 2000):
        session.execute(dialect.insert(table).on_conflict_do_nothing(), rows[start : start + 2000])


def _assign(
    session: Session, prep: Prepared, roots: np.ndarray[Any, Any], old: list[int | None]
) -> tuple[int, int, set[int]]:
    """Point records at works; returns (works created, works absorbed, works needing a refresh)."""
    comps: dict[int, list[int]] = {}
    for pos, root in enumerate(roots.tolist()):
        comps.setdefault(root, []).append(pos)
    touched = [members for members in comps.values() if any(prep.new[m] for m in members)]
    existing = {w for members in touched for m in members if (w := old[m]) is not None}
    anchored = works.anchored_works(session, existing)
    created = sum(all(old[m] is None for m in ms) for ms in touched)
    fresh_ids = works.create_works(session, created)
    fresh = iter(fresh_ids)
    moves: dict[int, int] = {}
    absorbed: set[int] = set()
    several: set[int] = set()  # works of more than one record: their fields need choosing
    for members in touched:
        have = {w for m in members if (w := old[m]) is not None}
        target = works.survivor(have, anchored) if have else next(fresh)
        absorbed |= have - {target}
        moves.update({int(prep.ids[m]): target for m in members if old[m] != target})
        if have or len(members) > 1:
            several.add(target)
    works.set_work_ids(session, moves)
    works.delete_empty(session, absorbed)
    if fresh_ids:
        works.copy_single(session, min(fresh_ids))
    return created, len(absorbed), several


def _compared_again(session: Session) -> None:
    table = Record.__table__  # type: ignore[attr-defined]
    session.execute(update(table).where(table.c.recompare).values(recompare=False))


def _mark_refused(clustering: Clustering) -> None:
    for cand, reason in clustering.refused:
        cand.band = "review"
        cand.scores["guard"] = reason


def run(session: Session, *, policy: Policy | None = None, protocol_hash: str | None = None) -> DedupeResult:
    """Give every record a work: compare new records with all stored ones, merge or queue pairs."""
    with collector_paused(), stage_run(session, STAGE, protocol_hash=protocol_hash) as logged:
        result = _run(session, policy or Policy(), logged)
    assert logged.run_id is not None
    return dataclasses.replace(result, run_id=logged.run_id)


def _run(session: Session, policy: Policy, logged: StageRunHandle) -> DedupeResult:
    # Read-then-write: a second dedupe (or an import) must not place records from the same stale
    # view, so the write lock is taken before the records are read.
    write_lock(session)
    cols = _load(session)
    old: list[int | None] = cols.pop("work_id")
    # New records, and records a re-import changed (compared again; they keep their works).
    again = cols.pop("recompare")
    new = np.fromiter((w is None or a for w, a in zip(old, again, strict=True)), dtype=bool, count=len(old))
    changed = sum(1 for w, a in zip(old, again, strict=True) if a and w is not None)
    del again
    new_count = int(new.sum())
    created = merged_works = 0
    cands: list[Candidate] = []
    flagged: list[tuple[int, int]] = []
    if new_count:
        prep = from_columns(cols, new, consume=True)
        del cols  # the raw fields are not needed once normalised (about 1 GB per million records)
        pos = {int(rid): k for k, rid in enumerate(prep.ids)}
        cands = find_candidates(prep, policy)
        groups: dict[int, list[int]] = {}
        for k, w in enumerate(old):
            if w is not None:
                groups.setdefault(w, []).append(k)
        anchored_ids = works.anchored_works(session, groups)
        anchored = np.array([w in anchored_ids for w in old], dtype=bool)
        clustering = cluster(prep, cands, groups.values(), _kept_apart(session, pos), anchored)
        prep.release()  # only IDs are needed from here: ~400 MB back at a million records
        _mark_refused(clustering)
        flagged = [
            (int(prep.ids[c.i]), int(prep.ids[c.j]))
            for c, why in clustering.refused
            if why == "both_screened"
        ]
        _save_pairs(session, prep, cands)
        created, merged_works, touched = _assign(session, prep, clustering.roots, old)
        works.refresh(session, touched)
        _compared_again(session)
    result = _finish(session, logged, len(old), new_count, cands, created, merged_works, flagged, policy)
    related = Counter(c.relation for c in cands if c.band == "related" and c.relation)
    return dataclasses.replace(result, changed=changed, related=dict(related))


def _finish(
    session: Session,
    logged: StageRunHandle,
    examined: int,
    new: int,
    cands: Sequence[Candidate],
    created: int,
    merged_works: int,
    flagged: list[tuple[int, int]],
    policy: Policy,
) -> DedupeResult:
    bands = Counter(c.band for c in cands)
    work_count = works.count(session)
    queued = pending_count(session)
    logged.counts = {
        "records_examined": examined,
        "new_records": new,  # with the records a re-import changed, compared again
        "auto_merges": bands["auto"],
        "queued_pairs": queued,
        "distinct_near_misses": bands["distinct"],
        "related_links": bands["related"],
        "works": work_count,
        "works_created": created,
        "works_merged": merged_works,
        "flagged_both_screened": len(flagged),
        "method": method_text(policy),
    }
    return DedupeResult(
        run_id=0,  # the stage_run row is written when the run ends (run() fills this in)
        examined=examined,
        new=new,
        auto_merges=bands["auto"],
        queued=queued,
        works=work_count,
        works_created=created,
        works_merged=merged_works,
        flagged=tuple(flagged),
    )
