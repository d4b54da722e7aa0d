"""Conflicts between screeners, and their resolution by an adjudicator.

A conflict is what `decisions.final_decisions` calls one: standing screener decisions that
disagree (include against exclude; at full text also different exclusion reasons), once every
assigned screener has decided. An adjudicator's decision is a new `ScreeningDecision` event with
role "adjudicator"; nothing is updated, so a later adjudication supersedes, never overwrites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from review import tally
from review.db import utcnow
from review.decisions import Current, current_decisions, final_decisions
from review.errors import AdjudicationError, InputError
from review.models import ScreeningDecision, Work
from review.protocol import Protocol
from review.states import Decision, Stage

# "maybe" sends a work on to full text, so it only makes sense at title-abstract.
ADJUDICATION_DECISIONS: dict[str, tuple[Decision, ...]] = {
    Stage.TITLE_ABSTRACT: (Decision.INCLUDE, Decision.EXCLUDE, Decision.MAYBE),
    Stage.FULL_TEXT: (Decision.INCLUDE, Decision.EXCLUDE),
}


@dataclass(frozen=True)
class Conflict:
    """A work whose screeners disagree at a stage, with their standing decisions."""

    work_id: int
    stage: str
    title: str | None
    abstract: str | None
    year: int | None
    kind: str  # "include/exclude" or "reasons" (full text: both exclude, for different reasons)
    votes: tuple[Current, ...]
    adjudication: Current | None = None  # the standing adjudication, when re-adjudicating

    @property
    def screeners(self) -> frozenset[str]:
        return frozenset(v.reviewer for v in self.votes)


@dataclass(frozen=True)
class Resolution:
    """One adjudication written to the decision log."""

    work_id: int
    stage: str
    adjudicator: str
    decision: str
    reason_code: str | None
    note: str | None
    event_id: int
    supersedes: int | None


def list_conflicts(session: Session, stage: str) -> list[Conflict]:
    """Open conflicts at `stage`, in work order."""
    finals = final_decisions(session, stage, touched_only=True)
    ids = [w for w, f in finals.items() if f.status == "conflict"]
    return _build(session, stage, ids, {})


def targets(session: Session, stage: str) -> dict[int, Conflict]:
    """Works an adjudicator may decide: open conflicts and already adjudicated works."""
    finals = final_decisions(session, stage, touched_only=True)
    adjudicated = _adjudications(session, stage)
    ids = [w for w, f in finals.items() if f.status == "conflict" or f.basis == "adjudication"]
    return {c.work_id: c for c in _build(session, stage, ids, adjudicated)}


def _build(session: Session, stage: str, ids: list[int], adjudicated: dict[int, Current]) -> list[Conflict]:
    if not ids:
        return []
    wanted = set(ids)
    votes: dict[int, dict[str, Current]] = {w: {} for w in ids}
    # Reading only the wanted works is faster, within SQLite's limit on bound parameters.
    works = ids if len(ids) <= 10_000 else None
    for c in sorted(current_decisions(session, stage, works=works), key=lambda c: c.event_id):
        if c.work_id in wanted:
            votes[c.work_id][c.reviewer] = c
    found = {
        w.id: w for chunk in _chunks(ids) for w in session.exec(select(Work).where(col(Work.id).in_(chunk)))
    }
    return [
        Conflict(
            work_id=w,
            stage=stage,
            title=found[w].title,
            abstract=found[w].abstract,
            year=found[w].year,
            kind=_kind(tuple(votes[w].values())),
            votes=tuple(sorted(votes[w].values(), key=lambda v: v.reviewer)),
            adjudication=adjudicated.get(w),
        )
        for w in ids
    ]


def _chunks(ids: list[int], size: int = 10_000) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _kind(votes: tuple[Current, ...]) -> str:
    return "reasons" if all(v.decision == "exclude" for v in votes) else "include/exclude"


def _adjudications(session: Session, stage: str) -> dict[int, Current]:
    found: dict[int, Current] = {}
    for c in sorted(current_decisions(session, stage, roles=("adjudicator",)), key=lambda c: c.event_id):
        found[c.work_id] = c
    return found


def split_for(conflicts: list[Conflict], protocol: Protocol, adjudicator: str) -> tuple[list[Conflict], int]:
    """The conflicts `adjudicator` may resolve, and how many they may not (they screened them)."""
    if protocol.screening.allow_screener_adjudication:
        return conflicts, 0
    mine = [c for c in conflicts if adjudicator not in c.screeners]
    return mine, len(conflicts) - len(mine)


def problem(
    protocol: Protocol, target: Conflict, adjudicator: str, decision: str, reason: str | None
) -> str | None:
    """What is wrong with this adjudication, or None if it may be written."""
    if adjudicator not in protocol.review.reviewers:
        return f"{adjudicator!r} is not a reviewer in the protocol ({', '.join(protocol.review.reviewers)})"
    if adjudicator in target.screeners and not protocol.screening.allow_screener_adjudication:
        return (
            f"{adjudicator} screened record {target.work_id} and cannot adjudicate it: ask another "
            "reviewer, or set screening.allow_screener_adjudication = true in the protocol"
        )
    allowed = ADJUDICATION_DECISIONS[target.stage]
    if decision not in allowed:
        return f"decision {decision!r} is not one of {', '.join(allowed)} at {Stage(target.stage).cli}"
    codes = protocol.reason_codes()
    if decision == "exclude" and reason not in codes:
        given = f"{reason!r} is not one" if reason else "none given"
        return f"an exclude needs a reason code from the protocol ({', '.join(codes)}); {given}"
    if decision == "include" and reason:
        return f"an include takes no reason code (got {reason!r})"
    return None


def target_for(session: Session, stage: str, work_id: int, found: dict[int, Conflict]) -> Conflict:
    """The conflict for `work_id`, or an error saying why there is none."""
    if work_id in found:
        return found[work_id]
    if session.get(Work, work_id) is None:
        raise InputError(f"Work {work_id} does not exist: give a work ID that `review conflicts` lists.")
    final = final_decisions(session, stage, touched_only=True).get(work_id)
    where = "has no decisions yet" if final is None else f"stands at {final.status} ({final.basis})"
    raise AdjudicationError(
        f"Work {work_id} is not in conflict at {Stage(stage).cli}: it {where}. "
        "`review conflicts` lists the open conflicts."
    )


def resolve(
    session: Session,
    protocol: Protocol,
    stage: str,
    work_id: int,
    adjudicator: str,
    *,
    decision: str,
    reason: str | None = None,
    note: str | None = None,
) -> Resolution:
    """Write an adjudicator's decision on a conflict (or a new one on an adjudicated work)."""
    target = target_for(session, stage, work_id, targets(session, stage))
    issue = problem(protocol, target, adjudicator, decision, reason)
    if issue:
        raise AdjudicationError(f"Cannot resolve record {work_id}: {issue}.")
    row = adjudication_event(target, adjudicator, decision, reason, note)
    event = ScreeningDecision(**row)
    with tally.counting(session):
        session.add(event)
    assert event.id is not None
    return Resolution(
        work_id=work_id,
        stage=stage,
        adjudicator=adjudicator,
        decision=decision,
        reason_code=reason,
        note=note,
        event_id=event.id,
        supersedes=row["supersedes"],
    )


