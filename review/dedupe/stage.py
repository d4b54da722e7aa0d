"""`review dedupe` run: compare new records with everything stored, merge, queue, and log the run."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Text, func, or_, select, type_coerce, update
from sqlmodel import Session

from review import __version__
from review.db import bind_mark, utcnow, write_lock
from review.dedupe import parallel, weights, works
from review.dedupe.decisions import pending_count
from review.dedupe.engine import Clustering, cluster, find_candidates
from review.dedupe.match import MAX_BLOCK, SHORT_TITLE, WINDOWS, Candidate
from review.dedupe.prepare import FIELDS, Prepared, assemble, normalise
from review.dedupe.score import Policy
from review.models import DedupePair, Record
from review.runtime import collector_paused
from review.stagerun import StageRunHandle, stage_run

STAGE = "dedupe"
AUTOMATION = "automation"


def method_text(policy: Policy) -> str:
    """How duplicates were found, for the report's PRISMA-S "deduplication method and software"."""
    apart = [
        "an erratum or comment and its article (an erratum: a title opening Erratum, Corrigendum, "
        "Correction or Retraction, citing the corrected article's volume and page, or closing as APA "
        "writes one: `Correction to Lee et al. (2014)`; a comment: a title opening or closing as a reply, "
        "response or letter, replying to named authors, or a book review citing an ISBN or page count)",
        "items of a series or numbered parts (titles differing only in years, quarters, editions or "
        "numbers; one title issued by one organisation outside journals in years more than one apart, "
        "or one apart in one source's records; one title in different issues of one volume, or in "
        "successive volumes of one journal a year apart at other pages: a recurring column)",
        "a review and its update",
        "a statistics release and its announcement (a title opening `Intention to publish`, "
        "`Pre-release access list` or `Statistics release announcement`)",
    ]
    if not policy.preprint_is_work:
        apart.append("a preprint and its publication")
    if not policy.conference_is_work:
        apart.append(
            "a conference version and the journal article, or one abstract given at two meetings "
            "(one title in a meeting's proceedings or a journal's supplement, by supplement issue, "
            "`S` pages or pages named `MeetingAbstracts`, and in another journal, or in another volume "
            "and year of the same journal at other pages; a proceedings paper one database types a book "
            "chapter, as in a book series such as LNCS, is the same paper)"
        )
    set_by_hand = "; ".join(f"{f} {lv}" for f, levels in weights.SET_VALUES.items() for lv in levels)
    return (
        f"review {__version__} dedupe: records sharing a DOI, OpenAlex ID, PMID, GOV.UK path or content "
        f"ID, or landing page were merged unless their titles, years or notices disagreed (and waited "
        f"for a person when journal, volume and pages all disagreed: an identifier attached to the "
        f"wrong item). Other pairs "
        f"were blocked on several keys (sorted neighbourhoods of title, reversed title and main title, "
        f"windows {'/'.join(map(str, WINDOWS))}; volume with first page; first author with year and one "
        f"of the two longest title words, or of an other-language title given with it; groups of up to "
        f"{MAX_BLOCK}), compared field by field and "
        f"weighed with Fellegi-Sunter weights (log2 m/u, estimated on the blocked pairs of "
        f"{weights.ESTIMATED_ON} with add-one smoothing, clipped at {weights.CLIP:g} bits; levels seen in "
        f"fewer than {weights.MIN_SEEN} pairs set by judgement: {set_by_hand}; a missing field weighs 0, "
        f"and an unsigned item's placeholder for its authors (`Anonymous`, `No authorship indicated`) "
        f"is missing; "
        f"prior {weights.PRIOR:+.1f}; {weights.describe()}; title levels by rapidfuzz ratio on normalised "
        f"titles: exact equal, high 95+, contained (one title the start or end of the other, or a "
        f"subtitle dropped), good 90+, fair 80+, weak 60+, low below, short under {SHORT_TITLE} characters "
        f"and 90+; a title in another language given with a title, after `<ORIGINAL>` or in trailing "
        f"brackets, compared too; an erratum's citation of the corrected article left out of its title). "
        f"Two DOIs of different registrants (prefixes) at one journal, volume, issue (where both give "
        f"one) and first page were taken "
        f"for one article's (a publisher's and an archive's) and weighed as missing, as was a year one "
        f"apart at one journal and volume (the volume dates the item), and pages that give a length "
        f"(`215 p.`, a thesis or book) rather than a place. Pairs with a match "
        f"probability of "
        f"{policy.auto:g} or more were merged automatically and from {policy.review:g} were decided by "
        f"a person, except that records with clearly different titles or by different people were "
        f"never merged automatically (but for records by all the same people filling one article's "
        f"whole address: one journal, volume, issue where both give one, year and range of several "
        f"pages, first and last: a title in another language), and records with clearly different "
        f"titles reached a person only "
        f"when the same people wrote both and, for titles sharing almost nothing (a translation), at "
        f"one address: the same page range, first and last page, in one issue where both give one "
        f"(not two abstracts on one page, 1676 and 1676-1677, nor proceedings that number every "
        f"paper from page 1). Never merged, whatever the weights: records with different DOIs "
        f"(but for the two registrants above), "
        f"years more than one apart, different issues of one volume (unless both give the same pages; "
        f"one first page of two whole ranges that end apart, such as 5-11 and 5-7, is not the same "
        f"pages), or disjoint pages in one issue; nor "
        f"records with nothing but titles, years and publishers to compare whose titles put a word for "
        f"an unrelated one (not a spelling, nor an abbreviation: `Criminal court statistics` and "
        f"`Family court statistics`); "
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
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)  # wall time by phase, in order


