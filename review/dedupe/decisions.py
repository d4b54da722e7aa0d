"""People's dedupe decisions: the queue of pairs to check, merge / keep both, and undo of a merge.

Every action is logged in `dedupe_event` (append-only) with who and when; the pair row holds the
current state, which later runs respect (a kept-apart or undone pair is never merged again).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from review.db import utcnow
from review.dedupe import works
from review.errors import InputError
from review.models import DedupeEvent, DedupePair, Record
from review.states import PairDecision

DECISIONS = tuple(PairDecision)
SHOWN = (
    "id",
    "source",
    "source_id",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "pages",
    "doi",
    "work_id",
)


@dataclass(frozen=True)
class PairView:
    """A queued pair with both records' fields, for showing side by side."""

    pair_id: int
    rule: str
    scores: dict[str, Any]
    left: dict[str, Any]
    right: dict[str, Any]


@dataclass(frozen=True)
class UndoResult:
    work_id: int
    split_records: tuple[int, ...]
    new_work_ids: tuple[int, ...]


def _record(session: Session, record_id: int) -> dict[str, Any]:
    rec = session.get(Record, record_id)
    assert rec is not None
    return {name: getattr(rec, name) for name in SHOWN}


def pending_count(session: Session) -> int:
    """Decisions still to make: pairs of different works with at least one queued record pair."""
    return len(_pending(session, ()))


def _pending(session: Session, skip: Collection[int]) -> dict[tuple[int, int], list[int]]:
    """Queued pair IDs grouped by the two works they would join (one decision per work pair), the
    likeliest duplicates first."""
    pair = DedupePair.__table__  # type: ignore[attr-defined]
    rec = Record.__table__  # type: ignore[attr-defined]
    ra, rb = rec.alias("ra"), rec.alias("rb")
    open_pairs = (
        select(pair.c.id, pair.c.record_a, pair.c.record_b, pair.c.scores)
        .where(pair.c.band == "review", pair.c.decision.is_(None), pair.c.undone_at.is_(None))
        .cte("open_pair")
    )
    if session.get_bind().dialect.name == "postgresql":
        # Read the open pairs from their small partial index first (models.DedupePair): joined
        # directly, the planner may scan every scored pair in parallel instead.
        open_pairs = open_pairs.prefix_with("MATERIALIZED")
    query = (
        select(open_pairs.c.id, ra.c.work_id, rb.c.work_id, open_pairs.c.scores)
        .join(ra, ra.c.id == open_pairs.c.record_a)
        .join(rb, rb.c.id == open_pairs.c.record_b)
        .where(ra.c.work_id != rb.c.work_id)
        .order_by(open_pairs.c.id)
    )
    groups: dict[tuple[int, int], list[int]] = {}
    likeliest: dict[tuple[int, int], float] = {}
    for pid, wa, wb, scores in session.execute(query):
        key = (min(wa, wb), max(wa, wb))
        groups.setdefault(key, []).append(pid)
        # A pair without a probability was queued by a rule (an identifier shared across years).
        p = float((scores or {}).get("p", 1.0))
        likeliest[key] = max(likeliest.get(key, 0.0), p)
    # The likeliest duplicates first: a person who stops early has decided the pairs that matter most.
    order = sorted(groups, key=lambda k: (-likeliest[k], groups[k][0]))
    return {works_: groups[works_] for works_ in order if not skip or groups[works_][0] not in skip}


def next_pending(session: Session, skip: Collection[int] = ()) -> PairView | None:
    """The next queued pair not in `skip` (pairs skipped in this sitting), or None when all are done."""
    groups = _pending(session, skip)
    if not groups:
        return None
    pair = session.get(DedupePair, next(iter(groups.values()))[0])
    assert pair is not None and pair.id is not None
    return PairView(
        pair.id,
        pair.rule,
        dict(pair.scores or {}),
        _record(session, pair.record_a),
        _record(session, pair.record_b),
    )


def _pair(session: Session, pair_id: int) -> DedupePair:
    pair = session.get(DedupePair, pair_id)
    if pair is None:
        raise InputError(f"No dedupe pair {pair_id}: `review dedupe review` lists the queued pairs.")
    return pair


