"""Maintained counts: what `review status` and the screening status line read at a million works.

Counting a million works on every `review status` is too slow (issue 8), so counts are kept as they
change, in the same transaction as the change:
- the database's own triggers count works, records per source and assignments per queue and purpose
  (models.TALLY_TRIGGERS), whatever code writes those rows;
- screening writes (a decision, an undo, an adjudication, a rule run, new assignments) run inside
  `counting`, which sees every decision, assignment and rule result written through the session and,
  on the way out, calls `refresh` for the works they touched. `refresh` judges those works again with
  the code every other count uses (review.decisions), keeps what each work adds to each count
  (`tally_part`), and moves the sums by the difference.

`rebuild` recomputes everything from the logs; `verify` compares the kept counts with a fresh
computation (`review status --check`, and the teardown of every test that uses a store).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Delete, Insert, Update, delete, event, func, insert, or_, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, UOWTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from review.decisions import Final, StageLog, final_decisions, given, in_queue, stage_log
from review.models import Assignment, Record, RuleResult, ScreeningDecision, Tally, TallyPart, Work
from review.states import Stage

# More works than this in one refresh (a first assignment of a whole search, a rules run over
# everything): recomputing every screening count is cheaper than judging them a batch at a time.
BULK = 50_000
BATCH = 1_000  # works judged per step of a refresh (IN-lists well under bound-parameter limits)
CHUNK = 500
SCREENING_KEYS = ("final|", "ruled|", "unqueued|", "done|", "included|", "given|")
# The count of the works in scope at each stage: every work, then the title/abstract includes.
IN_SCOPE: dict[str, str] = {
    Stage.TITLE_ABSTRACT: "works",
    Stage.FULL_TEXT: f"final|{Stage.TITLE_ABSTRACT}|include",
}
# The rows that say where a work stands in screening: writing one marks its work inside `counting`.
SCREENING_TABLES = (ScreeningDecision, Assignment, RuleResult)
_TABLE_NAMES = frozenset(str(t.__tablename__) for t in SCREENING_TABLES)
_COUNTING = "tally.counting"  # Session.info key of the works the open `counting` block has touched
Parts = dict[int, Counter[str]]


@contextmanager
def counting(session: Session) -> Iterator[None]:
    """Keep the counts in step with the screening writes made inside the block.

    Every decision, assignment and rule result written inside, as an ORM object or by a statement
    through the session, marks its work; leaving the block without an error refreshes those works
    (`refresh`) in the same transaction. A block inside another counts once, at the outermost.
    Raw SQL text is not seen: call `refresh` after it.
    """
    if _COUNTING in session.info:  # the outer block sees these writes
        yield
        return
    touched: set[int] = set()
    session.info[_COUNTING] = touched
    event.listen(session, "after_flush", _flushed)
    event.listen(session, "do_orm_execute", _executed)
    try:
        yield
        session.flush()  # objects added but not yet written are counted too
    finally:
        event.remove(session, "after_flush", _flushed)
        event.remove(session, "do_orm_execute", _executed)
        del session.info[_COUNTING]
    refresh(session, touched)


def _flushed(session: Session, _: UOWTransaction) -> None:
    # After a flush the session still lists what it wrote as new, dirty and deleted.
    touched: set[int] = session.info[_COUNTING]
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, SCREENING_TABLES):
            touched.add(obj.work_id)


def _executed(state: ORMExecuteState) -> None:
    """Mark the works an INSERT, UPDATE or DELETE on a screening table is about to write."""
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return
    if getattr(statement.table, "name", None) not in _TABLE_NAMES:
        return
    touched: set[int] = state.session.info[_COUNTING]
    params = state.parameters or {}
    rows: Sequence[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else params
    if isinstance(statement, Insert) and not any(rows):  # values written into the statement itself
        found = statement.compile().params.items()
        rows = [{"work_id": v} for k, v in found if k == "work_id" or k.startswith("work_id_m")]
    touched.update(r["work_id"] for r in rows if r.get("work_id") is not None)
    if isinstance(statement, Update | Delete):
        touched.update(_changing(state.session, statement, rows))


def _changing(session: OrmSession, statement: Update | Delete, rows: Sequence[Mapping[str, Any]]) -> set[int]:
    """Works of the rows an UPDATE or DELETE will change, read before it runs."""
    work_id = statement.table.c.work_id
    q = select(work_id) if statement.whereclause is None else select(work_id).where(statement.whereclause)
    ids = [r["id"] for r in rows if "id" in r]  # an ORM bulk update by primary key
    if not ids:
        return set(session.execute(q).scalars())
    found: set[int] = set()
    for start in range(0, len(ids), BATCH):
        found.update(session.execute(q.where(statement.table.c.id.in_(ids[start : start + BATCH]))).scalars())
    return found


def refresh(session: Session, work_ids: Iterable[int] | None = None) -> None:
    """Bring every count in step with the current state of these works (None: of all works)."""
    ids = None if work_ids is None else sorted(set(work_ids))
    if ids is not None and not ids:
        return
    if ids is None or len(ids) > BULK:
        _rebuild_parts(session)
        return
    for start in range(0, len(ids), BATCH):  # ascending, so concurrent refreshes lock in one order
        _refresh_batch(session, ids[start : start + BATCH])


def _refresh_batch(session: Session, ids: Sequence[int]) -> None:
    _lock(session, ids)
    new, old = contributions(session, ids), _stored(session, ids)
    changed = [w for w in ids if new.get(w, Counter()) != old.get(w, Counter())]
    delta: Counter[str] = Counter()
    for w in changed:
        delta.update(new.get(w, Counter()))
        delta.subtract(old.get(w, Counter()))
    _delete_parts(session, changed)
    _insert_parts(session, changed, new)
    _add(session, delta)


def read(session: Session, keys: Iterable[str] | None = None) -> dict[str, int]:
    """The kept counts (all of them, or the named keys), zero counts left out."""
    q = select(Tally.key, Tally.n).where(col(Tally.n) != 0)
    if keys is not None:
        q = q.where(col(Tally.key).in_(tuple(keys)))
    return {k: int(n) for k, n in session.exec(q)}


def rebuild(session: Session) -> None:
    """Recompute every count from the store (after a bulk load, a copy, or a failed `verify`)."""
    if _is_postgres(session):
        session.execute(text("LOCK TABLE work, record, assignment, tally IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(Tally).where(~_screening_key()))
    _add(session, _row_counts(session))
    _rebuild_parts(session)


def verify(session: Session) -> dict[str, tuple[int, int]]:
    """Counts that differ from a fresh computation: key -> (kept, computed). Empty when all agree."""
    expected = _row_counts(session)
    for part in contributions(session, None).values():
        expected.update(part)
    kept = read(session)
    return {
        k: (kept.get(k, 0), expected.get(k, 0))
        for k in sorted(set(kept) | set(expected))
        if kept.get(k, 0) != expected.get(k, 0)
    }


def unassigned(session: Session, stage: str) -> int:
    """Works `review screen assign` would still give out at `stage` (see `unassigned_from`)."""
    return unassigned_from(read(session, (IN_SCOPE[stage], f"given|{stage}")), stage)


def unassigned_from(kept: Mapping[str, int], stage: str) -> int:
    """Works in scope at `stage` in nobody's queue and not excluded by a rule, out of tallies already
    read (a handful of rows, however many works)."""
    return kept.get(IN_SCOPE[stage], 0) - kept.get(f"given|{stage}", 0)


def contributions(session: Session, works: Sequence[int] | None) -> Parts:
    """What each work adds to the screening counts (works nobody and no rule has touched add nothing)."""
    parts: Parts = defaultdict(Counter)
    ta_log = stage_log(session, Stage.TITLE_ABSTRACT, works=works, touched=True)
    ta = final_decisions(session, Stage.TITLE_ABSTRACT, touched_only=True, works=works, log=ta_log)
    ft_log = stage_log(session, Stage.FULL_TEXT, works=works)
    ft = final_decisions(session, Stage.FULL_TEXT, earlier=ta, works=works, log=ft_log)
    for stage, finals, log in ((Stage.TITLE_ABSTRACT, ta, ta_log), (Stage.FULL_TEXT, ft, ft_log)):
        for w, f in finals.items():
            parts[w][f"final|{stage}|{f.status}"] += 1
        _queue_parts(stage, log, parts)
        scope = None if stage == Stage.TITLE_ABSTRACT else ft  # every work is in scope at title/abstract
        _given_parts(stage, given(session, stage, works) | set(log.rules), scope, parts)
    return parts


def _queue_parts(stage: str, log: StageLog, parts: Parts) -> None:
    # A reviewer's queue holds what decisions.in_queue lets in; their latest standing decision on a
    # work there counts as done, an include also as included (as review.screen.queue reads them).
    latest = sorted((c for votes in log.votes.values() for c in votes), key=lambda c: c.event_id)
    standing = {(c.work_id, c.reviewer): c.decision for c in latest}
    for w in log.rules:
        parts[w][f"ruled|{stage}"] = 1
    for w, queued in log.queued.items():
        for reviewer, purpose in queued.items():
            if not in_queue(purpose, w in log.rules):
                parts[w][f"unqueued|{stage}|{reviewer}"] += 1
            elif (w, reviewer) in standing:
                parts[w][f"done|{stage}|{reviewer}"] += 1
                if standing[w, reviewer] == "include":
                    parts[w][f"included|{stage}|{reviewer}"] += 1


def _given_parts(stage: str, taken: set[int], scope: Mapping[int, Final] | None, parts: Parts) -> None:
    """Works in scope that `review screen assign` will not give out: in a queue, or ruled out."""
    for w in taken:
        if scope is None or w in scope:
            parts[w][f"given|{stage}"] = 1


def _row_counts(session: Session) -> Counter[str]:
    """What the triggers keep: works, records per source, assignments per queue and purpose."""
    found: Counter[str] = Counter()
    found["works"] = session.exec(select(func.count()).select_from(Work)).one()
    for source, n in session.exec(select(Record.source, func.count()).group_by(col(Record.source))):
        found[f"records|{source}"] = n
    a = Assignment
    by_queue = select(a.stage, a.reviewer, a.purpose, func.count()).group_by(
        col(a.stage), col(a.reviewer), col(a.purpose)
    )
    for stage, reviewer, purpose, n in session.exec(by_queue):
        found[f"assigned|{stage}|{reviewer}|{purpose}"] = n
    return +found


def _rebuild_parts(session: Session) -> None:
    if _is_postgres(session):
        # Waits for screeners mid-refresh, and holds the next ones until these counts are in.
        session.execute(text("LOCK TABLE tally_part IN SHARE ROW EXCLUSIVE MODE"))
    parts = contributions(session, None)
    session.execute(delete(TallyPart))
    session.execute(delete(Tally).where(_screening_key()))
    _insert_parts(session, sorted(parts), parts)
    total: Counter[str] = Counter()
    for part in parts.values():
        total.update(part)
    _add(session, total)


def _screening_key() -> ColumnElement[bool]:
    return or_(*(col(Tally.key).startswith(prefix) for prefix in SCREENING_KEYS))


def _lock(session: Session, ids: Sequence[int]) -> None:
    """Serialise refreshes of the same works: the second judges them after the first has committed."""
    if not _is_postgres(session):
        return  # SQLite has one writer at a time, and the caller has already written
    session.execute(text("LOCK TABLE tally_part IN ROW EXCLUSIVE MODE"))
    works = select(Work.id).where(col(Work.id).in_(ids)).order_by(col(Work.id))
    session.execute(works.with_for_update(key_share=True))


def _stored(session: Session, ids: Sequence[int]) -> Parts:
    found: Parts = defaultdict(Counter)
    q = select(TallyPart.work_id, TallyPart.key, TallyPart.n).where(col(TallyPart.work_id).in_(ids))
    for w, key, n in session.exec(q):
        found[w][key] = n
    return found


def _delete_parts(session: Session, works: Sequence[int]) -> None:
    for start in range(0, len(works), CHUNK):
        chunk = works[start : start + CHUNK]
        session.execute(delete(TallyPart).where(col(TallyPart.work_id).in_(chunk)))


def _insert_parts(session: Session, works: Sequence[int], parts: Mapping[int, Counter[str]]) -> None:
    rows = [{"work_id": w, "key": k, "n": n} for w in works if w in parts for k, n in parts[w].items() if n]
    table = TallyPart.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), 10_000):
        # Core, not the ORM's bulk insert: a million parts in a rebuild went 4x faster
        session.execute(insert(table), rows[start : start + 10_000])


def _add(session: Session, delta: Mapping[str, int]) -> None:
    # Sorted keys: two transactions moving the same counts lock them in the same order (no deadlock).
    rows = [{"key": k, "n": n} for k, n in sorted(delta.items()) if n]
    if not rows:
        return
    dialect = postgresql if _is_postgres(session) else sqlite
    stmt = dialect.insert(Tally)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"n": col(Tally.n) + stmt.excluded.n})
    session.execute(stmt, rows)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