class _Clock:
    """Wall seconds per phase of a run, in order (the benchmark prints where the time goes)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(now - self._last, 3)
        self._last = now


_LOADED = (*FIELDS, "work_id", "recompare")
BATCH = 25_000  # records read and normalised at a time (one task of the worker pool)
PARALLEL_FROM = 20_000  # records in the store from which worker processes are used


def _query() -> Any:
    # Author lists as their JSON text, decoded when normalised: a list of strings per record would
    # hold ~200 MB more at a million records.
    table = Record.__table__  # type: ignore[attr-defined]
    columns = [type_coerce(table.c[n], Text) if n == "authors" else table.c[n] for n in _LOADED]
    return select(*columns).order_by(table.c.id)


def _load(session: Session) -> dict[str, list[Any]]:
    """Every record's FIELDS, work and recompare flag, as columns (for tools; `run` streams them)."""
    cols: dict[str, list[Any]] = {name: [] for name in _LOADED}
    for rows in session.execute(_query().execution_options(yield_per=BATCH)).partitions():
        for name, values in zip(_LOADED, zip(*rows, strict=True), strict=True):
            cols[name].extend(values)
    return cols


@dataclass
class _Loaded:
    """What `_prepare` read besides the normalised columns: each record's work and recompare flag."""

    old: list[int | None] = dataclasses.field(default_factory=list)
    again: list[Any] = dataclasses.field(default_factory=list)

    def batches(self, session: Session) -> Iterator[dict[str, Sequence[Any]]]:
        """The records' raw FIELDS a batch at a time, as columns; works and flags are kept here."""
        for rows in _fetched(session):
            raw = list(zip(*rows, strict=True))
            self.old.extend(raw[-2])
            self.again.extend(raw[-1])
            yield dict(zip(FIELDS, raw[:-2], strict=True))


def _fetched(session: Session) -> Iterator[Sequence[Sequence[Any]]]:
    """`_query`'s rows a batch at a time, never all buffered (the raw fields of a million records
    would hold ~1 GB), as the driver gives them: a third less time than result rows (the values
    are the same: JSON text from SQLite, and PostgreSQL's JSON decoded by the loaders the engine
    sets)."""
    conn = session.connection()
    sql = str(_query().compile(dialect=conn.dialect))
    server_side = {"name": "dedupe_records"} if conn.dialect.name == "postgresql" else {}
    cursor = conn.connection.cursor(**server_side)
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            yield rows
    finally:
        cursor.close()


def _prepare(session: Session, workers: int) -> tuple[Prepared, _Loaded]:
    """Every record normalised, a batch at a time, in `workers` processes (this one reads)."""
    loaded = _Loaded()
    with parallel.Pool(normalise, workers) as pool:
        prep = assemble(pool.map(loaded.batches(session), depth=3))
    return prep, loaded


