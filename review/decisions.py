"""Final decisions per work and stage, derived from the decision log, never typed.

Every count downstream (queues, conflicts, full-text retrieval, PRISMA) reads these functions.

Rules, in order:
1. An adjudicator's standing decision is final.
2. An active rule exclusion (automation) is final: exclude with the rule's reason code.
3. Otherwise the screeners' standing decisions count: a reviewer's standing decision is their latest
   event for the work and stage; a `retracted` event (an undo) leaves them with none.
   - nobody has decided: pending;
   - someone assigned to the work (dual, pilot, verify ...) has not decided yet: pending;
   - all decided alike: that decision (`maybe` counts as include: the work goes on to full text);
     at full text, excludes with different reason codes are a conflict;
   - include against exclude: conflict (it waits for adjudication).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, union
from sqlmodel import Session, col, select

from review.models import Assignment, RuleResult, ScreeningDecision, Work

SCREENER_ROLES = ("screener", "verifier")
QUEUE_PURPOSES = ("dual", "pilot", "single", "verify", "rule_check")


@dataclass(frozen=True)
class Current:
    """A reviewer's standing decision on one work at one stage."""

    event_id: int
    work_id: int
    reviewer: str
    role: str
    decision: str  # include | exclude | maybe
    reason_code: str | None
    note: str | None
    decided_at: datetime


@dataclass(frozen=True)
class Final:
    """Where one work stands at one stage."""

    work_id: int
    status: str  # include | exclude | conflict | pending
    reason_code: str | None
    basis: str  # adjudication | automation | agreement | single | disagreement | awaiting | unscreened


def current_decisions(
    session: Session,
    stage: str,
    roles: Iterable[str] = SCREENER_ROLES,
    *,
    works: Iterable[int] | None = None,
    reviewer: str | None = None,
) -> list[Current]:
    """Standing decisions: the latest event per work, reviewer and role (retractions removed).

    With `works`, only those works (a pilot batch, one record) are read; with `reviewer`, only that
    reviewer's decisions (their queue late in a large review, not everyone's).
    """
    d = ScreeningDecision
    latest = (
        select(func.max(d.id))
        .where(d.stage == stage, col(d.role).in_(tuple(roles)))
        .group_by(col(d.work_id), col(d.reviewer), col(d.role))
    )
    if works is not None:
        latest = latest.where(col(d.work_id).in_(tuple(works)))
    if reviewer is not None:
        latest = latest.where(d.reviewer == reviewer)
    # Columns, not ORM objects: this runs on every count and queue, over every decision.
    columns = (d.id, d.work_id, d.reviewer, d.role, d.decision, d.reason_code, d.note, d.created_at)
    rows = session.exec(select(*columns).where(col(d.id).in_(latest.scalar_subquery())))  # type: ignore[call-overload]
    return [Current(*r) for r in rows if r[4] != "retracted"]


@dataclass(frozen=True)
class StageLog:
    """What the finals at one stage are judged from, read once (review.tally reuses it for queues)."""

    adjudicated: dict[int, Current]  # work -> its standing adjudication
    rules: dict[int, str]  # work -> reason code of its active rule exclusion
    votes: dict[int, list[Current]]  # work -> the screeners' standing decisions
    queued: dict[int, dict[str, str]]  # work -> {reviewer: purpose} of its queue assignments


def stage_log(
    session: Session, stage: str, *, works: Sequence[int] | None = None, touched: bool = False
) -> StageLog:
    """Read a stage's decisions, rule exclusions and assignments (of `works`; with `touched`, the
    assignments only of works someone or some rule has decided)."""
    # Sorted so that, with two adjudicators on one work, the later adjudication stands.
    adjudications = current_decisions(session, stage, roles=("adjudicator",), works=works)
    votes: dict[int, list[Current]] = defaultdict(list)
    for c in current_decisions(session, stage, works=works):
        votes[c.work_id].append(c)
    return StageLog(
        {c.work_id: c for c in sorted(adjudications, key=lambda c: c.event_id)},
        _active_rules(session, stage, works),
        votes,
        _assigned(session, stage, touched_only=touched, works=works),
    )