def adjudication_event(
    target: Conflict, adjudicator: str, decision: str, reason: str | None, note: str | None
) -> dict[str, Any]:
    return {
        "work_id": target.work_id,
        "stage": target.stage,
        "reviewer": adjudicator,
        "role": "adjudicator",
        "decision": decision,
        "reason_code": reason or None,
        "note": note or None,
        "supersedes": target.adjudication.event_id if target.adjudication else None,
        "created_at": utcnow(),
    }


def write_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append adjudication events in one statement."""
    if rows:
        with tally.counting(session):
            session.execute(insert(ScreeningDecision), rows)


def queue(
    session: Session, protocol: Protocol, stage: str, adjudicator: str, work_id: int | None = None
) -> tuple[list[Conflict], int]:
    """What `adjudicator` should resolve now: one record, or every open conflict they may decide.

    Returns the conflicts and how many open ones were left out because they screened them.
    Raises an error if they may decide none of them.
    """
    cli_stage = Stage(stage).cli
    if work_id is not None:
        target = target_for(session, stage, work_id, targets(session, stage))
        issue = problem(protocol, target, adjudicator, "include", None)
        if issue:
            raise AdjudicationError(f"Cannot resolve record {work_id}: {issue}.")
        return [target], 0
    found, own = split_for(list_conflicts(session, stage), protocol, adjudicator)
    if own and not found:
        raise AdjudicationError(
            f"All {own} open conflict(s) at {cli_stage} were screened by {adjudicator}, who may not "
            "adjudicate them: ask another reviewer, or set screening.allow_screener_adjudication = true."
        )
    return found, own