def _any_new(session: Session) -> bool:
    """Whether any record lacks a work or was changed by a re-import (two index look-ups)."""
    table = Record.__table__  # type: ignore[attr-defined]
    for where in (table.c.work_id.is_(None), table.c.recompare):
        if session.execute(select(table.c.id).where(where).limit(1)).first() is not None:
            return True
    return False


def _kept_apart(session: Session, ids: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """Positions (in `ids`, ascending record IDs) of the record pairs a person kept apart."""
    pair = DedupePair.__table__  # type: ignore[attr-defined]
    query = select(pair.c.record_a, pair.c.record_b).where(
        or_(pair.c.decision == "keep_both", pair.c.undone_at.is_not(None))
    )
    rows = session.execute(query).all()
    if not rows or not len(ids):
        return []
    pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
    at = np.searchsorted(ids, pairs).clip(max=len(ids) - 1)
    stored = (ids[at[:, 0]] == pairs[:, 0]) & (ids[at[:, 1]] == pairs[:, 1])
    return [(i, j) for i, j in at[stored].tolist()]


_PAIR_COLUMNS = (
    "record_a", "record_b", "rule", "scores", "band", "relation",
    "decision", "decided_by", "decided_at", "created_at",
)  # fmt: skip
_PAIR_BATCH = 20_000


def _save_pairs(session: Session, prep: Prepared, cands: Sequence[Candidate]) -> None:
    """Store the candidate pairs in their order (a pair stored before is kept as it is): by driver-level
    executemany into a temporary table, values bound as SQLAlchemy binds them (scores as JSON text,
    times in the store's format), then one INSERT ... SELECT (a third less time than an executemany
    into `dedupe_pair`, whose indexes and checks run once per statement that way)."""
    if not cands:
        return
    conn = session.connection()
    table = DedupePair.__table__  # type: ignore[attr-defined]

    def binder(name: str) -> Any:
        process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        return process or (lambda value: value)

    scores, when = binder("scores"), binder("created_at")
    now = when(utcnow())
    ids = prep.ids.tolist()
    rows = []
    for k, c in enumerate(cands):
        decision = ("merge", AUTOMATION, now) if c.band == "auto" else (None, None, None)
        rows.append((k, ids[c.i], ids[c.j], c.rule, scores(c.scores), c.band, c.relation, *decision, now))
    columns = ", ".join(_PAIR_COLUMNS)
    if conn.dialect.name == "sqlite":  # untyped: values are kept as bound, typed by `dedupe_pair`
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE new_pairs (k INTEGER PRIMARY KEY, {columns})")
    else:
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE new_pairs AS SELECT 0 AS k, {columns} FROM dedupe_pair WHERE false"
        )
    marks = ", ".join([bind_mark(conn)] * (len(_PAIR_COLUMNS) + 1))
    for start in range(0, len(rows), _PAIR_BATCH):
        conn.exec_driver_sql(
            f"INSERT INTO new_pairs (k, {columns}) VALUES ({marks})", rows[start : start + _PAIR_BATCH]
        )
    del rows
    # `WHERE true`: SQLite reads ON CONFLICT after a bare FROM as part of a join.
    conn.exec_driver_sql(
        f"INSERT INTO dedupe_pair ({columns}) SELECT {columns} FROM new_pairs WHERE true ORDER BY k "
        "ON CONFLICT DO NOTHING"
    )
    conn.exec_driver_sql("DROP TABLE new_pairs")


def _assign(
    session: Session,
    prep: Prepared,
    roots: npt.NDArray[np.int64],
    old: list[int | None],
    cands: Sequence[Candidate],
    workers: int,
) -> tuple[int, int, set[int]]:
    """Store the pairs and point records at works; returns (works created, works absorbed, works
    needing a refresh).

    A component with a new record and no work yet gets a new work (IDs in order of its first
    record); one with works keeps the survivor (`works.survivor`), absorbing the others. The fields
    of new works of several records are chosen in a worker process while the pairs are stored."""
    comps = _Components.of(roots, prep.new, old)
    touched = comps.touched()
    fresh = touched[~comps.has_old[touched]]
    target = np.full(comps.count, -1, dtype=np.int64)
    target[fresh] = works.reserve_ids(session, len(fresh))
    absorbed: set[int] = set()
    several: set[int] = set()  # works that had records: their fields are chosen again
    held = touched[comps.has_old[touched]]
    anchored = works.anchored_works(session, {w for c in held.tolist() for w in comps.old_works(c)})
    for c in held.tolist():
        have = set(comps.old_works(c))
        target[c] = works.survivor(have, anchored)
        absorbed |= have - {int(target[c])}
        several.add(int(target[c]))
    goal = target[comps.member_comp]  # per member, in component order; -1: untouched
    moving = (goal >= 0) & (comps.old_sorted != goal)
    created = np.zeros(comps.count, dtype=bool)
    created[fresh] = True
    members = prep.ids[comps.order[moving]]
    moves = works.stage_moves(session, members, goal[moving], created[comps.member_comp[moving]])
    _move_and_store_pairs(session, prep, cands, moves, workers)
    works.delete_empty(session, absorbed)
    return len(fresh), len(absorbed), several


