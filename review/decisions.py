"""Final decisions per work and stage, derived from the decision log, never typed.

Every count downstream (queues, conflicts, full-text retrieval, PRISMA, the kept tallies, the
ranking's and the stopping test's labels) reads these functions; who is queued for what is settled
here too (`in_queue`, GIVEN_PURPOSES), for the queues (review.screen.queue) and their kept counts
(review.tally) alike.

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
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, union
from sqlmodel import Session, col, select

from review.models import Assignment, RuleResult, ScreeningDecision, Work
from review.states import Role, Stage

SCREENER_ROLES = (Role.SCREENER, Role.VERIFIER)
QUEUE_PURPOSES = ("dual", "pilot", "single", "verify", "rule_check")
# A work in a queue for one of these is screened there: `review screen assign` does not give it out
# again (a verification comes on top of a screening, and a rule check that overturns its rule counts
# as the work's screening).
GIVEN_PURPOSES = ("pilot", "dual", "single", "rule_check")
# Queues whose decisions are compared with another screener's: the screener works blind to others.
BLINDED_PURPOSES = ("dual", "pilot", "verify")
SETTLED_BASES = ("adjudication", "agreement")
SETTLE_BATCH = 1000  # works judged per read by `settled` (IN-lists well under bound-parameter limits)


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
    # Columns, not ORM objects: this runs on every count and queue, over every decision.
    columns = (d.id, d.work_id, d.reviewer, d.role, d.decision, d.reason_code, d.note, d.created_at)
    return [Current(*r) for r in _standing(session, stage, roles, works, reviewer, columns)]


def standing_votes(
    session: Session, stage: str, roles: Iterable[str] = SCREENER_ROLES, *, reviewer: str | None = None
) -> list[tuple[int, str, str, str]]:
    """(work, reviewer, role, decision) of the same standing decisions as `current_decisions`.

    Plain rows without notes and times, for a caller that reads every decision on every call (the
    ranking retrains after every few decisions): building `Current`s costs more than the query.
    """
    d = ScreeningDecision
    rows = _standing(session, stage, roles, None, reviewer, (d.work_id, d.reviewer, d.role, d.decision))
    return [(w, r, role, decision) for w, r, role, decision in rows]


def _standing(
    session: Session,
    stage: str,
    roles: Iterable[str],
    works: Iterable[int] | None,
    reviewer: str | None,
    columns: tuple[Any, ...],
) -> Sequence[Any]:
    """`columns` of the standing decisions, in event order: the latest event per work, reviewer and
    role, unless that event is a retraction (an undo leaves the reviewer with no decision)."""
    q = _standing_select(stage, roles, works, reviewer, *columns)
    return session.execute(q.order_by(col(ScreeningDecision.id))).all()


def _standing_select(
    stage: str, roles: Iterable[str], works: Iterable[int] | None, reviewer: str | None, *columns: Any
) -> Select[Any]:
    """A query of `columns` over the standing decisions: what every reading of them builds on."""
    d = ScreeningDecision
    latest = _latest(stage, roles, works, reviewer)
    query: Select[Any] = select(*columns).where(col(d.id).in_(latest), d.decision != "retracted")
    return query


def _latest(
    stage: str, roles: Iterable[str], works: Iterable[int] | None, reviewer: str | None
) -> ScalarSelect[int | None]:
    """IDs of the latest event per work, reviewer and role: what makes a decision standing."""
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
    return latest.scalar_subquery()


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
    touched = touched_only and stage == Stage.TITLE_ABSTRACT
    log = log or stage_log(session, stage, works=works, touched=touched)
    adjudicated, rules, votes = log.adjudicated, log.rules, log.votes
    scope: Iterable[int] = (
        sorted(set(adjudicated) | set(rules) | set(votes))
        if touched
        else _scope(session, stage, earlier, works)
    )
    return {work_id: judge(work_id, stage, log) for work_id in scope}


def judge(work_id: int, stage: str, log: StageLog) -> Final:
    """One work's final decision at `stage` from what `stage_log` read (the rules above)."""
    if work_id in log.adjudicated:
        adj = log.adjudicated[work_id]
        status = "include" if adj.decision == "maybe" else adj.decision
        return Final(work_id, status, adj.reason_code, "adjudication")
    if work_id in log.rules:
        return Final(work_id, "exclude", log.rules[work_id], "automation")
    return _from_votes(work_id, stage, log.votes.get(work_id, []), set(log.queued.get(work_id, ())))


def settled(session: Session, stage: str) -> dict[int, Final]:
    """Works whose final decision at `stage` people have settled: by an adjudication, or by the
    agreement of two or more screeners once everyone the work is assigned to has decided.

    Another screener's decision no longer changes these (only an adjudication, a change of mind or
    a new assignment does), so a blinded screener's queue may learn from them (review.screen.rank).
    Conflicts, works awaiting an assigned screener, one screener's decision alone and rule
    exclusions are left out.
    """
    found: dict[int, Final] = {}
    candidates = _settle_candidates(session, stage)
    for start in range(0, len(candidates), SETTLE_BATCH):
        batch = candidates[start : start + SETTLE_BATCH]
        log = stage_log(session, stage, works=batch)
        found.update({w: f for w in batch if (f := judge(w, stage, log)).basis in SETTLED_BASES})
    return found