def final_decisions(
    session: Session,
    stage: str,
    *,
    touched_only: bool = False,
    earlier: dict[int, Final] | None = None,
    works: Sequence[int] | None = None,
    log: StageLog | None = None,
) -> dict[int, Final]:
    """The final decision for every work in scope at `stage` (full text: title/abstract includes).

    With `touched_only`, works no person, adjudicator or rule has decided are left out (they are
    pending): at a million records that keeps counts interactive; see `summary`. `earlier` passes
    title/abstract finals already computed, for the full-text scope. With `works`, only those works
    are read and judged (review.tally keeps counts current one decision at a time this way). `log`
    passes what `stage_log` read, for a caller that needs it too.
    """
    touched = touched_only and stage == "title_abstract"
    log = log or stage_log(session, stage, works=works, touched=touched)
    adjudicated, rules, votes = log.adjudicated, log.rules, log.votes
    scope: Iterable[int] = (
        sorted(set(adjudicated) | set(rules) | set(votes))
        if touched
        else _scope(session, stage, earlier, works)
    )
    result = {}
    for work_id in scope:
        if work_id in adjudicated:
            adj = adjudicated[work_id]
            status = "include" if adj.decision == "maybe" else adj.decision
            result[work_id] = Final(work_id, status, adj.reason_code, "adjudication")
        elif work_id in rules:
            result[work_id] = Final(work_id, "exclude", rules[work_id], "automation")
        else:
            result[work_id] = _from_votes(
                work_id, stage, votes.get(work_id, []), set(log.queued.get(work_id, ()))
            )
    return result


def summary(session: Session, stage: str) -> Counter[str]:
    """Works per final status at `stage`, without materialising untouched works."""
    finals = final_decisions(session, stage, touched_only=True)
    result = counts(finals)
    if stage == "title_abstract":
        total = session.exec(select(func.count()).select_from(Work)).one()
        result["pending"] += total - len(finals)
    return result


def _from_votes(work_id: int, stage: str, votes: list[Current], assigned: set[str]) -> Final:
    if not votes:
        return Final(work_id, "pending", None, "unscreened")
    decided = {v.reviewer for v in votes}
    if assigned - decided:
        return Final(work_id, "pending", None, "awaiting")
    kinds = {"exclude" if v.decision == "exclude" else "include" for v in votes}
    basis = "single" if len(votes) == 1 else "agreement"
    if kinds == {"include"}:
        return Final(work_id, "include", None, basis)
    if kinds == {"exclude"}:
        reasons = Counter(v.reason_code for v in sorted(votes, key=lambda v: v.decided_at))
        if stage == "full_text" and len(reasons) > 1:
            return Final(work_id, "conflict", None, "disagreement")
        return Final(work_id, "exclude", reasons.most_common(1)[0][0], basis)
    return Final(work_id, "conflict", None, "disagreement")


def _scope(
    session: Session, stage: str, earlier: dict[int, Final] | None, works: Sequence[int] | None
) -> list[int]:
    if stage == "title_abstract":
        if works is not None:
            return sorted(set(works))
        return [i for i in session.exec(select(Work.id).order_by(col(Work.id))) if i is not None]
    if earlier is None:
        earlier = final_decisions(session, "title_abstract", touched_only=True, works=works)
    within = None if works is None else set(works)
    return sorted(w for w, f in earlier.items() if f.status == "include" and (within is None or w in within))


def _active_rules(session: Session, stage: str, works: Sequence[int] | None = None) -> dict[int, str]:
    q = select(RuleResult.work_id, RuleResult.reason_code).where(
        RuleResult.stage == stage,
        col(RuleResult.active).is_(True),
    )
    if works is not None:
        q = q.where(col(RuleResult.work_id).in_(tuple(works)))
    found: dict[int, str] = {}
    for work_id, reason in session.exec(q.order_by(col(RuleResult.id))):
        found.setdefault(work_id, reason)
    return found


def _assigned(
    session: Session, stage: str, *, touched_only: bool = False, works: Sequence[int] | None = None
) -> dict[int, dict[str, str]]:
    """Who each work is queued for, and why; with `touched_only`, only works someone or some rule
    has decided (read from the few decisions and rules, not the million assignments)."""
    a, d, r = Assignment, ScreeningDecision, RuleResult
    q = select(a.work_id, a.reviewer, a.purpose).where(a.stage == stage, col(a.purpose).in_(QUEUE_PURPOSES))
    if works is not None:
        q = q.where(col(a.work_id).in_(tuple(works)))
    elif touched_only:
        touched = union(
            select(d.work_id).where(d.stage == stage),
            select(r.work_id).where(r.stage == stage, col(r.active).is_(True)),
        )
        q = q.where(col(a.work_id).in_(touched.scalar_subquery()))
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for work_id, reviewer, purpose in session.exec(q):
        found[work_id][reviewer] = purpose
    return found


def counts(finals: dict[int, Final]) -> Counter[str]:
    """How many works stand at each status."""
    return Counter(f.status for f in finals.values())