CHOSEN_APART = 5_000  # new works of several records from which their fields are chosen in a worker
CHOSEN_SHARE = 2_000  # new works per share of that choosing, drawn in turn by the worker and this process


def _move_and_store_pairs(
    session: Session, prep: Prepared, cands: Sequence[Candidate], moves: works.Moves, workers: int
) -> None:
    """Store the pairs while a worker chooses the fields of the new works of several records (this
    process takes a share of the choosing once the pairs are stored), then create the works and
    move the records.

    The shares go to whichever process draws next, so neither waits for the other whatever the
    relative cost of storing pairs and choosing fields (at a million records: 2.0 and 2.1 s on one
    core; the worker alone left this process waiting 1.7 s)."""
    conn = session.connection()
    now = works.bound_now(conn)
    shares = [moves.several[k : k + CHOSEN_SHARE] for k in range(0, len(moves.several), CHOSEN_SHARE)]
    turns = parallel.Turns()

    def choose(_: None) -> tuple[int, list[tuple[Any, ...]]] | None:
        k = turns.draw(len(shares))
        return None if k is None else (k, works.chosen_fields(conn.dialect, shares[k], now))

    with parallel.Pool(choose, workers if len(moves.several) >= CHOSEN_APART else 1) as pool:
        # One task per share, each drawing the next share left: results come back as they are made.
        theirs = [pool.submit(None, depth=len(shares)) for _ in shares]
        _save_pairs(session, prep, cands)
        mine = list(iter(lambda: choose(None), None))
        done = sorted([*filter(None, (result() for result in theirs)), *mine], key=itemgetter(0))
    moves.several.clear()
    fields = [row for _, rows in done for row in rows]
    works.finish_moves(session, moves, fields, now)


