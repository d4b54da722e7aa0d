"""A reviewer's queue at a stage: what is assigned, what is done, what comes next.

Blinded: everything here is read from the reviewer's own decisions and notes, never anyone else's;
the order of a blinded queue is learned from their own and settled decisions (review.screen.rank).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from review import tally
from review.decisions import QUEUE_PURPOSES, Current, current_decisions, in_queue
from review.dedupe.relations import Related, related_by_work
from review.models import Assignment, Document, Record, RuleResult, Work
from review.protocol import Protocol
from review.screen.decide import notes
from review.screen.rules import active_exclusions
from review.states import Stage


@dataclass(frozen=True)
class DocumentInfo:
    """A full text sought for the work (filled by the full-text stage)."""

    status: str
    pages: int | None
    path: str | None
    reason: str | None


@dataclass(frozen=True)
class Item:
    """What a screener sees for one work."""

    work_id: int
    stage: str
    title: str | None
    abstract: str | None
    year: int | None
    doc_type: str | None
    venue: str | None
    sources: tuple[str, ...]
    purpose: str
    rule_details: tuple[str, ...] = ()
    documents: tuple[DocumentInfo, ...] = ()
    note: str | None = None
    related: tuple[Related, ...] = ()  # other works linked to it: its erratum, a series' other items


@dataclass(frozen=True)
class Queue:
    """A reviewer's progress at a stage and the works still to screen, next first."""

    reviewer: str
    stage: str
    assigned: int
    done: int
    decided: tuple[tuple[str, int], ...]  # (include|exclude|maybe, count) of the reviewer's own decisions
    pending: tuple[int, ...]

    def count(self, decision: str) -> int:
        return dict(self.decided).get(decision, 0)


def assigned(
    session: Session, reviewer: str, stage: str, work_ids: Sequence[int] | None = None
) -> dict[int, str]:
    """Works in the reviewer's queue (work -> purpose); rule exclusions only when given to check."""
    a = Assignment.__table__.c  # type: ignore[attr-defined]
    # Core rows, not the ORM's: a queue can hold 500,000 works, read once a sitting.
    q = sa_select(a.work_id, a.purpose).where(
        a.reviewer == reviewer, a.stage == stage, a.purpose.in_(QUEUE_PURPOSES)
    )
    if work_ids is None:
        ruled: Collection[int] = active_exclusions(session, stage)
    else:
        ids = list(work_ids)
        q = q.where(a.work_id.in_(ids))
        ruled = set(
            session.exec(
                select(RuleResult.work_id).where(
                    col(RuleResult.work_id).in_(ids),
                    RuleResult.stage == stage,
                    col(RuleResult.active).is_(True),
                )
            )
        )
    return {w: p for w, p in session.execute(q) if in_queue(p, w in ruled)}


def standing(session: Session, reviewer: str, stage: str) -> dict[int, Current]:
    """The reviewer's own standing decision on each work (undone ones left out)."""
    return {c.work_id: c for c in current_decisions(session, stage, reviewer=reviewer)}


@dataclass(frozen=True)
class Counts:
    """The status line: assigned, decided and included, for one reviewer at one stage."""

    assigned: int
    done: int
    included: int


def counts(session: Session, reviewer: str, stage: str) -> Counts:
    """`Counts` from the kept tallies (review.tally), so the status line stays interactive at a
    million works."""
    keys = [f"assigned|{stage}|{reviewer}|{p}" for p in QUEUE_PURPOSES]
    keys += [f"{kind}|{stage}|{reviewer}" for kind in ("unqueued", "done", "included")]
    return counts_from(tally.read(session, keys), reviewer, stage)


def counts_from(kept: Mapping[str, int], reviewer: str, stage: str) -> Counts:
    """`Counts` for one reviewer out of tallies already read."""
    queued = sum(kept.get(f"assigned|{stage}|{reviewer}|{p}", 0) for p in QUEUE_PURPOSES)
    # Rule exclusions leave the queue, unless the work was given to the reviewer to check the rule.
    assigned = queued - kept.get(f"unqueued|{stage}|{reviewer}", 0)
    done, included = (kept.get(f"{kind}|{stage}|{reviewer}", 0) for kind in ("done", "included"))
    return Counts(assigned, done, included)