def labels(session: Session, stage: str, *, blinded_for: str | None = None) -> dict[int, int]:
    """Work ID → 1 (include or maybe) or 0 (exclude) from the standing human decisions at `stage`:
    what the ranking learns from and the stopping test counts.

    An adjudicator's decision settles a work; otherwise any screener's include or maybe makes it
    positive, because a record someone thought relevant should pull similar ones up. With
    `blinded_for`, only that reviewer's own decisions and settled works (`settled`): a blinded
    queue never learns from another screener's decision alone (review.screen.rank).
    """
    if blinded_for is not None:
        found = _any_include(standing_votes(session, stage, reviewer=blinded_for))
        # settled after their own: an adjudication overrides them; an agreement already matches them
        found.update({w: int(f.status == "include") for w, f in settled(session, stage).items()})
        return found
    found = _any_include(standing_votes(session, stage))
    # in event order, so that with two adjudicators on one work the later one stands
    for work_id, _, _, decision in standing_votes(session, stage, ("adjudicator",)):
        found[work_id] = int(decision != "exclude")
    return found


def _any_include(votes: Sequence[tuple[int, str, str, str]]) -> dict[int, int]:
    """1 where any of the votes on a work is include or maybe, else 0."""
    found: dict[int, int] = {}
    for work_id, _, _, decision in votes:
        found[work_id] = max(found.get(work_id, 0), int(decision != "exclude"))
    return found


def _settle_candidates(session: Session, stage: str) -> list[int]:
    """Works with a standing adjudication or two or more standing screener decisions: the only ones
    `judge` can find settled (single screening leaves few of them), found by the database."""
    d = ScreeningDecision
    screened = _standing_select(stage, SCREENER_ROLES, None, None, d.work_id)
    pairs = screened.group_by(col(d.work_id)).having(func.count() >= 2)
    adjudicated = _standing_select(stage, ("adjudicator",), None, None, d.work_id)
    return sorted(session.exec(union(pairs, adjudicated)).scalars())  # type: ignore[call-overload]


def blinded(session: Session, reviewer: str, stage: str) -> bool:
    """Whether the reviewer still has a work to screen blind to others at `stage`: one given them
    for dual screening, a pilot batch or to verify another's exclude (BLINDED_PURPOSES), with no
    standing decision of theirs and no active rule exclusion (which keeps it out of their queue)."""
    a, d, r = Assignment, ScreeningDecision, RuleResult
    theirs = _standing_select(stage, SCREENER_ROLES, None, reviewer, d.work_id)
    ruled = select(r.id).where(r.work_id == a.work_id, r.stage == stage, col(r.active).is_(True))
    q = select(a.work_id).where(
        a.reviewer == reviewer,
        a.stage == stage,
        col(a.purpose).in_(BLINDED_PURPOSES),
        col(a.work_id).not_in(theirs.scalar_subquery()),
        ~ruled.exists(),
    )
    # one such work is enough: the queue index finds it without reading the whole queue
    return session.exec(q.limit(1)).first() is not None


def in_queue(purpose: str, ruled: bool) -> bool:
    """Whether an assignment puts its work in the reviewer's queue: an active rule exclusion
    (`ruled`) takes the work out, unless it was given them to check that rule."""
    return purpose == "rule_check" or not ruled


def given(session: Session, stage: str, works: Sequence[int] | None = None) -> set[int]:
    """Works (of `works`, or all) in someone's queue at `stage` for screening (GIVEN_PURPOSES)."""
    a = Assignment
    q = select(a.work_id).where(a.stage == stage, col(a.purpose).in_(GIVEN_PURPOSES)).distinct()
    if works is not None:
        q = q.where(col(a.work_id).in_(tuple(works)))
    return set(session.exec(q))


def summary(session: Session, stage: str) -> Counter[str]:
    """Works per final status at `stage`, without materialising untouched works."""
    finals = final_decisions(session, stage, touched_only=True)
    result = counts(finals)
    if stage == Stage.TITLE_ABSTRACT:
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
        if stage == Stage.FULL_TEXT and len(reasons) > 1:
            return Final(work_id, "conflict", None, "disagreement")
        return Final(work_id, "exclude", reasons.most_common(1)[0][0], basis)
    return Final(work_id, "conflict", None, "disagreement")


def _scope(
    session: Session, stage: str, earlier: dict[int, Final] | None, works: Sequence[int] | None
) -> list[int]:
    if stage == Stage.TITLE_ABSTRACT:
        if works is not None:
            return sorted(set(works))
        return [i for i in session.exec(select(Work.id).order_by(col(Work.id))) if i is not None]
    if earlier is None:
        earlier = final_decisions(session, Stage.TITLE_ABSTRACT, touched_only=True, works=works)
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