def decide(session: Session, pair_id: int, decision: str, reviewer: str) -> int | None:
    """Record a person's decision on a pair; `merge` joins the two works. Returns the merged work's ID."""
    if decision not in DECISIONS:
        raise InputError(f"Unknown decision {decision!r}: use one of {', '.join(DECISIONS)}.")
    pair = _pair(session, pair_id)
    a, b = session.get(Record, pair.record_a), session.get(Record, pair.record_b)
    assert a is not None and b is not None and a.work_id is not None and b.work_id is not None
    target = None
    if decision == "merge":
        target = _merge_works(session, [a.work_id, b.work_id])
    elif a.work_id == b.work_id:
        raise InputError(
            f"Records {a.id} and {b.id} are already one work ({a.work_id}): "
            f"split them with `review dedupe undo {a.work_id} --record {b.id}`."
        )
    now = utcnow()
    # Keeping two works apart answers every queued pair between them: record it on each.
    same_works = _pending(session, ()).get((min(a.work_id, b.work_id), max(a.work_id, b.work_id)), [])
    for other in {pair_id, *same_works} if decision == "keep_both" else {pair_id}:
        row = _pair(session, other)
        row.decision, row.decided_by, row.decided_at, row.undone_at = decision, reviewer, now, None
        session.add(
            DedupeEvent(pair_id=other, action=decision, reviewer=reviewer, work_id=target, created_at=now)
        )
    session.flush()
    return target


def _merge_works(session: Session, work_ids: Sequence[int]) -> int:
    ids = set(work_ids)
    anchored = works.anchored_works(session, ids)
    if len(anchored) > 1:
        raise InputError(
            f"Works {', '.join(map(str, sorted(anchored)))} both already have screening or later data; "
            "merging would mix their decisions. Keep both, or resolve them in screening first."
        )
    target = works.survivor(ids, anchored)
    table = Record.__table__  # type: ignore[attr-defined]
    moving = session.execute(select(table.c.id).where(table.c.work_id.in_(ids - {target}))).scalars()
    works.set_work_ids(session, {rid: target for rid in moving})
    works.delete_empty(session, ids - {target})
    works.refresh(session, [target])
    return target


def undo(session: Session, work_id: int, reviewer: str, record_ids: Sequence[int] = ()) -> UndoResult:
    """Split records out of a work into works of their own (all but the first, or those given)."""
    table = Record.__table__  # type: ignore[attr-defined]
    members = sorted(session.execute(select(table.c.id).where(table.c.work_id == work_id)).scalars())
    if len(members) < 2:
        raise InputError(f"Work {work_id} has {len(members)} record(s): there is nothing to split.")
    split = sorted(set(record_ids)) if record_ids else members[1:]
    strangers = [r for r in split if r not in members]
    if strangers or len(split) >= len(members):
        raise InputError(
            f"Give records of work {work_id} to split off, keeping at least one: it has {members}."
        )
    new_ids = works.create_works(session, len(split))
    works.set_work_ids(session, dict(zip(split, new_ids, strict=True)))
    _mark_undone(session, set(split), set(members), reviewer, work_id)
    works.refresh(session, [work_id, *new_ids])
    return UndoResult(work_id, tuple(split), tuple(new_ids))


def _mark_undone(session: Session, split: set[int], members: set[int], reviewer: str, work_id: int) -> None:
    # Every pair tying a split record to the old cluster is undone, and pairs never scored are stored
    # as kept apart, so no later run (or chain through a new record) rejoins them.
    query = select(DedupePair).where(
        DedupePair.record_a.in_(members),  # type: ignore[attr-defined]
        DedupePair.record_b.in_(members),  # type: ignore[attr-defined]
    )
    stored = {(p.record_a, p.record_b): p for p in session.execute(query).scalars()}
    now = utcnow()
    for a, b in combinations(sorted(members), 2):
        if a not in split and b not in split:
            continue
        pair = stored.get((a, b))
        if pair is None:
            pair = DedupePair(
                record_a=a,
                record_b=b,
                rule="undo",
                band="distinct",
                decision="keep_both",
                decided_by=reviewer,
                decided_at=now,
                created_at=now,
            )
            session.add(pair)
        elif pair.decision == "merge" and pair.undone_at is None:
            pair.undone_at = now
        else:
            continue
        session.flush()
        assert pair.id is not None
        session.add(
            DedupeEvent(pair_id=pair.id, action="undo", reviewer=reviewer, work_id=work_id, created_at=now)
        )
    session.flush()