def is_decided(session: Session, reviewer: str, stage: str, work_id: int) -> bool:
    """Whether the reviewer has a standing decision on one work (indexed lookups of that work)."""
    return bool(current_decisions(session, stage, works=[work_id], reviewer=reviewer))


def build(
    session: Session, reviewer: str, stage: str, *, ordered: bool = True, protocol: Protocol | None = None
) -> Queue:
    """The reviewer's queue: counts, and the undecided works (in screening order when `ordered`)."""
    queue = assigned(session, reviewer, stage)
    mine = {w: d for w, d in standing(session, reviewer, stage).items() if w in queue}
    decided = Counter(d.decision for d in mine.values())
    todo = [w for w in queue if w not in mine]
    pending = order(session, stage, todo, protocol, reviewer=reviewer) if ordered else sorted(todo)
    return Queue(reviewer, stage, len(queue), len(mine), tuple(sorted(decided.items())), tuple(pending))


def order(
    session: Session, stage: str, work_ids: Sequence[int], protocol: Protocol | None = None, *, reviewer: str
) -> list[int]:
    """The reviewer's works most likely relevant first (review.screen.rank), learned from the
    decisions so far: while the queue is blinded, only from their own and settled ones."""
    from review.screen import rank  # numpy and scikit-learn: only when a queue is ordered

    return rank.order(session, stage, list(work_ids), protocol=protocol, reviewer=reviewer)


def items(session: Session, work_ids: Sequence[int], stage: str, reviewer: str) -> list[Item]:
    """Screening cards for the given works, in the given order."""
    ids = list(work_ids)
    works = {w.id: w for w in session.exec(select(Work).where(col(Work.id).in_(ids)))}
    sources: dict[int, set[str]] = defaultdict(set)
    for work_id, source in session.exec(
        select(Record.work_id, Record.source).where(col(Record.work_id).in_(ids))
    ):
        if work_id is not None:
            sources[work_id].add(source)
    purposes = assigned(session, reviewer, stage, ids)
    rules = _rule_details(session, ids, stage)
    docs = _documents(session, ids) if stage == Stage.FULL_TEXT else {}
    own_notes = notes(session, stage, reviewer)
    found = [
        _item(works[w], stage, tuple(sorted(sources[w])), purposes.get(w, "-"), rules, docs, own_notes.get(w))
        for w in ids
        if w in works
    ]
    related = related_by_work(session, ids)  # works kept apart but linked: an erratum, a series
    return [replace(item, related=tuple(related.get(item.work_id, ()))) for item in found]


def _item(
    work: Work,
    stage: str,
    sources: tuple[str, ...],
    purpose: str,
    rules: dict[int, list[str]],
    docs: dict[int, list[DocumentInfo]],
    note: str | None,
) -> Item:
    assert work.id is not None
    return Item(
        work_id=work.id,
        stage=stage,
        title=work.title,
        abstract=work.abstract,
        year=work.year,
        doc_type=work.doc_type,
        venue=work.journal or work.publisher,
        sources=sources,
        purpose=purpose,
        rule_details=tuple(rules.get(work.id, [])) if purpose == "rule_check" else (),
        documents=tuple(docs.get(work.id, [])),
        note=note,
    )


def _rule_details(session: Session, ids: list[int], stage: str) -> dict[int, list[str]]:
    q = select(RuleResult).where(col(RuleResult.work_id).in_(ids), RuleResult.stage == stage)
    found: dict[int, list[str]] = defaultdict(list)
    for r in session.exec(q.order_by(col(RuleResult.id))):
        state = "" if r.active else " (overturned)" if r.overturned_by else " (no longer fires)"
        found[r.work_id].append(f"{r.reason_code} by rule {r.rule}: {r.detail}{state}")
    return found


def _documents(session: Session, ids: list[int]) -> dict[int, list[DocumentInfo]]:
    found: dict[int, list[DocumentInfo]] = defaultdict(list)
    for d in session.exec(select(Document).where(col(Document.work_id).in_(ids)).order_by(col(Document.id))):
        found[d.work_id].append(DocumentInfo(d.status, d.pages, d.path, d.reason))
    return found