@dataclass(frozen=True)
class _Components:
    """Record positions grouped by component (cluster root), each group in position order."""

    order: npt.NDArray[np.int64]  # positions, by component then position
    starts: npt.NDArray[np.int64]  # where each component starts in `order`
    sizes: npt.NDArray[np.int64]
    member_comp: npt.NDArray[np.int64]  # component of each entry of `order`
    old_sorted: npt.NDArray[np.int64]  # the work of each entry of `order` (-1: none)
    has_old: npt.NDArray[np.bool_]  # per component: a record has a work
    has_new: npt.NDArray[np.bool_]  # per component: a record is new

    @classmethod
    def of(
        cls, roots: npt.NDArray[np.int64], new: npt.NDArray[np.bool_], old: list[int | None]
    ) -> _Components:
        n = len(roots)
        order = np.argsort(roots, kind="stable").astype(np.int64)
        ordered = roots[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if n else order
        sizes = np.diff(np.append(starts, n))
        olds = np.fromiter((-1 if w is None else w for w in old), dtype=np.int64, count=n)[order]
        return cls(
            order=order,
            starts=starts,
            sizes=sizes,
            member_comp=np.repeat(np.arange(len(starts)), sizes),
            old_sorted=olds,
            has_old=np.logical_or.reduceat(olds >= 0, starts) if n else np.zeros(0, dtype=bool),
            has_new=np.logical_or.reduceat(new[order], starts) if n else np.zeros(0, dtype=bool),
        )

    @property
    def count(self) -> int:
        return len(self.starts)

    def touched(self) -> npt.NDArray[np.int64]:
        """Components with a new record, in order of their first record."""
        found = np.flatnonzero(self.has_new)
        first: npt.NDArray[np.int64] = found[np.argsort(self.order[self.starts[found]], kind="stable")]
        return first

    def old_works(self, comp: int) -> list[int]:
        """The works component `comp`'s records have."""
        start = int(self.starts[comp])
        found = self.old_sorted[start : start + int(self.sizes[comp])]
        return [int(w) for w in found.tolist() if w >= 0]


PAGE_CACHE_KIB_PER_RECORD = 0.25  # SQLite page cache while writing: 256 MB at a million records


@contextmanager
def _page_cache(session: Session, records: int) -> Iterator[None]:
    """A larger SQLite page cache while a run writes its works and pairs (the work table's DOI index
    takes its new rows at random places: from the cache, not from the file), then the old one."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    wanted = int(records * PAGE_CACHE_KIB_PER_RECORD)
    if before >= 0 or -before >= wanted:  # set in pages, or already as large: keep it
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size = {-wanted}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {before}")


def _compared_again(session: Session) -> None:
    table = Record.__table__  # type: ignore[attr-defined]
    session.execute(update(table).where(table.c.recompare).values(recompare=False))


def _mark_refused(clustering: Clustering) -> None:
    for cand, reason in clustering.refused:
        cand.band = "review"
        cand.scores["guard"] = reason


def run(
    session: Session,
    *,
    policy: Policy | None = None,
    protocol_hash: str | None = None,
    workers: int | None = None,
) -> DedupeResult:
    """Give every record a work: compare new records with all stored ones, merge or queue pairs.

    `workers`: processes for the bulk work (default `parallel.default_workers()`); any number gives
    the same result."""
    workers = parallel.default_workers() if workers is None else workers
    with collector_paused(), stage_run(session, STAGE, protocol_hash=protocol_hash) as logged:
        result = _run(session, policy or Policy(), logged, workers)
    assert logged.run_id is not None
    return dataclasses.replace(result, run_id=logged.run_id)


def _run(session: Session, policy: Policy, logged: StageRunHandle, workers: int) -> DedupeResult:
    # Read-then-write: a second dedupe (or an import) must not place records from the same stale
    # view, so the write lock is taken before the records are read.
    write_lock(session)
    stored = int(session.execute(select(func.count()).select_from(Record.__table__)).scalar_one())  # type: ignore[attr-defined]
    if not _any_new(session):
        return _finish(session, logged, stored, 0, [], 0, 0, [], policy)
    workers = workers if stored >= PARALLEL_FROM else 1  # fewer: a fork costs more than it saves
    clock = _Clock()
    prep, loaded = _prepare(session, workers)
    clock.lap("read and normalise")
    old, again = loaded.old, loaded.again
    # New records, and records a re-import changed (compared again; they keep their works).
    new = np.fromiter((w is None or a for w, a in zip(old, again, strict=True)), dtype=bool, count=len(old))
    changed = sum(1 for w, a in zip(old, again, strict=True) if a and w is not None)
    loaded.again = again = []
    prep.new = new
    new_count = int(new.sum())
    cands = find_candidates(prep, policy, workers)
    clock.lap("block and score")
    groups: dict[int, list[int]] = {}
    for k, w in enumerate(old):
        if w is not None:
            groups.setdefault(w, []).append(k)
    anchored_ids = works.anchored_works(session, groups)
    anchored = np.array([w in anchored_ids for w in old], dtype=bool)
    clustering = cluster(prep, cands, groups.values(), _kept_apart(session, prep.ids), anchored)
    prep.release()  # only IDs are needed from here: ~400 MB back at a million records
    _mark_refused(clustering)
    flagged = [
        (int(prep.ids[c.i]), int(prep.ids[c.j])) for c, why in clustering.refused if why == "both_screened"
    ]
    clock.lap("cluster")
    with _page_cache(session, len(old)):
        created, merged_works, touched = _assign(session, prep, clustering.roots, old, cands, workers)
        clock.lap("store pairs and works")
        works.refresh(session, touched)
        _compared_again(session)
    result = _finish(session, logged, len(old), new_count, cands, created, merged_works, flagged, policy)
    clock.lap("refresh works and count")
    related = Counter(c.relation for c in cands if c.band == "related" and c.relation)
    return dataclasses.replace(result, changed=changed, related=dict(related), seconds=clock.seconds)


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
